"""The information hub's own tables."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

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

# --- the information flow (SPEC I-01..I-06) ---------------------------------

info_items = Table(
    "info_items",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("simhash", String(20), nullable=False),
    Column("bulletin_date", String(10), nullable=True),
    Column("created_by", String(100), nullable=False),
    Column("action_owner", String(100), nullable=False),
    Column("data", JSON, nullable=False),
    Index("ix_info_items_status", "status", "submitted_at"),
    Index("ix_info_items_created_by", "created_by"),
    Index("ix_info_items_action_owner", "action_owner"),
    Index("ix_info_items_bulletin", "bulletin_date"),
)

info_deliveries = Table(
    "info_deliveries",
    metadata,
    Column("item_id", String(36), primary_key=True),
    Column("recipient", String(100), primary_key=True),
    Column("department_code", String(40), nullable=False),
    Column("delivered_at", UtcDateTime(), nullable=False),
    Column("read_at", UtcDateTime(), nullable=True),
    Index("ix_info_deliveries_delivered", "delivered_at"),
)

info_follow_ups = Table(
    "info_follow_ups",
    metadata,
    Column("item_id", String(36), primary_key=True),
    Column("recipient", String(100), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("listed_at", UtcDateTime(), nullable=False),
    Column("called_at", UtcDateTime(), nullable=True),
    Column("called_by", String(100), nullable=False),
)

info_bulletins = Table(
    "info_bulletins",
    metadata,
    Column("date", String(10), primary_key=True),
    Column("published_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("cutoff", UtcDateTime(), nullable=False),
    Column("late", Boolean, nullable=False),
    Column("data", JSON, nullable=False),
)

notification_preferences = Table(
    "notification_preferences",
    metadata,
    Column("username", String(100), primary_key=True),
    Column("email", String(200), nullable=False),
    Column("default_delivery", String(10), nullable=False),
    Column("kinds", JSON, nullable=False),
)

mail_queue = Table(
    "mail_queue",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recipient", String(100), nullable=False),
    Column("address", String(200), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("subject", String(600), nullable=False),
    Column("body", Text, nullable=False),
    Column("delivery", String(10), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Index("ix_mail_queue_unsent", "sent_at", "due_at"),
)

info_project_officers = Table(
    "info_project_officers",
    metadata,
    Column("project", String(100), primary_key=True),
    Column("officers", JSON, nullable=False),
)
