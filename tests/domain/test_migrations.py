"""The migrations build exactly the schema the models describe, on PostgreSQL and on SQLite."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from server.database_setup import upgrade
from server.domain.database import Base


def _differences(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_postgres_schema_matches_models(service_urls):
    database_url, _ = service_urls  # migrated by the session fixture
    assert _differences(database_url) == []


def test_sqlite_default_migrates_from_empty_and_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'nested' / 'exam.sqlite3'}"
    upgrade(url)
    upgrade(url)  # applying twice is a no-op
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {
        "users",
        "schools",
        "exams",
        "enrolments",
        "integrity_events",
        "alembic_version",
    } <= tables
    assert _differences(url) == []
