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
  migrating, and waits for the next test that migrates the same way; that
  test gets it by a rename. The pool's databases commit without waiting for
  the disk (``synchronous_commit = off``: only a crash of the server could
  tell) and are dropped when the process ends.

Whenever a database is not in the state a shortcut needs (a test connected
first, changed the schema, migrated to another revision), the ordinary way
is taken: the migrations run on the test's own database.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from secretariat_shared.migrations import upgrade

USER_SCHEMAS = "nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"

CATALOG_FINGERPRINT = f"""
WITH ns AS (SELECT oid, nspname FROM pg_namespace WHERE {USER_SCHEMAS})
SELECT md5(coalesce(string_agg(item, E'\\n' ORDER BY item), '')) FROM (
  SELECT 'schema ' || nspname || ' ' || coalesce(n.nspacl::text, '') AS item
    FROM pg_namespace n WHERE {USER_SCHEMAS}
  UNION ALL
  SELECT concat_ws(' ', 'rel', c.oid::regclass::text, c.relkind, c.relpersistence,
                   c.relrowsecurity, c.relacl::text, c.reloptions::text)
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
  UNION ALL
  SELECT concat_ws(' ', 'col', c.oid::regclass::text, a.attname,
                   format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
                   a.attgenerated, pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN ns ON ns.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT concat_ws(' ', 'con', con.conrelid::regclass::text, con.conname,
                   pg_get_constraintdef(con.oid))
    FROM pg_constraint con JOIN ns ON ns.oid = con.connamespace
  UNION ALL
  SELECT 'idx ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN ns ON ns.oid = c.relnamespace
  UNION ALL
  SELECT concat_ws(' ', 'trg', pg_get_triggerdef(t.oid), t.tgenabled)
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN ns ON ns.oid = c.relnamespace
    WHERE NOT t.tgisinternal
  UNION ALL
  SELECT concat_ws(' ', 'fn', p.oid::regprocedure::text, md5(pg_get_functiondef(p.oid)))
    FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace WHERE p.prokind IN ('f', 'p')
  UNION ALL
  SELECT concat_ws(' ', 'view', c.oid::regclass::text, md5(pg_get_viewdef(c.oid)))
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('v', 'm')
  UNION ALL
  SELECT concat_ws(' ', 'seq', s.seqrelid::regclass::text, s.seqtypid::regtype::text,
                   s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle)
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN ns ON ns.oid = c.relnamespace
  UNION ALL
  SELECT concat_ws(' ', 'type', t.oid::regtype::text, t.typtype)
    FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE t.typtype IN ('e', 'd', 'r', 'm')
  UNION ALL
  SELECT concat_ws(' ', 'enum', e.enumtypid::regtype::text, e.enumlabel, e.enumsortorder)
    FROM pg_enum e
  UNION ALL
  SELECT concat_ws(' ', 'policy', pol.polrelid::regclass::text, pol.polname,
                   pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid))
    FROM pg_policy pol
  UNION ALL
  SELECT concat_ws(' ', 'rule', schemaname, tablename, rulename, md5(definition))
    FROM pg_rules WHERE schemaname NOT LIKE 'pg\\_%' AND schemaname <> 'information_schema'
  UNION ALL
  SELECT concat_ws(' ', 'ext', extname, extversion) FROM pg_extension
  UNION ALL
  SELECT 'evt ' || evtname FROM pg_event_trigger
  UNION ALL
  SELECT 'pub ' || pubname FROM pg_publication
  UNION ALL
  SELECT 'lo ' || count(*) FROM pg_largeobject_metadata
  UNION ALL
  SELECT 'prepared ' || gid FROM pg_prepared_xacts WHERE database = current_database()
  UNION ALL
  SELECT 'setting ' || array_to_string(setconfig, ',') FROM pg_db_role_setting
    WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND setrole = 0
) AS catalog
"""

USER_TABLES = f"""
SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND {USER_SCHEMAS.replace("nspname", "n.nspname")}
  ORDER BY 1
"""

USER_SEQUENCES = """
SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences
  WHERE schemaname NOT LIKE 'pg\\_%' AND schemaname <> 'information_schema' ORDER BY 1
"""

HAS_USER_OBJECTS = f"""
SELECT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE {USER_SCHEMAS.replace("nspname", "n.nspname")})
    OR EXISTS (SELECT FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE {USER_SCHEMAS.replace("nspname", "n.nspname")})
    OR EXISTS (SELECT FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
               WHERE {USER_SCHEMAS.replace("nspname", "n.nspname")})
    OR EXISTS (SELECT FROM pg_namespace WHERE {USER_SCHEMAS} AND nspname <> 'public')
"""

EMPTY_PUBLIC_SCHEMA = """
CREATE SCHEMA public AUTHORIZATION pg_database_owner;
GRANT USAGE ON SCHEMA public TO PUBLIC;
COMMENT ON SCHEMA public IS 'standard public schema'
"""


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class _Migrated:
    """A schema as the migrations left it: its catalog fingerprint, the rows
    they wrote (COPY text per table) and the sequences' last values."""

    fingerprint: str
    rows: dict[str, bytes]
    sequences: dict[str, int | None]


class _NotRestored(Exception):
    """Rows stayed after emptying (a rule, say): empty the database out instead."""


BIG_TABLE_BYTES = 1 << 20
"""A returned database's tables this big are truncated (new files); smaller
ones are emptied with DELETE, which leaves no files to create and remove."""


class PostgresTestDatabases:
    """One test process's PostgreSQL databases (see the module's docstring)."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self._prefix = f"sec_test_{uuid.uuid4().hex[:8]}"
        self._numbers = itertools.count(1)
        self._admin_conn: Any = None
        self._all: set[str] = set()
        self._empty: list[str] = []
        self._ready: dict[str, list[str]] = {}
        self._migrated: dict[str, _Migrated] = {}
        self._handed_out: dict[str, str | None] = {}

    def url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _admin_conn_ready(self) -> None:
        import psycopg

        if self._admin_conn is None or self._admin_conn.closed:
            self._admin_conn = psycopg.connect(
                _conninfo(self.admin_url), autocommit=True, options="-c synchronous_commit=off"
            )

    def _admin(self, *statements: str) -> None:
        """Run statements on the server's maintenance database, one transaction each."""
        self._admin_conn_ready()
        for statement in statements:
            self._admin_conn.execute(statement.encode())

    def _connect(self, name: str) -> Any:
        import psycopg

        return psycopg.connect(_conninfo(self.url(name)), autocommit=True)

    def acquire(self) -> str:
        """An empty database for one test; give it back with :meth:`release`."""
        if self._empty:
            name = self._empty.pop()
        else:
            name = f"{self._prefix}_{next(self._numbers)}"
            self._admin(
                f"CREATE DATABASE {_quoted(name)}",
                f"ALTER DATABASE {_quoted(name)} SET synchronous_commit = off",
            )
            self._all.add(name)
        self._handed_out[name] = None
        return self.url(name)

    def migrate(self, migrations: Path, url: str) -> None:
        """Bring a database :meth:`acquire` gave out to the head of ``migrations``."""
        name = make_url(url).database
        key = str(migrations.resolve())
        if name is None or self._handed_out.get(name, key) is not None or not self._untouched(name):
            upgrade(migrations, url)
            return
        if self._ready.get(key) and self._swap_in(name, self._ready[key]):
            self._handed_out[name] = key
            return
        upgrade(migrations, url)
        if key not in self._migrated:
            self._migrated[key] = self._snapshot(name)
        self._handed_out[name] = key

    def _untouched(self, name: str) -> bool:
        """Nobody else connected and nothing created: as :meth:`acquire` handed it out."""
        with self._connect(name) as conn:
            others, used, pid = conn.execute(
                b"SELECT (SELECT count(*) FROM pg_stat_activity"
                b"  WHERE datname = current_database() AND pid <> pg_backend_pid()),"
                + f" ({HAS_USER_OBJECTS}),".encode()
                + b" pg_backend_pid()"
            ).fetchone()
        self._wait_for_exit(pid)
        return bool(others == 0 and not used)

    def _wait_for_exit(self, pid: int) -> None:
        """Wait until a closed connection's server process is gone: a rename
        finding it still there would sleep 100 ms before looking again."""
        for _ in range(500):
            self._admin_conn_ready()
            gone = self._admin_conn.execute(
                b"SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = %s)", (pid,)
            ).fetchone()
            if gone and gone[0]:
                return
            time.sleep(0.002)

    def _swap_in(self, name: str, ready: list[str]) -> bool:
        """Give ``name`` a migrated database from ``ready`` by renaming; the
        empty one takes the migrated one's name and joins the empty."""
        import psycopg

        migrated = ready.pop()
        spare = f"{name}_swap"
        try:
            self._admin(f"ALTER DATABASE {_quoted(name)} RENAME TO {_quoted(spare)}")
        except psycopg.Error:
            ready.append(migrated)
            return False
        self._admin(
            f"ALTER DATABASE {_quoted(migrated)} RENAME TO {_quoted(name)}",
            f"ALTER DATABASE {_quoted(spare)} RENAME TO {_quoted(migrated)}",
        )
        self._empty.append(migrated)
        return True

    def _snapshot(self, name: str) -> _Migrated:
        with self._connect(name) as conn:
            fingerprint = conn.execute(CATALOG_FINGERPRINT.encode()).fetchone()[0]
            rows: dict[str, bytes] = {}
            for (table,) in conn.execute(USER_TABLES.encode()).fetchall():
                with conn.cursor().copy(f"COPY {table} TO STDOUT".encode()) as copy:
                    data = b"".join(bytes(chunk) for chunk in copy)
                if data:
                    rows[table] = data
            sequences = dict(conn.execute(USER_SEQUENCES.encode()).fetchall())
        return _Migrated(fingerprint, rows, sequences)

    def release(self, url: str) -> None:
        """Take back a test's database: ready again for its migrations, or emptied."""
        name = make_url(url).database
        assert name is not None
        key = self._handed_out.pop(name, None)
        try:
            self._admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                f" WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )
            with self._connect(name) as conn:
                if key is not None and self._restore(conn, self._migrated[key]):
                    self._ready.setdefault(key, []).append(name)
                    return
                self._empty_out(conn)
            self._empty.append(name)
        except Exception:
            self._discard(name)
            raise

    @staticmethod
    def _restore(conn: Any, migrated: _Migrated) -> bool:
        """Put the rows back as the migrations left them, when nothing else changed.

        Triggers are off while emptying (``session_replication_role``), so
        append-only tables and foreign keys let the rows go in any order.
        """
        if conn.execute(CATALOG_FINGERPRINT.encode()).fetchone()[0] != migrated.fingerprint:
            return False
        tables = [row[0] for row in conn.execute(USER_TABLES.encode()).fetchall()]
        sizes = " UNION ALL ".join(
            f"SELECT '{table}', pg_relation_size('{table}') WHERE EXISTS (SELECT FROM {table})"
            for table in tables
        )
        used = conn.execute(sizes.encode()).fetchall() if tables else []
        big = [table for table, size in used if size >= BIG_TABLE_BYTES]
        small = [table for table, size in used if size < BIG_TABLE_BYTES]
        import psycopg

        try:
            with conn.transaction():
                conn.execute(b"SET LOCAL session_replication_role = replica")
                if big:
                    conn.execute(f"TRUNCATE {', '.join(big)} CASCADE".encode())
                for table in small:
                    conn.execute(f"DELETE FROM {table}".encode())
                for table, data in migrated.rows.items():
                    if table not in big and table not in small:
                        conn.execute(f"DELETE FROM {table}".encode())
                    with conn.cursor().copy(f"COPY {table} FROM STDIN".encode()) as copy:
                        copy.write(data)
                if migrated.sequences:
                    calls = ", ".join(
                        f"setval('{seq}', {last}, true)"
                        if last is not None
                        else f"setval('{seq}', (SELECT seqstart FROM pg_sequence"
                        f" WHERE seqrelid = '{seq}'::regclass), false)"
                        for seq, last in migrated.sequences.items()
                    )
                    conn.execute(f"SELECT {calls}".encode())
                left = conn.execute(sizes.encode()).fetchall() if tables else []
                if {table for table, _ in left} != set(migrated.rows):
                    raise _NotRestored
        except (_NotRestored, psycopg.Error):
            return False
        return True

    @staticmethod
    def _empty_out(conn: Any) -> None:
        schemas = [
            row[0]
            for row in conn.execute(
                f"SELECT quote_ident(nspname) FROM pg_namespace WHERE {USER_SCHEMAS}".encode()
            ).fetchall()
        ]
        with conn.transaction():
            for schema in schemas:
                conn.execute(f"DROP SCHEMA {schema} CASCADE".encode())
            conn.execute(EMPTY_PUBLIC_SCHEMA.encode())
            for (extension,) in conn.execute(
                "SELECT quote_ident(extname) FROM pg_extension WHERE extname <> 'plpgsql'"
            ).fetchall():
                conn.execute(f"DROP EXTENSION {extension} CASCADE".encode())
            conn.execute(b"SELECT lo_unlink(oid) FROM pg_largeobject_metadata")

    def _discard(self, name: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
        self._all.discard(name)
        for pool in (self._empty, *self._ready.values()):
            if name in pool:
                pool.remove(name)

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
                self._folder = Path(tempfile.mkdtemp(prefix="secretariat-sqlite-templates-"))
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
