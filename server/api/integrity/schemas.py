import marshmallow as ma

from server.api.schemas import BeijingDateTime, Text


class IntegrityEventSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    school_id = ma.fields.Integer(allow_none=True)
    user_id = ma.fields.Integer(allow_none=True)
    student_no = ma.fields.String(attribute="user.student_no", allow_none=True)
    name = ma.fields.String(attribute="user.name", allow_none=True)
    code = ma.fields.String(required=True)
    detail = ma.fields.Dict(required=True)
    client_address = ma.fields.String(allow_none=True)
    created_at = BeijingDateTime(required=True)


class IntegrityQuerySchema(ma.Schema):
    code = Text(validate=ma.validate.Length(max=40))
