"""Tables of the approval engine (SPEC D-06..D-10), in the documents database.

Steps keep their seats, rules and decisions as JSON: they are read and
written with their approval, under its row lock. ``approval_waiting`` and
``approval_participants`` are derived from the steps on every save so the
"waiting for me" inbox and the visibility filter are plain indexed lookups.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    text,
)

from documents.adapters.orm import metadata
from secretariat_shared.db import UtcDateTime

approval_templates = Table(
    "approval_templates",
    metadata,
    Column("key", String(50), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("form_schema", JSON, nullable=False),
    Column("steps", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("template_key", String(50), nullable=False),
    Column("template_version", Integer, nullable=False),
    Column("subject", String(500), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("content", Text, nullable=False, default=""),
    Column("urgent", Boolean, nullable=False),
    Column("status", String(20), nullable=False),
    Column("requester", String(100), nullable=False),
    Column("department_code", String(20), nullable=False),
    Column("source_service", String(50), nullable=False, default=""),
    Column("source_ref", String(200), nullable=False, default=""),
    Column("revision", Integer, nullable=False),
    Column("history", JSON, nullable=False),
    Column("seal_id", String(36), nullable=False, default=""),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("completed_at", UtcDateTime(), nullable=True),
    Index("ix_approvals_requester", "requester", "created_at"),
    Index("ix_approvals_status", "status", "created_at"),
    Index("ix_approvals_source", "source_service", "source_ref"),
    # issue 11 item 6: a service's (source_service, source_ref) names one approval
    Index(
        "ux_approvals_source",
        "source_service",
        "source_ref",
        unique=True,
        sqlite_where=text("source_service <> '' AND source_ref <> ''"),
        postgresql_where=text("source_service <> '' AND source_ref <> ''"),
    ),
)

approval_steps = Table(
    "approval_steps",
    metadata,
    Column("approval_id", String(36), ForeignKey("approvals.id"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("mode", String(10), nullable=False),
    Column("rules", JSON, nullable=False),
    Column("state", String(20), nullable=False),
    Column("seats", JSON, nullable=False),
    Column("decisions", JSON, nullable=False),
    Column("opened_at", UtcDateTime(), nullable=True),
    Column("due_at", UtcDateTime(), nullable=True),
    Column("escalate_at", UtcDateTime(), nullable=True),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("reminded", Boolean, nullable=False, default=False),
    Column("escalated", Boolean, nullable=False, default=False),
    Index("ix_approval_steps_state", "state"),
    Index("ix_approval_steps_closed", "closed_at"),
)

approval_waiting = Table(
    "approval_waiting",
    metadata,
    Column("approval_id", String(36), ForeignKey("approvals.id"), primary_key=True),
    Column("username", String(100), primary_key=True),
    Column("since", UtcDateTime(), nullable=False),
    Index("ix_approval_waiting_username", "username", "since"),
)

approval_participants = Table(
    "approval_participants",
    metadata,
    Column("approval_id", String(36), ForeignKey("approvals.id"), primary_key=True),
    Column("username", String(100), primary_key=True),
    Index("ix_approval_participants_username", "username"),
)

approval_absences = Table(
    "approval_absences",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("username", String(100), nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("delegate_username", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_approval_absences_username", "username", "starts_at"),
)

approval_seals = Table(
    "approval_seals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("approval_id", String(36), ForeignKey("approvals.id"), nullable=False, unique=True),
    Column("file", LargeBinary, nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("signature_b64", Text, nullable=False),
    Column("signer", String(200), nullable=False),
    Column("public_key_pem", Text, nullable=False),
    Column("sealed_at", UtcDateTime(), nullable=False),
)
