"""Identity: schools and their accounts (admins, teachers, candidates), passwords, access tokens
(account and phone kinds) and the login sessions that end, login throttling and the desktop
client's environment check at login.
"""

from server.domain.identity.accounts import (
    account_of,
    actor_of,
    change_password,
    create_school,
    create_staff,
    create_student,
    create_teacher,
    end_teacher_sessions,
    get_student,
    integrity_event_query,
    list_schools,
    list_teachers,
    log_out,
    reset_password,
    student_query,
)
from server.domain.identity.env_check import EnvCheck
from server.domain.identity.guesses import Guard, LoginLimits
from server.domain.identity.id_numbers import (
    BadIdNumber,
    default_password,
    normalize_id_number,
    validate_id_number,
)
from server.domain.identity.logins import LoginRequest, login
from server.domain.identity.models import IntegrityEvent, School, User
from server.domain.identity.passwords import Passwords
from server.domain.identity.sessions import SessionRegistry
from server.domain.identity.student_import import import_students, read_rows
from server.domain.identity.tokens import TokenClaims, TokenKind, TokenService, token_kind

__all__ = [
    "BadIdNumber",
    "EnvCheck",
    "Guard",
    "IntegrityEvent",
    "LoginLimits",
    "LoginRequest",
    "Passwords",
    "School",
    "SessionRegistry",
    "TokenClaims",
    "TokenKind",
    "TokenService",
    "User",
    "account_of",
    "actor_of",
    "change_password",
    "create_school",
    "create_staff",
    "create_student",
    "create_teacher",
    "default_password",
    "end_teacher_sessions",
    "get_student",
    "import_students",
    "integrity_event_query",
    "list_schools",
    "list_teachers",
    "log_out",
    "login",
    "normalize_id_number",
    "read_rows",
    "reset_password",
    "student_query",
    "token_kind",
    "validate_id_number",
]
