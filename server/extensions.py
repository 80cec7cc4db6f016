"""Per-app services: database sessions, Redis, password hashing, tokens, the login throttle."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from flask import Flask, current_app, g, request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from server.adapters.queue import JobQueue
from server.adapters.storage import Storage, make_storage
from server.adapters.throttle import FailureThrottle
from server.config import Settings
from server.domain.database import make_engine, make_session_factory
from server.domain.passwords import Passwords
from server.domain.tokens import TokenService

EXTENSION_KEY = "examcloud"


@dataclass
class AppServices:
    settings: Settings
    engine: Engine
    # Its own pool of autocommit connections for the autosave and question-fetch hot path.
    autocommit_engine: Engine
    sessions: scoped_session[Session]
    redis: redis.Redis
    passwords: Passwords
    tokens: TokenService
    throttle: FailureThrottle
    jobs: JobQueue
    storage: Storage

    def photo_url(self, key: str | None) -> str | None:
        """A short-lived download link for a processed photo (signed or presigned)."""
        return self.storage.url(key, self.settings.PHOTO_URL_TTL_SECONDS) if key else None


def client_address() -> str:
    """The client's address as the proxy in front of us saw it (see ProxyFix in app.py)."""
    return request.remote_addr or "unknown"


def init_services(app: Flask, settings: Settings) -> AppServices:
    engine = make_engine(settings.DATABASE_URL, settings.DB_POOL_SIZE)
    sessions = scoped_session(make_session_factory(engine))
    redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=2)
    services = AppServices(
        settings=settings,
        engine=engine,
        autocommit_engine=make_engine(settings.DATABASE_URL, settings.DB_POOL_SIZE, autocommit=True),
        sessions=sessions,
        redis=redis_client,
        passwords=Passwords(settings.PASSWORD_HASH_TIME_COST, settings.PASSWORD_HASH_MEMORY_KIB),
        tokens=TokenService(settings.secret_key, settings.ACCESS_TOKEN_TTL_SECONDS),
        throttle=FailureThrottle(settings.REDIS_URL),
        jobs=JobQueue(redis_client),
        storage=make_storage(settings),
    )
    app.extensions[EXTENSION_KEY] = services

    @app.teardown_appcontext
    def _release_database(_exc):
        sessions.remove()
        connection = g.pop("autocommit_connection", None)
        if connection is not None:
            connection.close()

    return services


def services() -> AppServices:
    return current_app.extensions[EXTENSION_KEY]
