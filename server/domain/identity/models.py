"""Accounts and the schools they belong to. Every school-owned row carries school_id, the
isolation key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.actors import Role
from server.domain.clock import utcnow
from server.domain.database import Base, StringEnum, UTCDateTime


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    """Admins and teachers log in by username; candidates by student number or ID number."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("school_id", "student_no", name="uq_users_school_student_no"),
        UniqueConstraint("school_id", "id_number", name="uq_users_school_id_number"),
        Index("ix_users_student_no", "student_no"),
        Index("ix_users_id_number", "id_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[Role] = mapped_column(StringEnum(Role, 16))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    student_no: Mapped[str | None] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64), default="")
    # NULL means the candidate still has the default password (FAQ 12, 13, 19), which is
    # derived from the stored ID number; a changed password is always an argon2 hash.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    school: Mapped[School | None] = relationship()

    @property
    def uses_default_password(self) -> bool:
        return self.role == Role.CANDIDATE and self.password_hash is None


class IntegrityEvent(Base):
    """Environment-check refusals and other integrity signals a teacher can list."""

    __tablename__ = "integrity_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    client_address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User | None] = relationship()
