"""Shared fixtures: real PostgreSQL, Redis and S3 (started by `make test`, or here when missing)."""

from __future__ import annotations

import contextlib
import os
import tempfile

import pytest
import redis
from sqlalchemy import text

from server.app import create_app
from server.config import Settings
from server.database_setup import upgrade
from server.domain import exams
from server.domain.database import Base
from tests.factories import Factory


@pytest.fixture(scope="session")
def service_urls():
    """TEST_DATABASE_URL / TEST_REDIS_URL from infra.testenv, else private ones started now."""
    with contextlib.ExitStack() as stack:
        database_url = os.environ.get("TEST_DATABASE_URL")
        redis_url = os.environ.get("TEST_REDIS_URL")
        if not database_url or not redis_url:
            from infra.services import postgres_server, redis_server

            database_url = stack.enter_context(postgres_server("examcloud_test"))
            redis_url = stack.enter_context(redis_server())
        upgrade(database_url)
        yield database_url, redis_url


@pytest.fixture(scope="session")
def s3_service():
    """TEST_S3_* from infra.testenv, else a private SeaweedFS started now. Yields endpoint_url,
    access_key_id, secret_access_key and bucket."""
    names = ("endpoint_url", "access_key_id", "secret_access_key", "bucket")
    values = {name: os.environ.get(f"TEST_S3_{name.upper()}") for name in names}
    if all(values.values()):
        yield values
        return
    from infra.services import seaweed_s3

    with seaweed_s3() as started:
        yield started


def make_settings(service_urls, **overrides) -> Settings:
    database_url, redis_url = service_urls
    values = dict(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY="test-secret-key-that-is-long-enough-0123456789",
        # Cheap argon2 in tests; the production cost is a setting.
        PASSWORD_HASH_TIME_COST=1,
        PASSWORD_HASH_MEMORY_KIB=1024,
        # Photos of this test run, never the repository's var/.
        STORAGE_LOCAL_DIR=_storage_dir(),
    )
    values.update(overrides)
    return Settings(**values)


_storage_dirs: list = []


def _storage_dir() -> str:
    if not _storage_dirs:
        _storage_dirs.append(tempfile.TemporaryDirectory(prefix="examcloud-test-storage-"))
    return _storage_dirs[0].name


@pytest.fixture(scope="session")
def settings(service_urls) -> Settings:
    return make_settings(service_urls)


@pytest.fixture(scope="session")
def app(settings):
    return create_app(settings)


@pytest.fixture(autouse=True)
def clean_state(request):
    """Every test starts with empty tables and an empty Redis."""
    if "service_urls" not in request.fixturenames and "app" not in request.fixturenames:
        yield
        return
    database_url, redis_url = request.getfixturevalue("service_urls")
    # A server that outlives one test (the browser tests' live_server) caches papers by attempt
    # id, as production may: ids must not start again at 1 under it.
    restart_ids = "live_server" not in request.fixturenames
    _truncate_all(database_url, restart_ids=restart_ids)
    if restart_ids:  # this process's cached papers belong to the ids that start again
        exams.forget_cached_rows()
    redis.Redis.from_url(redis_url).flushdb()
    yield


_engines: dict = {}


def _truncate_all(database_url: str, restart_ids: bool = True) -> None:
    from server.domain.database import make_engine

    engine = _engines.setdefault(database_url, make_engine(database_url))
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    identity = "RESTART" if restart_ids else "CONTINUE"
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} {identity} IDENTITY CASCADE"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def factory(app, client) -> Factory:
    return Factory(app, client)


def service_env(settings: Settings, **overrides) -> dict:
    """Environment for a server or worker subprocess sharing this test's settings."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("TEST_", "PYTEST_"))
    }
    for name in (
        "DATABASE_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "PASSWORD_HASH_TIME_COST",
        "PASSWORD_HASH_MEMORY_KIB",
        "ATTEMPT_SILENCE_SECONDS",
        "SWEEP_INTERVAL_SECONDS",
        "GRADING_RETRY_AFTER_SECONDS",
        "STORAGE_BACKEND",
        "STORAGE_LOCAL_DIR",
        "PUBLIC_BASE_URL",
        "FACE_MATCH_THRESHOLD",
        "FACE_CHECK_VALID_SECONDS",
        "PHOTO_LONG_EDGE",
    ):
        env[name] = str(getattr(settings, name))
    env.update({key: str(value) for key, value in overrides.items()})
    return env


@pytest.fixture
def start_worker(settings):
    """Start real RQ workers (with the scheduler) as subprocesses; all stopped after the test."""
    import subprocess
    import sys

    from infra.services import stop_process

    started = []

    def start(worker_settings: Settings | None = None, *args: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "workers.worker", "--with-scheduler", *args],
            env=service_env(worker_settings or settings),
        )
        started.append(process)
        return process

    yield start
    for process in started:
        stop_process(process)


@pytest.fixture
def run_media_jobs(app, settings, monkeypatch):
    """Run what is queued on the media queues now (face checks, then photos), in this process,
    with a real RQ worker (SimpleWorker, burst) and the real face engine (loaded once per test
    session)."""
    from redis import Redis
    from rq import Queue, SimpleWorker
    from rq.serializers import JSONSerializer

    from server.app_services import EXTENSION_KEY
    from server.domain.database import make_session_factory
    from server.domain.jobs import MEDIA_QUEUES
    from workers import context

    services = app.extensions[EXTENSION_KEY]
    sessions = make_session_factory(services.engine)
    monkeypatch.setattr(context, "settings", lambda: settings)
    monkeypatch.setattr(context, "session", lambda: sessions())
    monkeypatch.setattr(context, "storage", lambda: services.storage)
    connection = Redis.from_url(settings.REDIS_URL)
    monkeypatch.setattr(context, "event_publisher", lambda: _event_log(connection))

    def run(*queue_names: str) -> int:
        """Run the jobs queued now (the media workers' queues by default); returns how many
        there were."""
        queues = [
            Queue(name, connection=connection, serializer=JSONSerializer)
            for name in queue_names or MEDIA_QUEUES
        ]
        queued = sum(queue.count for queue in queues)
        SimpleWorker(queues, connection=connection, serializer=JSONSerializer).work(
            burst=True, logging_level="WARNING"
        )
        return queued

    return run


@pytest.fixture
def storage_keys(settings):
    """The keys now in the test run's local photo storage."""
    from pathlib import Path

    root = Path(settings.STORAGE_LOCAL_DIR)

    def keys() -> list[str]:
        return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())

    return keys


def _event_log(connection):
    from server.adapters.events import EventLog
    from server.domain.events import EventType

    return EventLog(connection, types=EventType)


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.1):
    """Poll until predicate() is truthy; returns its value or fails with the last one."""
    import time

    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    assert value, f"condition not met within {timeout}s (last value {value!r})"
    return value
