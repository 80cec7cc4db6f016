import marshmallow as ma

from server.api.schemas import ID_RANGE, BeijingDateTime, StrEnumField, StrictInt, Text
from server.domain.actors import Role


class EnvCheckSchema(ma.Schema):
    codes = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=32)),
        load_default=list,
        validate=ma.validate.Length(max=50),
    )
    remote_tools = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=64)),
        load_default=list,
        validate=ma.validate.Length(max=50),
    )
    client_version = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=32))


class LoginSchema(ma.Schema):
    username = Text(
        required=True,
        validate=ma.validate.Length(min=1, max=64),
        metadata={"description": "学号或证件号（不区分大小写），或教师用户名"},
    )
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))
    env_check = ma.fields.Nested(
        EnvCheckSchema,
        allow_none=True,
        metadata={
            "description": "考生端的环境检测报告（考试页面与桌面客户端每次登录都发送）。"
            "考生登录不带报告时照常登录，但不视为环境正常：记一条完整性事件 ENV_CHECK_MISSING，"
            "教师可在完整性事件中看到"
        },
    )


class UserSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    role = StrEnumField(Role, required=True)
    school_id = ma.fields.Integer(allow_none=True)
    username = ma.fields.String(allow_none=True)
    student_no = ma.fields.String(allow_none=True)
    id_number = ma.fields.String(allow_none=True)
    name = ma.fields.String()
    uses_default_password = ma.fields.Boolean()


class LoginResultSchema(ma.Schema):
    access_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True)
    expires_in = ma.fields.Integer(required=True)
    role = StrEnumField(Role, required=True)
    user = ma.fields.Nested(UserSchema, required=True)


class WeChatLoginSchema(ma.Schema):
    code = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=128),
        metadata={"description": "wx.login's code"},
    )


class PhoneSessionSchema(ma.Schema):
    access_token = ma.fields.String(required=True)
    role = StrEnumField(Role, required=True, metadata={"example": Role.PHONE})
    phone_id = ma.fields.Integer(required=True)


class ChangePasswordSchema(ma.Schema):
    old_password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))
    new_password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))


class SchoolCreateSchema(ma.Schema):
    name = Text(required=True, validate=ma.validate.Length(min=1, max=100))


class SchoolSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    created_at = BeijingDateTime()


class TeacherCreateSchema(ma.Schema):
    username = ma.fields.String(
        required=True,
        validate=[ma.validate.Length(min=3, max=64), ma.validate.Regexp(r"^[A-Za-z0-9_.\-]+$")],
    )
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))
    school_id = StrictInt(required=True, validate=ID_RANGE)
    name = Text(load_default="", validate=ma.validate.Length(max=64))
