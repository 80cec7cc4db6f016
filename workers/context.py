"""What a job needs, created once per worker process: settings and a database session factory."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from server.config import Settings, load_settings
from server.domain.database import make_engine, make_session_factory


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


@lru_cache(maxsize=1)
def _session_factory() -> sessionmaker[Session]:
    return make_session_factory(make_engine(settings().DATABASE_URL))


def session() -> Session:
    return _session_factory()()


def dispose_engine() -> None:
    """Close pooled connections; the next session opens fresh ones in this process."""
    if _session_factory.cache_info().currsize:
        _session_factory().kw["bind"].dispose()
