"""The documents service's own tables (its database, nobody else's)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)

from secretariat_shared.db import UtcDateTime
from secretariat_shared.tables import PlatformTables

metadata = MetaData()
platform = PlatformTables(metadata)

documents = Table(
    "documents",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("title", String(500), nullable=False),
    Column("type_code", String(2), nullable=False),
    Column("department_code", String(10), nullable=False),
    Column("security_class", String(20), nullable=False),
    Column("retention", String(20), nullable=False),
    Column("priority", String(20), nullable=False),
    Column("body", Text, nullable=False, default=""),
    Column("state", String(30), nullable=False),
    Column("registered_by", String(100), nullable=False),
    Column("registered_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # SPEC D-10: the flow-level clock (registration to the end of circulation).
    Column("flow_due_at", UtcDateTime(), nullable=True),
    Column("flow_closed_at", UtcDateTime(), nullable=True),
    Column("flow_met", Boolean, nullable=True),
    Index("ix_documents_department_registered", "department_code", "registered_at"),
    Index("ix_documents_registered", "registered_at"),
)

document_readers = Table(
    "document_readers",
    metadata,
    Column("document_id", String(36), ForeignKey("documents.id"), primary_key=True),
    Column("username", String(100), primary_key=True),
    Index("ix_document_readers_username", "username"),
)

document_steps = Table(
    "document_steps",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("document_id", String(36), ForeignKey("documents.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(30), nullable=False),
    Column("owners", JSON, nullable=False),
    Column("state", String(20), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=True),
    Column("due_at", UtcDateTime(), nullable=True),
    Column("completed_at", UtcDateTime(), nullable=True),
    Column("completed_by", String(100), nullable=False, default=""),
    Column("comment", Text, nullable=False, default=""),
    Column("done_by", JSON, nullable=False),
    Column("overdue", Boolean, nullable=False, default=False),
    # SPEC D-05: escalation (D-08) and stand-ins (D-09) like approval steps.
    Column("escalate_at", UtcDateTime(), nullable=True),
    # Server-side defaults, so rows written without them (older code, data
    # migrations) stay valid.
    Column("escalated", Boolean, nullable=False, server_default=false()),
    Column("stand_ins", JSON, nullable=False, server_default=text("'[]'")),
    Column("acted_for", JSON, nullable=False, server_default=text("'{}'")),
    Index("ix_document_steps_document", "document_id", "position"),
)

# SPEC D-01: one counter per (department, year, type); incremented in the
# registering transaction, so numbers are gap-free and never reused.
document_sequences = Table(
    "document_sequences",
    metadata,
    Column("department_code", String(10), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("type_code", String(2), primary_key=True),
    Column("last_seq", Integer, nullable=False),
)
