"""Engine and session factory shared by the API and the workers."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import DateTime, String, create_engine, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from server.domain.errors import Conflict

# PostgreSQL `integer`: every id column and every stored sequence number.
MAX_INT4 = 2**31 - 1


class Base(DeclarativeBase):
    pass


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns aware datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


E = TypeVar("E", bound=StrEnum)


class StringEnum(TypeDecorator[E]):
    """A StrEnum in a plain VARCHAR(length): stores the member's value, loads the member.

    No database enum type and no CHECK constraint: the column is the same VARCHAR it always
    was, so a new member needs no migration. A value that is not a member fails loudly, both
    when written and when read.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


def make_engine(url: str, pool_size: int = 20, autocommit: bool = False) -> Engine:
    """`autocommit`: every statement is its own transaction, durable when it returns; for the
    single-statement hot path (autosave), which then costs one round trip."""
    options = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **options
        )
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    # A fixed pool and no overflow: under a burst, greenlets wait their turn for a connection
    # instead of opening and closing connections (each one a PostgreSQL backend) by the hundred.
    # No pre-ping: it costs a round trip on every request of the autosave hot path; a connection
    # the server dropped fails one request, is invalidated, and the client retries the save.
    return create_engine(
        url, pool_size=pool_size, max_overflow=0, pool_timeout=30, pool_recycle=600, **options
    )


def _tune_sqlite(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers and the single writer work side by side; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def commit_or_conflict(session: Session, code: str) -> None:
    """Commit; a unique-constraint violation becomes the domain conflict `code`."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(code) from exc
