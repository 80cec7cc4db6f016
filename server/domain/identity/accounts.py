"""Schools, staff and candidate accounts; login with the environment check."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from server.domain.actors import ACCOUNT_ROLES, Actor, Role
from server.domain.clock import utcnow
from server.domain.database import commit_or_conflict
from server.domain.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from server.domain.identity.guesses import Guard, PasswordGuess, guess_subject
from server.domain.identity.id_numbers import (
    BadIdNumber,
    default_password,
    normalize_login_name,
    validate_id_number,
)
from server.domain.identity.models import IntegrityEvent, School, User
from server.domain.identity.passwords import Passwords
from server.domain.identity.sessions import SessionRegistry

MIN_PASSWORD_LENGTH = 8


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, role=user.role, school_id=user.school_id)


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise Unauthenticated("TOKEN_INVALID")
    return user


def account_of(session: Session, actor: Actor) -> User:
    """The caller's own account; a phone session has none (its id is a phone's, not a user's)."""
    if actor.role not in ACCOUNT_ROLES:
        raise Forbidden("FORBIDDEN")
    return get_user(session, actor.user_id)


def change_password(
    session: Session,
    passwords: Passwords,
    actor: Actor,
    old_password: str,
    new_password: str,
    guard: Guard,
    client_address: str | None = None,
) -> None:
    """A new password; the account's other sessions end (the caller's own goes on). A wrong
    old password counts as a failed login (no unthrottled password oracle)."""
    user = account_of(session, actor)
    guess = PasswordGuess(guard, [guess_subject(user)], client_address)
    guess.acquire()
    if not passwords.verify(user, old_password):
        guess.wrong()
        raise InvalidInput("WRONG_OLD_PASSWORD", errors={"old_password": ["原密码错误"]})
    guess.right()
    if len(new_password) < MIN_PASSWORD_LENGTH or (
        user.id_number and new_password == default_password(user.id_number)
    ):
        raise InvalidInput(
            "WEAK_PASSWORD", errors={"new_password": ["新密码至少8位，且不能与默认密码相同"]}
        )
    user.password_hash = passwords.hash(new_password)
    user.password_changed_at = utcnow()
    session.commit()
    # After the commit: a login between the two has the new password already.
    guard.sessions.end_all(actor, keep=actor)


def log_out(actor: Actor, sessions: SessionRegistry) -> None:
    """End the caller's session (this token), everywhere, before answering."""
    sessions.log_out(actor)


# --- schools and staff (admin) ---


def create_school(session: Session, actor: Actor, name: str) -> School:
    actor.require_role(Role.ADMIN)
    school = School(name=name.strip())
    session.add(school)
    commit_or_conflict(session, "SCHOOL_EXISTS")
    return school


def list_schools(session: Session, actor: Actor) -> list[School]:
    actor.require_staff()
    query = select(School).order_by(School.id)
    if not actor.is_admin:
        query = query.where(School.id == actor.school_id)
    return list(session.scalars(query))


def get_school(session: Session, school_id: int) -> School:
    school = session.get(School, school_id)
    if school is None:
        raise NotFound("NOT_FOUND")
    return school


def create_staff(
    session: Session,
    passwords: Passwords,
    *,
    role: str,
    username: str,
    password: str,
    school_id: int | None,
    name: str = "",
) -> User:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("WEAK_PASSWORD", errors={"password": ["密码至少8位"]})
    if role == Role.TEACHER:
        if school_id is None:
            raise InvalidInput("VALIDATION_ERROR", errors={"school_id": ["教师必须属于一所学校"]})
        get_school(session, school_id)
    user = User(
        role=role,
        username=username.strip().lower(),
        school_id=school_id,
        name=name,
        password_hash=passwords.hash(password),
    )
    session.add(user)
    commit_or_conflict(session, "USERNAME_TAKEN")
    return user


def create_teacher(
    session: Session,
    passwords: Passwords,
    actor: Actor,
    *,
    username: str,
    password: str,
    school_id: int,
    name: str = "",
) -> User:
    actor.require_role(Role.ADMIN)
    return create_staff(
        session,
        passwords,
        role=Role.TEACHER,
        username=username,
        password=password,
        school_id=school_id,
        name=name,
    )


def list_teachers(session: Session, actor: Actor) -> list[User]:
    actor.require_staff()
    query = select(User).where(User.role == Role.TEACHER).order_by(User.id)
    if not actor.is_admin:
        query = query.where(User.school_id == actor.school_id)
    return list(session.scalars(query))


# --- candidates (teacher) ---


def new_student(school_id: int, student_no: str, id_number: str, name: str) -> User:
    """Validate and normalise; raises InvalidInput with the field at fault."""
    number = normalize_login_name(student_no)
    if not number:
        raise InvalidInput("VALIDATION_ERROR", errors={"student_no": ["学号不能为空"]})
    try:
        normalized_id = validate_id_number(id_number)
    except BadIdNumber as exc:
        raise InvalidInput("INVALID_ID_NUMBER", errors={"id_number": [str(exc)]}) from exc
    return User(
        role=Role.CANDIDATE,
        school_id=school_id,
        student_no=number,
        id_number=normalized_id,
        name=name.strip(),
    )


def create_student(
    session: Session,
    actor: Actor,
    *,
    student_no: str,
    id_number: str,
    name: str,
    school_id: int | None = None,
) -> User:
    actor.require_staff()
    school = actor.school_for_new_row(school_id)
    get_school(session, school)
    student = new_student(school, student_no, id_number, name)
    session.add(student)
    commit_or_conflict(session, "STUDENT_EXISTS")
    return student


def get_student(session: Session, actor: Actor, student_id: int) -> User:
    actor.require_staff()
    student = session.get(User, student_id)
    if student is None or student.role != Role.CANDIDATE:
        raise NotFound("NOT_FOUND")
    actor.ensure_school(student.school_id)
    return student


def student_query(actor: Actor, search: str | None = None) -> Select[User]:
    actor.require_staff()
    query = select(User).where(User.role == Role.CANDIDATE).order_by(User.id)
    if not actor.is_admin:
        query = query.where(User.school_id == actor.school_id)
    if search:
        needle = normalize_login_name(search)
        query = query.where(
            or_(
                User.student_no == needle,
                User.id_number == needle,
                User.name.contains(search.strip()),
            )
        )
    return query


def reset_password(session: Session, actor: Actor, student_id: int, guard: Guard) -> User:
    """Back to the default password (FAQ 1, 12): the last 6 characters of the ID number. Every
    session of the candidate ends, and their failed-login counts are cleared (FAQ 1: locked
    out by someone else's guesses, the teacher's reset gets them back in)."""
    student = get_student(session, actor, student_id)
    student.password_hash = None
    student.password_changed_at = utcnow()
    session.commit()
    guard.throttle.clear([guess_subject(student)])
    guard.sessions.end_all(actor_of(student))
    return student


def end_teacher_sessions(
    session: Session, actor: Actor, teacher_id: int, sessions: SessionRegistry
) -> None:
    """An admin ends every session of a teacher (a lost laptop, a teacher who left)."""
    actor.require_role(Role.ADMIN)
    teacher = session.get(User, teacher_id)
    if teacher is None or teacher.role != Role.TEACHER:
        raise NotFound("NOT_FOUND")
    sessions.end_all(actor_of(teacher))


def integrity_event_query(actor: Actor, code: str | None = None) -> Select[IntegrityEvent]:
    actor.require_staff()
    query = select(IntegrityEvent).order_by(IntegrityEvent.id.desc())
    if not actor.is_admin:
        query = query.where(IntegrityEvent.school_id == actor.school_id)
    if code:
        query = query.where(IntegrityEvent.code == code)
    return query
