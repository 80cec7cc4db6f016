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
from server.domain.actors import ACCOUNT_ROLES, Actor, Role
from server.domain.identity import EnvCheck

blp = Blueprint("accounts", __name__, description="登录与账号", roles=ANY_ROLE)


@blp.route("/auth/login", methods=["POST"], public=True)
@blp.arguments(LoginSchema)
@blp.response(200, LoginResultSchema)
def login(payload):
    """Log in by student number or ID number (any case), or staff username."""
    app_services = services()
    env_check = payload.get("env_check")
    user = identity.login(
        db(),
        app_services.passwords,
        identity.LoginRequest(
            username=payload["username"],
            password=payload["password"],
            env_check=EnvCheck.from_payload(env_check) if env_check is not None else None,
            client_address=client_address(),
        ),
        app_services.settings.CLIENT_VERSION_MINIMUM,
        app_services.guard,
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


@blp.route("/auth/logout", methods=["POST"], roles=(*ACCOUNT_ROLES, Role.PHONE))
@blp.response(204)
def logout():
    """End this login session (this token stops working at once, in every process); a phone
    session may end itself too. Answers once no server process accepts the token any more."""
    identity.log_out(current_actor(), services().login_sessions)


@blp.route("/me")
@blp.response(200, UserSchema)
def me():
    """The logged-in account."""
    return identity.account_of(db(), current_actor())


@blp.route("/me/password", methods=["POST"])
@blp.arguments(ChangePasswordSchema)
@blp.response(204)
def change_password(payload):
    """Change one's own password (offered, never forced). The account's other login sessions
    end; this one goes on with the same token. A wrong old password counts as a failed login
    (429 LOGIN_RATE_LIMITED past the limit)."""
    app = services()
    identity.change_password(
        db(),
        app.passwords,
        current_actor(),
        payload["old_password"],
        payload["new_password"],
        app.guard,
        client_address(),
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


@blp.route("/teachers/<int:teacher_id>/end-sessions", methods=["POST"], roles=(Role.ADMIN,))
@blp.response(204)
def end_teacher_sessions(teacher_id):
    """End every login session of a teacher (admin): their tokens stop working at once."""
    identity.end_teacher_sessions(db(), current_actor(), teacher_id, services().login_sessions)
