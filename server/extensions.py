"""Per-app services: database sessions, Redis, password hashing, tokens, the login limiter."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from flask import Flask, current_app, request
from flask_limiter import Limiter
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from server.adapters.queue import JobQueue
from server.config import Settings
from server.domain.database import make_engine, make_session_factory
from server.domain.passwords import Passwords
from server.domain.tokens import TokenService

EXTENSION_KEY = "examcloud"


@dataclass
class AppServices:
    settings: Settings
    engine: Engine
    sessions: scoped_session[Session]
    redis: redis.Redis
    passwords: Passwords
    tokens: TokenService
    limiter: Limiter
    jobs: JobQueue


def client_address() -> str:
    """The client's address as the proxy in front of us saw it (see ProxyFix in app.py)."""
    return request.remote_addr or "unknown"


def make_limiter(app: Flask, settings: Settings) -> Limiter:
    """One limiter per app; limits are attached to single views (autosave must stay cheap).

    If Redis is unreachable the limiter falls back to per-process memory instead of failing
    logins: on exam day letting candidates in matters more than exact counting.
    """
    return Limiter(
        key_func=client_address,
        app=app,
        storage_uri=settings.REDIS_URL,
        strategy="moving-window",
        default_limits=[],
        headers_enabled=True,
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )


def init_services(app: Flask, settings: Settings) -> AppServices:
    engine = make_engine(settings.DATABASE_URL)
    sessions = scoped_session(make_session_factory(engine))
    redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=2)
    services = AppServices(
        settings=settings,
        engine=engine,
        sessions=sessions,
        redis=redis_client,
        passwords=Passwords(settings.PASSWORD_HASH_TIME_COST, settings.PASSWORD_HASH_MEMORY_KIB),
        tokens=TokenService(settings.secret_key, settings.ACCESS_TOKEN_TTL_SECONDS),
        limiter=make_limiter(app, settings),
        jobs=JobQueue(redis_client),
    )
    app.extensions[EXTENSION_KEY] = services

    @app.teardown_appcontext
    def _remove_session(_exc):
        sessions.remove()
    return services


def services() -> AppServices:
    return current_app.extensions[EXTENSION_KEY]
