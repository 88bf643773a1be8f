"""The platform tables in a service's first migration, by one call (issue 11 item 2).

A new service's ``0001`` revision calls :func:`create_platform_tables` in
``upgrade()`` and :func:`drop_platform_tables` in ``downgrade()`` instead of
repeating the DDL of ``outbox``, ``processed_events``, ``timers`` and
``audit_log``. The tables match :class:`secretariat_shared.tables.PlatformTables`
and add what the older copies lacked: an index on
``processed_events.processed_at`` (the consumer's 30-day purge) and an
``audit_log`` that refuses UPDATE and DELETE on SQLite as on PostgreSQL
(SPEC X-04).

The migrations of the services built before this helper stay as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from secretariat_shared.migrations import make_append_only

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id() -> sa.Column[int]:
    return sa.Column("id", _BIG_ID, autoincrement=True, nullable=False)


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def create_platform_tables() -> None:
    """Create the four platform tables and their indexes; audit_log is append-only."""
    op.create_table(
        "outbox",
        _id(),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=False),
        _at("created_at"),
        _at("sent_at", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("ix_outbox_unsent", "outbox", ["sent_at", "id"])
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("handler", sa.String(length=200), nullable=False),
        _at("processed_at"),
        sa.PrimaryKeyConstraint("event_id", "handler"),
    )
    op.create_index("ix_processed_events_processed_at", "processed_events", ["processed_at"])
    op.create_table(
        "timers",
        _id(),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        _at("due_at"),
        sa.Column("payload", sa.JSON(), nullable=False),
        _at("fired_at", nullable=True),
        _at("cancelled_at", nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        _at("claimed_until", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_timers_pending", "timers", ["fired_at", "cancelled_at", "due_at"])
    op.create_table(
        "audit_log",
        _id(),
        _at("at"),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("entity_type", sa.String(length=100), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_entity", "audit_log", ["entity_type", "entity_id"])
    op.create_index("ix_audit_actor", "audit_log", ["actor", "at"])
    make_append_only("audit_log")


def drop_platform_tables() -> None:
    """Undo :func:`create_platform_tables` (the triggers go with their table)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in ("audit_log", "timers", "processed_events", "outbox"):
        op.drop_table(table)
