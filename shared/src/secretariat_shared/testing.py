"""Test infrastructure shared by every package's tests (a pytest plugin).

``SECRETARIAT_TEST_DATABASE_URL`` (a PostgreSQL admin URL) and
``SECRETARIAT_TEST_AMQP_URL`` (a RabbitMQ URL) switch on the real servers:
each test run gets a throwaway database per request and one throwaway vhost.
Configured but unreachable is a failure, never a skip.
"""

from __future__ import annotations

import os
import subprocess
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ENV = "SECRETARIAT_TEST_DATABASE_URL"
AMQP_ENV = "SECRETARIAT_TEST_AMQP_URL"


def pg_admin_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def amqp_admin_url() -> str | None:
    return os.environ.get(AMQP_ENV) or None


def create_throwaway_database(admin_url: str, prefix: str = "sec_test") -> str:
    """Create an empty PostgreSQL database; return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def create_throwaway_vhost(admin_url: str) -> str:
    """Create a RabbitMQ vhost with rabbitmqctl; return an AMQP URL for it."""
    vhost = f"sec_test_{uuid.uuid4().hex[:12]}"
    parsed = urllib.parse.urlsplit(admin_url)
    user = urllib.parse.unquote(parsed.username or "guest")
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(
        ["rabbitmqctl", "-q", "set_permissions", "-p", vhost, user, ".*", ".*", ".*"],
        check=True,
        capture_output=True,
    )
    return urllib.parse.urlunsplit(parsed._replace(path="/" + vhost))


def delete_vhost(url: str) -> None:
    vhost = urllib.parse.unquote(urllib.parse.urlsplit(url).path.lstrip("/"))
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], check=False, capture_output=True)


def check_amqp_reachable(url: str) -> None:
    from kombu.connection import Connection

    with Connection(url, connect_timeout=5) as conn:
        conn.ensure_connection(max_retries=1)


def filesystem_bus_url(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    return f"filesystem://{folder.resolve()}"


def _database_params() -> list[str]:
    return ["sqlite", "postgresql"] if pg_admin_url() else ["sqlite"]


def _bus_params() -> list[str]:
    return ["filesystem", "rabbitmq"] if amqp_admin_url() else ["filesystem"]


@pytest.fixture(params=_database_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, and a throwaway PostgreSQL database when configured."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'service.db'}"
        return
    admin = pg_admin_url()
    assert admin is not None
    url = create_throwaway_database(admin)
    try:
        yield url
    finally:
        drop_database(admin, url)


@pytest.fixture(scope="session")
def rabbitmq_url() -> Iterator[str]:
    """One throwaway vhost for the whole run."""
    admin = amqp_admin_url()
    if admin is None:
        pytest.fail(f"{AMQP_ENV} is not set")
    check_amqp_reachable(admin)
    url = create_throwaway_vhost(admin)
    try:
        yield url
    finally:
        delete_vhost(url)


@pytest.fixture(params=_bus_params())
def bus_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty message bus: the embedded transport, and RabbitMQ when configured.

    Each test gets fresh exchange and queue names through ``bus_namespace``.
    """
    if request.param == "filesystem":
        return filesystem_bus_url(tmp_path / "bus")
    url: str = request.getfixturevalue("rabbitmq_url")
    return url


@pytest.fixture
def bus_namespace() -> str:
    """A prefix that keeps one test's exchanges and queues apart from another's."""
    return f"t{uuid.uuid4().hex[:8]}"


def assert_append_only(database_url: str, table: str, row: dict[str, object]) -> None:
    """SPEC X-04: after the service's migrations, ``table`` takes a new row but
    refuses UPDATE and DELETE of it, on whichever database ``database_url`` names."""
    from sqlalchemy import MetaData, Table, delete, func, insert, select, update
    from sqlalchemy.exc import DBAPIError

    from secretariat_shared.db import Database

    db = Database(database_url)
    try:
        audit = Table(table, MetaData(), autoload_with=db.engine)
        with db.engine.begin() as conn:
            conn.execute(insert(audit).values(**row))
        column = next(iter(row))
        for change in (update(audit).values({column: row[column]}), delete(audit)):
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
                conn.execute(change)
        with db.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(audit)).scalar_one() == 1
    finally:
        db.dispose()
