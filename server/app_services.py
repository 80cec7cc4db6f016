"""AppServices, what one Flask app holds for its requests: database sessions, Redis, password
hashing, tokens and login sessions, the login throttle, the job queue, photo storage and the
event log. Made once by init_services (server.app.create_app); views reach them through
services()."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import redis
from flask import Flask, current_app, g, request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from server.adapters.event_hub import EventHub
from server.adapters.events import EventLog, make_event_redis
from server.adapters.qr import QrRenderer, make_qr_renderer
from server.adapters.queue import JobQueue
from server.adapters.rate_limits import RateLimiter
from server.adapters.sessions import RedisSessionStore
from server.adapters.storage import Storage, make_storage
from server.adapters.throttle import LoginThrottle
from server.config import Settings
from server.domain.companion import IssuedCodes, PairingPolicy
from server.domain.database import make_engine, make_session_factory
from server.domain.events import EventType
from server.domain.identity import Guard, LoginLimits, Passwords, SessionRegistry, TokenService
from server.domain.photos import UploadQuotas
from server.policies import pairing_policy, upload_quotas

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
    # Login sessions that end (logout, password change, reset), checked on every request.
    login_sessions: SessionRegistry
    throttle: LoginThrottle
    jobs: JobQueue
    storage: Storage
    events: EventLog
    issued_codes: IssuedCodes = field(default_factory=IssuedCodes)

    @cached_property
    def pairing_policy(self) -> PairingPolicy:
        return pairing_policy(self.settings)

    @cached_property
    def guard(self) -> Guard:
        """The failed-login limits and the sessions a password change or reset ends."""
        settings = self.settings
        limits = LoginLimits(
            per_account_address=settings.LOGIN_USERNAME_LIMIT,
            per_account=settings.LOGIN_ACCOUNT_LIMIT,
            per_address=settings.LOGIN_ADDRESS_LIMIT,
        )
        return Guard(throttle=self.throttle, limits=limits, sessions=self.login_sessions)

    @cached_property
    def upload_quotas(self) -> UploadQuotas:
        """Per-candidate limits on face checks, snapshots and photos (counted in Redis)."""
        return upload_quotas(self.settings, RateLimiter(self.settings.REDIS_URL))

    @cached_property
    def _event_redis(self):
        # A bounded pool: a burst of streams reading the log must not open a connection each.
        return make_event_redis(self.settings.REDIS_URL)

    @cached_property
    def event_hub(self) -> EventHub:
        """This process's one subscription for live events (its thread starts on first use)."""
        return EventHub(self._event_redis)

    @cached_property
    def stream_log(self) -> EventLog:
        """The event log as the streams read it (through the bounded pool); it publishes nothing."""
        return EventLog(self._event_redis)

    @cached_property
    def wechat(self):
        """The WeChat adapter, or None without WECHAT_APPID / WECHAT_SECRET."""
        from server.adapters.wechat import make_wechat

        settings = self.settings
        return make_wechat(
            settings.WECHAT_APPID, settings.WECHAT_SECRET, settings.WECHAT_API_BASE, self.redis
        )

    @cached_property
    def qr(self) -> QrRenderer:
        settings = self.settings
        return make_qr_renderer(
            settings.QR_MODE,
            public_base_url=settings.PUBLIC_BASE_URL,
            wechat=self.wechat,
            page=settings.WECHAT_PAGE,
            env_version=settings.WECHAT_ENV_VERSION,
            check_path=settings.WECHAT_CHECK_PATH,
        )

    def photo_url(self, key: str | None) -> str | None:
        """A short-lived download link for a processed photo (signed or presigned)."""
        return self.storage.url(key, self.settings.PHOTO_URL_TTL_SECONDS) if key else None


def client_address() -> str:
    """The client's address as the proxy in front of us saw it (see ProxyFix in app.py)."""
    return request.remote_addr or "unknown"


def init_services(app: Flask, settings: Settings) -> AppServices:
    engine = make_engine(settings.DATABASE_URL, settings.DB_POOL_SIZE)
    sessions = scoped_session(make_session_factory(engine))
    redis_client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=2
    )
    login_sessions = SessionRegistry(
        RedisSessionStore(redis_client),
        settings.ACCESS_TOKEN_TTL_SECONDS,
        settings.SESSION_CHECK_CACHE_SECONDS,
    )
    services = AppServices(
        settings=settings,
        engine=engine,
        autocommit_engine=make_engine(
            settings.DATABASE_URL, settings.DB_POOL_SIZE, autocommit=True
        ),
        sessions=sessions,
        redis=redis_client,
        passwords=Passwords(settings.PASSWORD_HASH_TIME_COST, settings.PASSWORD_HASH_MEMORY_KIB),
        tokens=TokenService(settings.secret_key, settings.ACCESS_TOKEN_TTL_SECONDS, login_sessions),
        login_sessions=login_sessions,
        throttle=LoginThrottle(redis_client),
        jobs=JobQueue(redis_client),
        storage=make_storage(settings),
        events=EventLog(redis_client, types=EventType),
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
