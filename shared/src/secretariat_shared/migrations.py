"""Alembic, driven the same way for every package.

Each deployable keeps ``migrations/`` beside its ``src/``: ``env.py`` is two
lines calling :func:`run_env` with the package's MetaData, and
``versions/`` holds the revisions. Processes migrate with :func:`upgrade`
(or ``python -m secretariat_shared.migrations <migrations-dir>`` with
``SECRETARIAT_DATABASE_URL`` set), which the Helm hook Job runs as its own
command.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import create_engine


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def revision(migrations_dir: Path, database_url: str, message: str) -> None:
    """Autogenerate a revision against a database at head (developer tool)."""
    command.revision(
        alembic_config(migrations_dir, database_url), message=message, autogenerate=True
    )


def run_env(target_metadata: MetaData) -> None:
    """Body of every ``migrations/env.py``."""
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get(
        "SECRETARIAT_DATABASE_URL", ""
    )
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
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


APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (SPEC X-04)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
"""


def make_audit_log_append_only() -> None:
    """SPEC X-04: on PostgreSQL the database itself refuses to alter the audit trail.

    Call from a migration's ``upgrade()`` after creating ``audit_log``.
    """
    if context.get_bind().dialect.name == "postgresql":
        context.execute(APPEND_ONLY_SQL)


def drop_audit_log_append_only() -> None:
    if context.get_bind().dialect.name == "postgresql":
        context.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        context.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")


def make_append_only(table: str) -> None:
    """SPEC X-04: the database itself refuses UPDATE and DELETE on ``table``,
    on PostgreSQL (a trigger function) and on SQLite (two triggers). Idempotent.

    Call from a migration's ``upgrade()`` after creating the table.
    """
    dialect = context.get_bind().dialect.name
    message = f"{table} is append-only (SPEC X-04)"
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            context.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} "
                f"BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    elif dialect == "postgresql":
        context.execute(
            f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql"
        )
        context.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        context.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )


def drop_append_only_on_sqlite(table: str) -> None:
    """Undo the SQLite half of :func:`make_append_only` (PostgreSQL keeps its trigger,
    which the first migration owns)."""
    if context.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            context.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m secretariat_shared.migrations <migrations-dir>", file=sys.stderr)
        return 2
    url = os.environ.get("SECRETARIAT_DATABASE_URL")
    if not url:
        print(
            "configuration error: missing required environment variable SECRETARIAT_DATABASE_URL",
            file=sys.stderr,
        )
        return 2
    upgrade(Path(argv[1]), url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
