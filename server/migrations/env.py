"""Alembic environment: the URL comes from the caller's config (see server/database_setup.py)."""

from alembic import context
from sqlalchemy import create_engine, pool

from server.domain import (  # noqa: F401 (registers every table)
    catalogue,
    companion,
    exams,
    faces,
    identity,
    photos,
    proctoring,
)
from server.domain.database import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic: sqlalchemy.url is not set")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
