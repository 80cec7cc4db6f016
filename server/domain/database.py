"""Engine and session factory shared by the API and the workers."""

from __future__ import annotations

from datetime import timezone

from sqlalchemy import DateTime, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from server.domain.errors import Conflict

# PostgreSQL `integer`: every id column and every stored sequence number.
MAX_INT4 = 2**31 - 1


class Base(DeclarativeBase):
    pass


class UTCDateTime(TypeDecorator):
    """Stores UTC, returns aware datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def make_engine(url: str, pool_size: int = 20, autocommit: bool = False) -> Engine:
    """`autocommit`: every statement is its own transaction, durable when it returns; for the
    single-statement hot path (autosave), which then costs one round trip."""
    options = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **options)
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    # A fixed pool and no overflow: under a burst, greenlets wait their turn for a connection
    # instead of opening and closing connections (each one a PostgreSQL backend) by the hundred.
    # No pre-ping: it costs a round trip on every request of the autosave hot path; a connection
    # the server dropped fails one request, is invalidated, and the client retries the save.
    return create_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=30, pool_recycle=600, **options)


def _tune_sqlite(dbapi_connection, _record):
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
