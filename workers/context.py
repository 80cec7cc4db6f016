"""What jobs need, made once per process: settings, database sessions, the job queue, storage.

RQ forks a work horse per job; the worker disposes the engine before each fork
(workers.worker.ExamWorker) so no pooled connection is shared across processes.
"""

from __future__ import annotations

from functools import lru_cache

from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from server import policies
from server.adapters.queue import JobQueue
from server.adapters.storage import Storage, make_storage
from server.config import Settings, load_settings
from server.domain.companion import PairingPolicy
from server.domain.database import make_engine, make_session_factory
from server.domain.events import EventType
from server.domain.exams import AttemptPolicy
from server.domain.faces import FacePolicy


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


@lru_cache(maxsize=1)
def session_factory() -> sessionmaker[Session]:
    return make_session_factory(make_engine(settings().DATABASE_URL, settings().DB_POOL_SIZE))


def session() -> Session:
    return session_factory()()


@lru_cache(maxsize=1)
def job_queue() -> JobQueue:
    return JobQueue(Redis.from_url(settings().REDIS_URL))


@lru_cache(maxsize=1)
def storage() -> Storage:
    return make_storage(settings())


def face_engine():
    """The process's face engine (built once; media workers build and warm it at start)."""
    from server.adapters import faces

    return faces.engine(settings().FACE_MODEL_DIR, settings().FACE_DET_SIZE)


@lru_cache(maxsize=1)
def event_publisher():
    """Events for the desktop exam sessions (their SSE streams read the same Redis log)."""
    from server.adapters.events import EventLog

    return EventLog(Redis.from_url(settings().REDIS_URL), types=EventType)


def pairing_policy() -> PairingPolicy:
    return policies.pairing_policy(settings())


def face_policy() -> FacePolicy:
    return policies.face_policy(settings())


def attempt_policy() -> AttemptPolicy:
    return policies.attempt_policy(settings())


def dispose_engine() -> None:
    """Close pooled connections; the next session opens fresh ones in this process."""
    if session_factory.cache_info().currsize:
        session_factory().kw["bind"].dispose()
