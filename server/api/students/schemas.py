import marshmallow as ma

from server.api.schemas import ID_RANGE, BeijingDateTime, StrictInt, Text


class StudentCreateSchema(ma.Schema):
    student_no = Text(required=True, validate=ma.validate.Length(min=1, max=32))
    id_number = Text(required=True, validate=ma.validate.Length(min=1, max=32))
    name = Text(required=True, validate=ma.validate.Length(min=1, max=64))
    school_id = StrictInt(
        validate=ID_RANGE,
        metadata={"description": "Admins only; teachers always create in their own school"},
    )


class StudentSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    school_id = ma.fields.Integer(required=True)
    student_no = ma.fields.String(required=True)
    id_number = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    uses_default_password = ma.fields.Boolean(required=True)
    created_at = BeijingDateTime()
    password_changed_at = BeijingDateTime(allow_none=True)


class StudentQuerySchema(ma.Schema):
    q = Text(validate=ma.validate.Length(max=64), metadata={"description": "学号、证件号或姓名"})


class ImportQuerySchema(ma.Schema):
    school_id = ma.fields.Integer(validate=ID_RANGE, metadata={"description": "Admins only"})
