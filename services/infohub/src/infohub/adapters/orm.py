"""The information hub's own tables."""

from __future__ import annotations

from sqlalchemy import Column, Index, MetaData, String, Table, Text, UniqueConstraint

from secretariat_shared.db import UtcDateTime
from secretariat_shared.tables import PlatformTables

metadata = MetaData()
platform = PlatformTables(metadata)

inbox_items = Table(
    "inbox_items",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("recipient", String(100), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("title", String(600), nullable=False),
    Column("body", Text, nullable=False),
    Column("subject_ref", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=True),
    Column("read_at", UtcDateTime(), nullable=True),
    Column("source_event_id", String(36), nullable=False),
    UniqueConstraint("source_event_id", "recipient", name="uq_inbox_event_recipient"),
    Index("ix_inbox_recipient_created", "recipient", "created_at"),
)
