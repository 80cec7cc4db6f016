"""Logging in (FAQ 1, 2, 12, 24, 25): the password check behind the login limits, the desktop's
environment check, and the integrity events a login records."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.domain.actors import Role
from server.domain.errors import Unauthenticated
from server.domain.identity.env_check import EnvCheck, refusal_code, refuse
from server.domain.identity.guesses import Guard, PasswordGuess, guess_subject
from server.domain.identity.id_numbers import (
    normalize_login_name,
)
from server.domain.identity.models import IntegrityEvent, User
from server.domain.identity.passwords import Passwords

# The integrity event of a candidate's login that sent no environment-check report.
ENV_CHECK_MISSING = "ENV_CHECK_MISSING"


@dataclass(frozen=True)
class LoginRequest:
    username: str
    password: str
    env_check: EnvCheck | None  # None: the client sent no report
    client_address: str | None


def find_login_matches(session: Session, username: str) -> list[User]:
    """Staff by username; candidates by student number or ID number, in any case (FAQ 1, 13)."""
    name = normalize_login_name(username)
    if not name:
        return []
    query = select(User).where(
        or_(
            User.username == username.strip().lower(),
            (User.role == Role.CANDIDATE) & ((User.student_no == name) | (User.id_number == name)),
        )
    )
    return list(session.scalars(query.order_by(User.id)))


def login(
    session: Session,
    passwords: Passwords,
    request: LoginRequest,
    minimum_client_version: str,
    guard: Guard,
) -> User:
    """Check the failure limits, credentials, then the environment; refusals are recorded.

    Failures count per matched account (an unknown name counts by itself, so a 429 tells
    nothing either), judged only within the limits (see server.adapters.throttle)."""
    matches = find_login_matches(session, request.username)
    subjects = [guess_subject(match) for match in matches] or [
        "name:" + normalize_login_name(request.username)
    ]
    guess = PasswordGuess(guard, subjects, request.client_address)
    guess.acquire()
    if not matches:
        passwords.verify(None, request.password)  # as long as a wrong password (no timing)
    user = next(
        (match for match in matches if passwords.verify(match, request.password)),
        None,
    )
    if user is None:
        guess.wrong()
        raise Unauthenticated("INVALID_CREDENTIALS")
    guess.right()
    if request.env_check is None:
        if user.role == Role.CANDIDATE:
            # The desktop exam page (and client) always reports; a candidate's login without a
            # report (a script, the mini program for ID photos) is let in but never counts as a
            # clean environment: the teacher sees it among the integrity events.
            record_integrity_event(
                session,
                user=user,
                code=ENV_CHECK_MISSING,
                detail={},
                client_address=request.client_address,
            )
            session.commit()
        return user
    refusal = refusal_code(request.env_check, minimum_client_version)
    if refusal:
        record_integrity_event(
            session,
            user=user,
            code=refusal,
            detail=request.env_check.as_detail(),
            client_address=request.client_address,
        )
        session.commit()
        raise refuse(refusal, request.env_check)
    return user


def record_integrity_event(
    session: Session, *, user: User, code: str, detail: dict, client_address: str | None
) -> IntegrityEvent:
    event = IntegrityEvent(
        school_id=user.school_id,
        user_id=user.id,
        code=code,
        detail=detail,
        client_address=client_address,
    )
    session.add(event)
    return event
