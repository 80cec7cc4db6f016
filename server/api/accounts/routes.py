"""Login (by password, or the mini program's WeChat login), the caller's own account, schools
and teachers."""

from __future__ import annotations

from flask.views import MethodView

from server.api.accounts.schemas import (
    ChangePasswordSchema,
    LoginResultSchema,
    LoginSchema,
    PhoneSessionSchema,
    SchoolCreateSchema,
    SchoolSchema,
    TeacherCreateSchema,
    UserSchema,
    WeChatLoginSchema,
)
from server.api.auth import current_actor, db
from server.api.blueprint import ANY_ROLE, Blueprint
from server.app_services import client_address, services
from server.domain import companion, identity
from server.domain.actors import Actor, Role
from server.domain.identity import EnvCheck

blp = Blueprint("accounts", __name__, description="登录与账号", roles=ANY_ROLE)


@blp.route("/auth/login", methods=["POST"], public=True)
@blp.arguments(LoginSchema)
@blp.response(200, LoginResultSchema)
def login(payload):
    """Log in by student number or ID number (any case), or staff username."""
    app_services = services()
    user = identity.login(
        db(),
        app_services.passwords,
        identity.LoginRequest(
            username=payload["username"],
            password=payload["password"],
            env_check=EnvCheck.from_payload(payload.get("env_check")),
            client_address=client_address(),
        ),
        app_services.settings.CLIENT_VERSION_MINIMUM,
        app_services.throttle,
        identity.LoginLimits(
            app_services.settings.LOGIN_USERNAME_LIMIT, app_services.settings.LOGIN_ADDRESS_LIMIT
        ),
    )
    return {
        "access_token": app_services.tokens.issue(identity.actor_of(user)),
        "token_type": "Bearer",
        "expires_in": app_services.tokens.ttl_seconds,
        "role": user.role,
        "user": user,
    }


@blp.route("/auth/wechat", methods=["POST"], public=True)
@blp.arguments(WeChatLoginSchema)
@blp.response(200, PhoneSessionSchema)
def wechat_login(payload):
    """Mini-program login: wx.login's code for a phone session."""
    app = services()
    phone = companion.wechat_login(db(), app.wechat, payload["code"])
    token = app.tokens.issue(Actor(user_id=phone.id, role=Role.PHONE, school_id=None))
    return {"access_token": token, "role": Role.PHONE, "phone_id": phone.id}


@blp.route("/me")
@blp.response(200, UserSchema)
def me():
    """The logged-in account."""
    return identity.get_user(db(), current_actor().user_id)


@blp.route("/me/password", methods=["POST"])
@blp.arguments(ChangePasswordSchema)
@blp.response(204)
def change_password(payload):
    """Change one's own password (offered, never forced)."""
    identity.change_password(
        db(),
        services().passwords,
        current_actor(),
        payload["old_password"],
        payload["new_password"],
    )


@blp.route("/schools")
class Schools(MethodView):
    @blp.response(200, SchoolSchema(many=True))
    def get(self):
        """List schools (a teacher sees only their own)."""
        return identity.list_schools(db(), current_actor())

    @blp.roles(Role.ADMIN)
    @blp.arguments(SchoolCreateSchema)
    @blp.response(201, SchoolSchema)
    def post(self, payload):
        """Create a school (admin)."""
        return identity.create_school(db(), current_actor(), payload["name"])


@blp.route("/teachers")
class Teachers(MethodView):
    @blp.response(200, UserSchema(many=True))
    def get(self):
        """List teachers (a teacher sees only their own school's)."""
        return identity.list_teachers(db(), current_actor())

    @blp.roles(Role.ADMIN)
    @blp.arguments(TeacherCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, payload):
        """Create a teacher in a school (admin)."""
        return identity.create_teacher(db(), services().passwords, current_actor(), **payload)
