"""Who is calling, and the school-isolation rules every service applies."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Protocol, TypeVar

from sqlalchemy.orm import InstrumentedAttribute, Session

from server.domain.errors import Forbidden, InvalidInput, NotFound


class Role(StrEnum):
    ADMIN = "admin"
    TEACHER = "teacher"
    CANDIDATE = "candidate"
    # A WeChat mini-program session (the phone companion): not a person's account, a device
    # that a candidate pairs by scanning a QR code.
    PHONE = "phone"


# Teachers and admins: who manages a school's exams.
STAFF_ROLES = (Role.ADMIN, Role.TEACHER)
# The roles of a person's account (a row in users), as opposed to a phone session: what a view
# open to "any signed-in caller" admits. A phone is only ever admitted where named.
ACCOUNT_ROLES = (Role.ADMIN, Role.TEACHER, Role.CANDIDATE)


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: Role
    school_id: int | None
    # One login (token) of the person; an exam attempt is answered from one session at a time.
    session_id: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_teacher(self) -> bool:
        return self.role == Role.TEACHER

    @property
    def is_candidate(self) -> bool:
        return self.role == Role.CANDIDATE

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            raise Forbidden("FORBIDDEN")

    def require_staff(self) -> None:
        self.require_role(*STAFF_ROLES)

    def ensure_school(self, school_id: int | None) -> None:
        """Another school's row is reported as missing, never as forbidden."""
        if self.is_admin:
            return
        if school_id is None or school_id != self.school_id:
            raise NotFound("NOT_FOUND")

    def ensure_can_see(self, student_id: int, school_id: int | None) -> None:
        """A candidate sees their own rows, staff those of their school; others are missing."""
        if self.is_candidate:
            if student_id != self.user_id:
                raise NotFound("NOT_FOUND")
        else:
            self.require_staff()
            self.ensure_school(school_id)

    def school_for_new_row(self, requested_school_id: int | None) -> int:
        """Teachers create rows in their own school; admins name the school."""
        if self.is_teacher:
            assert self.school_id is not None
            if requested_school_id not in (None, self.school_id):
                raise NotFound("NOT_FOUND")
            return self.school_id
        if requested_school_id is None:
            raise InvalidInput(
                "VALIDATION_ERROR", errors={"school_id": ["管理员创建时必须指定学校"]}
            )
        return requested_school_id


class _StudentRow(Protocol):
    """A mapped class with a candidate's student_id and the school_id."""

    student_id: ClassVar[InstrumentedAttribute[int]]
    school_id: ClassVar[InstrumentedAttribute[int]]


Row = TypeVar("Row", bound=_StudentRow)


def get_visible(session: Session, actor: Actor, model: type[Row], row_id: int) -> Row:
    """The `model` row (one with student_id and school_id) if `actor` may see it; NOT_FOUND
    when it is missing or not theirs, alike (ensure_can_see)."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFound("NOT_FOUND")
    actor.ensure_can_see(row.student_id, row.school_id)
    return row
