"""Tables every service database carries, beside its own.

- ``outbox``: domain events written in the business transaction (rule 4).
- ``processed_events``: (event id, handler) a consumer has applied (rule 5).
- ``timers``: durable deadlines, each fires once (rule 8, SPEC X-05).
- ``audit_log``: append-only record of state changes (SPEC X-04).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from secretariat_shared.db import UtcDateTime

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")


class PlatformTables:
    """The four platform tables, defined on a service's own MetaData.

    ``purge_index``: ``processed_events`` carries the index on
    ``processed_at`` that :func:`secretariat_shared.platform_migration.create_platform_tables`
    creates (services whose first migration uses that helper pass True).
    """

    def __init__(self, metadata: MetaData, *, purge_index: bool = False) -> None:
        self.outbox = Table(
            "outbox",
            metadata,
            Column("id", BigIntId, primary_key=True, autoincrement=True),
            Column("event_id", String(36), nullable=False, unique=True),
            Column("event_type", String(200), nullable=False),
            Column("envelope", LargeBinary, nullable=False),
            Column("created_at", UtcDateTime(), nullable=False),
            Column("sent_at", UtcDateTime(), nullable=True),
            Column("attempts", Integer, nullable=False, default=0),
            Column("last_error", Text, nullable=True),
            Index("ix_outbox_unsent", "sent_at", "id"),
        )
        self.processed_events = Table(
            "processed_events",
            metadata,
            Column("event_id", String(36), primary_key=True),
            Column("handler", String(200), primary_key=True),
            Column("processed_at", UtcDateTime(), nullable=False),
            *([Index("ix_processed_events_processed_at", "processed_at")] if purge_index else []),
        )
        self.timers = Table(
            "timers",
            metadata,
            Column("id", BigIntId, primary_key=True, autoincrement=True),
            Column("kind", String(100), nullable=False),
            Column("key", String(200), nullable=False, unique=True),
            Column("due_at", UtcDateTime(), nullable=False),
            Column("payload", JSON, nullable=False, default=dict),
            Column("fired_at", UtcDateTime(), nullable=True),
            Column("cancelled_at", UtcDateTime(), nullable=True),
            Column("claimed_by", String(100), nullable=True),
            Column("claimed_until", UtcDateTime(), nullable=True),
            Column("attempts", Integer, nullable=False, default=0),
            Column("last_error", Text, nullable=True),
            Index("ix_timers_pending", "fired_at", "cancelled_at", "due_at"),
        )
        self.audit_log = Table(
            "audit_log",
            metadata,
            Column("id", BigIntId, primary_key=True, autoincrement=True),
            Column("at", UtcDateTime(), nullable=False),
            Column("actor", String(100), nullable=False),
            Column("action", String(100), nullable=False),
            Column("entity_type", String(100), nullable=False),
            Column("entity_id", String(100), nullable=False),
            Column("before", JSON, nullable=True),
            Column("after", JSON, nullable=True),
            Index("ix_audit_entity", "entity_type", "entity_id"),
            Index("ix_audit_actor", "actor", "at"),
        )
