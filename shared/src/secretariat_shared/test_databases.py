"""The tests' databases, made cheap to hand out and to migrate.

A test gets an empty database (``database_url``) and usually brings it to a
service's newest schema first (:func:`migrate_test_database`). Creating a
PostgreSQL database per test (8 MB copied, a checkpoint when it is dropped)
and running the migrations again for every test cost ~2 s of each test's
setup on a busy machine, so each test process keeps what it made:

- SQLite: the migrations run once per process into a template file, and an
  untouched test database becomes a copy of it.
- PostgreSQL: the process keeps a pool of databases. A returned database is
  emptied (its schemas dropped) or, when its schema is still exactly what
  the migrations made, has its rows put back to what they were right after
  migrating (:mod:`.test_database_resets`), and waits for the next test that
  migrates the same way; that test gets it by a rename. Every test sees its
  database under a name of its own, so a connection a finished test left
  behind can never reach another test's data. The pool's databases commit
  without waiting for the disk (``synchronous_commit = off``: only a crash
  of the server could tell) and are dropped when the process ends.

Whenever a database is not in the state a shortcut needs (a test connected
first, changed the schema, migrated to another revision), the ordinary way
is taken: the migrations run on the test's own database.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from secretariat_shared.migrations import upgrade
from secretariat_shared.test_database_resets import (
    Migrated,
    empty_out,
    is_empty,
    restore,
    snapshot,
)


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PostgresTestDatabases:
    """One test process's PostgreSQL databases (see the module's docstring).

    Resting databases carry pool names (``…_pN``), never handed out; a test's
    database is renamed to a fresh name (``…_tN``) for the test's lifetime.
    """

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.prefix = f"sec_test_{uuid.uuid4().hex[:8]}"
        self._numbers = itertools.count(1)
        self._admin_conn: Any = None
        self._all: set[str] = set()
        self._empty: list[str] = []
        self._ready: dict[str, list[str]] = {}
        self._migrated: dict[str, Migrated] = {}
        self._handed_out: dict[str, str | None] = {}
        """Test databases out now → the migrations they were brought to, if any."""

    def url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _fresh(self, kind: str) -> str:
        return f"{self.prefix}_{kind}{next(self._numbers)}"

    def _admin(self, statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """One statement on the server's maintenance database; its rows."""
        import psycopg

        if self._admin_conn is None or self._admin_conn.closed:
            self._admin_conn = psycopg.connect(
                _conninfo(self.admin_url), autocommit=True, options="-c synchronous_commit=off"
            )
        cursor = self._admin_conn.execute(statement.encode(), params)
        return cursor.fetchall() if cursor.description else []

    def _connect(self, name: str) -> Any:
        import psycopg

        return psycopg.connect(_conninfo(self.url(name)), autocommit=True)

    def _rename(self, old: str, new: str) -> None:
        self._admin(f"ALTER DATABASE {_quoted(old)} RENAME TO {_quoted(new)}")
        self._all.discard(old)
        self._all.add(new)

    def _wait_for_exit(self, pids: list[int]) -> None:
        """Wait until these server processes are gone: a rename that finds one
        still there sleeps 100 ms before it looks again."""
        for _ in range(1000):
            if not pids or not self._admin(
                "SELECT 1 FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
            ):
                return
            time.sleep(0.002)

    def acquire(self) -> str:
        """An empty database for one test; give it back with :meth:`release`."""
        name = self._fresh("t")
        if self._empty:
            self._rename(self._empty.pop(), name)
        else:
            self._admin(f"CREATE DATABASE {_quoted(name)}")
            self._admin(f"ALTER DATABASE {_quoted(name)} SET synchronous_commit = off")
            self._all.add(name)
        self._handed_out[name] = None
        return self.url(name)

    def migrate(self, migrations: Path, url: str) -> None:
        """Bring a database :meth:`acquire` gave out to the head of ``migrations``."""
        import psycopg

        name = make_url(url).database
        key = str(migrations.resolve())
        fresh = name in self._handed_out and self._handed_out[name] is None
        if name is None or not fresh or not self._untouched(name):
            upgrade(migrations, url)
            return
        ready = self._ready.get(key)
        if ready:
            spare = self._fresh("p")
            try:
                self._rename(name, spare)
            except psycopg.Error:  # someone connected after all
                upgrade(migrations, url)
                return
            self._empty.append(spare)
            self._rename(ready.pop(), name)
        else:
            upgrade(migrations, url)
            if key not in self._migrated:
                with self._connect(name) as conn:
                    self._migrated[key] = snapshot(conn)
        self._handed_out[name] = key

    def _untouched(self, name: str) -> bool:
        """Nobody else connected and nothing created: as :meth:`acquire` handed it out."""
        with self._connect(name) as conn:
            pid = conn.info.backend_pid
            alone = not conn.execute(
                b"SELECT 1 FROM pg_stat_activity"
                b" WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
            empty = is_empty(conn)
        self._wait_for_exit([pid])
        return alone and empty

    def release(self, url: str) -> None:
        """Take back a test's database: ready again for its migrations, or emptied."""
        name = make_url(url).database
        assert name is not None
        key = self._handed_out.pop(name, None)
        pool_name = self._fresh("p")
        try:
            ended = self._admin(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            self._wait_for_exit([row[0] for row in ended])
            self._rename(name, pool_name)
            with self._connect(pool_name) as conn:
                pid = conn.info.backend_pid
                restored = key is not None and restore(conn, self._migrated[key])
                if not restored:
                    empty_out(conn)
            self._wait_for_exit([pid])
        except Exception:
            for leftover in (name, pool_name):
                self._admin(f"DROP DATABASE IF EXISTS {_quoted(leftover)} WITH (FORCE)")
                self._all.discard(leftover)
            raise
        if restored and key is not None:
            self._ready.setdefault(key, []).append(pool_name)
        else:
            self._empty.append(pool_name)

    def close(self) -> None:
        """Drop every database the process made."""
        for name in sorted(self._all):
            self._admin(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
        if self._admin_conn is not None:
            self._admin_conn.close()
        self._admin_conn = None
        self._all.clear()
        self._empty.clear()
        self._ready.clear()
        self._handed_out.clear()


class SqliteTemplates:
    """One migrated SQLite file per migrations folder, copied for each test."""

    def __init__(self) -> None:
        self._folder: Path | None = None
        self._files: dict[str, Path] = {}

    def migrate(self, migrations: Path, url: str) -> None:
        path = make_url(url).database
        target = Path(path) if path and path != ":memory:" else None
        if target is None or any(
            Path(f"{target}{suffix}").exists() for suffix in ("", "-wal", "-journal")
        ):
            upgrade(migrations, url)
            return
        key = str(migrations.resolve())
        template = self._files.get(key)
        if template is None:
            if self._folder is None:
                self._folder = Path(
                    tempfile.mkdtemp(
                        prefix="secretariat-sqlite-templates-",
                        dir=os.environ.get("PYTEST_DEBUG_TEMPROOT"),  # where tmp_path is
                    )
                )
            template = self._folder / f"{len(self._files) + 1}.db"
            upgrade(migrations, f"sqlite:///{template}")
            if any(Path(f"{template}{s}").exists() for s in ("-wal", "-journal")):
                upgrade(migrations, url)
                return
            self._files[key] = template
        shutil.copyfile(template, target)

    def close(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
        self._folder = None
        self._files.clear()


_postgres: dict[str, PostgresTestDatabases] = {}
_sqlite = SqliteTemplates()


def postgres_test_databases(admin_url: str) -> PostgresTestDatabases:
    """This process's pool of databases on the server ``admin_url`` names."""
    if admin_url not in _postgres:
        _postgres[admin_url] = PostgresTestDatabases(admin_url)
    return _postgres[admin_url]


def migrate_test_database(migrations: Path, database_url: str) -> None:
    """Bring a test's database to the head of ``migrations``: what
    :func:`secretariat_shared.migrations.upgrade` does, from a template when
    the database is still as ``database_url`` handed it out."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _sqlite.migrate(migrations, database_url)
        return
    for pool in _postgres.values():
        if make_url(pool.admin_url).set(database=url.database) == url:
            pool.migrate(migrations, database_url)
            return
    upgrade(migrations, database_url)


def close_test_databases() -> None:
    """Drop the pools' databases and the SQLite templates (at the end of a test process)."""
    for pool in _postgres.values():
        pool.close()
    _postgres.clear()
    _sqlite.close()
