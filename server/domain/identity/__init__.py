"""Identity: schools and their accounts (admins, teachers, candidates), passwords, access tokens,
login throttling and the desktop client's environment check at login.
"""

from server.domain.identity.accounts import (
    LoginLimits,
    LoginRequest,
    actor_of,
    change_password,
    create_school,
    create_staff,
    create_student,
    create_teacher,
    get_student,
    get_user,
    integrity_event_query,
    list_schools,
    list_teachers,
    login,
    reset_password,
    student_query,
)
from server.domain.identity.env_check import EnvCheck
from server.domain.identity.id_numbers import (
    BadIdNumber,
    default_password,
    normalize_id_number,
    validate_id_number,
)
from server.domain.identity.models import IntegrityEvent, School, User
from server.domain.identity.passwords import Passwords
from server.domain.identity.student_import import import_students, read_rows
from server.domain.identity.tokens import TokenService

__all__ = [
    "BadIdNumber",
    "EnvCheck",
    "IntegrityEvent",
    "LoginLimits",
    "LoginRequest",
    "Passwords",
    "School",
    "TokenService",
    "User",
    "actor_of",
    "change_password",
    "create_school",
    "create_staff",
    "create_student",
    "create_teacher",
    "default_password",
    "get_student",
    "get_user",
    "import_students",
    "integrity_event_query",
    "list_schools",
    "list_teachers",
    "login",
    "normalize_id_number",
    "read_rows",
    "reset_password",
    "student_query",
    "validate_id_number",
]
