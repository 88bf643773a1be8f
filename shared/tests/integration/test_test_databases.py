"""The tests' own databases (secretariat_shared.test_databases): a database a
test gets is empty, a migrated one is exactly what the migrations make, and
nothing one test did reaches the next."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from secretariat_shared.migrations import upgrade
from secretariat_shared.test_databases import PostgresTestDatabases, SqliteTemplates
from secretariat_shared.testing import pg_admin_url

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).parent / "kit_migrations"
AT = datetime(2026, 3, 2, tzinfo=UTC)

needs_postgresql = pytest.mark.skipif(
    not pg_admin_url(), reason="needs SECRETARIAT_TEST_DATABASE_URL"
)


def tables_of(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        return sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def run(url: str, *statements: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            rows: list[tuple[object, ...]] = []
            for statement in statements:
                result = conn.execute(text(statement))
                rows = [tuple(r) for r in result] if result.returns_rows else []
            return rows
    finally:
        engine.dispose()


@pytest.fixture
def pool() -> Iterator[PostgresTestDatabases]:
    admin = pg_admin_url()
    assert admin is not None
    databases = PostgresTestDatabases(admin)
    yield databases
    databases.close()
    engine = create_engine(admin)
    try:
        with engine.connect() as conn:
            left = conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
                {"prefix": databases.prefix + "%"},
            ).all()
    finally:
        engine.dispose()
    assert left == [], "the pool dropped what it made"


@needs_postgresql
def test_a_returned_database_comes_back_as_the_migrations_left_it(
    pool: PostgresTestDatabases,
) -> None:
    first = pool.acquire()
    assert tables_of(first) == []
    pool.migrate(MIGRATIONS, first)
    migrated = tables_of(first)
    run(
        first,
        "INSERT INTO outbox (event_id, event_type, envelope, created_at, attempts)"
        f" VALUES ('e1', 'kit.thing.done', '\\x00', '{AT}', 0)",
        "INSERT INTO audit_log (at, actor, action, entity_type, entity_id)"
        f" VALUES ('{AT}', 'hr.clerk', 'register', 'document', 'd-1')",
    )
    pool.release(first)

    second = pool.acquire()
    assert second != first, "every test sees its database under a name of its own"
    assert tables_of(second) == []
    pool.migrate(MIGRATIONS, second)
    assert tables_of(second) == migrated
    assert run(second, "SELECT count(*) FROM outbox") == [(0,)]
    assert run(second, "SELECT count(*) FROM audit_log") == [(0,)]
    assert run(
        second,
        "INSERT INTO outbox (event_id, event_type, envelope, created_at, attempts)"
        f" VALUES ('e2', 'kit.thing.done', '\\x00', '{AT}', 0) RETURNING id",
    ) == [(1,)], "identities start again"
    assert run(second, "SELECT version_num FROM alembic_version") == [("0001",)]
    run(
        second,
        "INSERT INTO audit_log (at, actor, action, entity_type, entity_id)"
        f" VALUES ('{AT}', 'hr.clerk', 'register', 'document', 'd-2')",
    )
    with pytest.raises(Exception, match="append-only"):
        run(second, "DELETE FROM audit_log")
    pool.release(second)


@needs_postgresql
def test_a_database_whose_schema_a_test_changed_is_emptied(pool: PostgresTestDatabases) -> None:
    first = pool.acquire()
    pool.migrate(MIGRATIONS, first)
    run(first, "DROP TRIGGER audit_log_append_only ON audit_log", "CREATE SCHEMA extra")
    pool.release(first)

    second = pool.acquire()
    assert tables_of(second) == []
    assert run(second, "SELECT count(*) FROM pg_namespace WHERE nspname = 'extra'") == [(0,)]
    pool.migrate(MIGRATIONS, second)
    run(
        second,
        "INSERT INTO audit_log (at, actor, action, entity_type, entity_id)"
        f" VALUES ('{AT}', 'hr.clerk', 'register', 'document', 'd-1')",
    )
    with pytest.raises(Exception, match="append-only"):
        run(second, "DELETE FROM audit_log")
    pool.release(second)


@needs_postgresql
def test_a_database_the_test_used_first_is_migrated_where_it_is(
    pool: PostgresTestDatabases,
) -> None:
    first = pool.acquire()
    pool.migrate(MIGRATIONS, first)
    pool.release(first)
    second = pool.acquire()
    run(second, "CREATE TABLE mine (id integer)")
    pool.migrate(MIGRATIONS, second)
    assert "mine" in tables_of(second)
    assert "outbox" in tables_of(second)
    pool.release(second)


@needs_postgresql
def test_a_connection_a_finished_test_left_open_reaches_no_later_database(
    pool: PostgresTestDatabases,
) -> None:
    first = pool.acquire()
    pool.migrate(MIGRATIONS, first)
    conninfo = make_url(first).set(drivername="postgresql").render_as_string(False)
    left_open = psycopg.connect(conninfo)
    pool.release(first)
    with pytest.raises(psycopg.OperationalError):
        left_open.execute("SELECT 1")
    second = pool.acquire()
    pool.migrate(MIGRATIONS, second)
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        psycopg.connect(conninfo)
    pool.release(second)


def test_a_sqlite_database_is_the_migrations_template_unless_it_exists(tmp_path: Path) -> None:
    templates = SqliteTemplates()
    try:
        migrated = f"sqlite:///{tmp_path / 'a.db'}"
        upgrade(MIGRATIONS, migrated)
        copied = f"sqlite:///{tmp_path / 'b.db'}"
        templates.migrate(MIGRATIONS, copied)
        assert tables_of(copied) == tables_of(migrated)
        assert run(copied, "SELECT version_num FROM alembic_version") == [("0001",)]
        used = f"sqlite:///{tmp_path / 'c.db'}"
        run(used, "CREATE TABLE mine (id integer)")
        templates.migrate(MIGRATIONS, used)
        assert tables_of(used) == sorted([*tables_of(migrated), "mine"])
    finally:
        templates.close()
