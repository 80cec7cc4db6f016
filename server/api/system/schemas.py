import marshmallow as ma

from server.api.schemas import BeijingDateTime


class ServerTimeSchema(ma.Schema):
    server_time = BeijingDateTime(required=True)
    timezone = ma.fields.String(required=True, metadata={"example": "Asia/Shanghai"})
    epoch_ms = ma.fields.Integer(
        required=True, metadata={"description": "For skew: server minus client"}
    )


class ClientBuildSchema(ma.Schema):
    version = ma.fields.String(required=True)
    download_url = ma.fields.String(required=True)
    description = ma.fields.String(required=True)


class ClientVersionsSchema(ma.Schema):
    current = ma.fields.Nested(ClientBuildSchema, required=True)
    minimum = ma.fields.Nested(ClientBuildSchema, required=True)
    low_end = ma.fields.Nested(ClientBuildSchema, required=True)


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True)
    checks = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
