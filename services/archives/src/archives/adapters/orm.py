"""The archives service's own tables (and the platform tables)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from secretariat_shared.db import UtcDateTime
from secretariat_shared.tables import BigIntId, PlatformTables

metadata = MetaData()
platform = PlatformTables(metadata)

records = Table(
    "records",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(60), nullable=False, unique=True),
    Column("title", String(300), nullable=False),
    Column("type_code", String(2), nullable=False),
    Column("department_code", String(20), nullable=False),
    Column("security_class", String(20), nullable=False),
    Column("retention", String(10), nullable=False),
    Column("document_date", String(10), nullable=False),
    Column("retention_until", String(10), nullable=True),
    Column("archived_at", UtcDateTime(), nullable=False),
    Column("origin", String(10), nullable=False),
    Column("source_ref", String(100), nullable=True),
    Column("seal_sha256", String(64), nullable=False, default=""),
    Column("seal_signature", Text, nullable=False, default=""),
    Column("seal_public_key", Text, nullable=False, default=""),
    Column("storeroom", String(40), nullable=False, default=""),
    Column("cabinet", String(40), nullable=False, default=""),
    Column("shelf", String(40), nullable=False, default=""),
    Column("box", String(40), nullable=False, default=""),
    Column("state", String(12), nullable=False),
    Column("readers", JSON, nullable=False),
    # D-04 important: the record keeps both tracks, electronic and paper.
    Column("important", Boolean, nullable=False, default=False, server_default=false()),
    Column("search_text", Text, nullable=False),
    # Filter values as tokens (dept…, type…, class…) beside the words; PostgreSQL
    # adds a generated ``search_vector`` of both (first migration).
    Column("facets", Text, nullable=False, default="", server_default=""),
    UniqueConstraint("origin", "source_ref", name="uq_records_source"),
    Index("ix_records_department_date", "department_code", "document_date"),
    Index("ix_records_retention_until", "retention_until"),
)

# Named readers, one row each, so X-03 can be decided inside the search query.
record_readers = Table(
    "record_readers",
    metadata,
    Column("record_id", String(36), primary_key=True),
    Column("username", String(100), primary_key=True),
    Index("ix_record_readers_username", "username"),
)

# The encrypted electronic copy of a record: a per-blob data key
# wrapped by the master key ``kek_id``; destruction deletes the row.
blobs = Table(
    "blobs",
    metadata,
    Column("record_id", String(36), primary_key=True),
    Column("kek_id", String(40), nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("nonce", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

# What a destroyed copy was, kept on the record after the blob is gone.
destroyed_copies = Table(
    "destroyed_copies",
    metadata,
    Column("record_id", String(36), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
)

loans = Table(
    "loans",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("record_id", String(36), nullable=False),
    Column("record_number", String(60), nullable=False),
    Column("borrower", String(100), nullable=False),
    Column("purpose", String(500), nullable=False),
    Column("due_date", String(10), nullable=False),
    Column("state", String(12), nullable=False),
    Column("approval_id", String(64), nullable=False, default=""),
    Column("applied_at", UtcDateTime(), nullable=False),
    Column("checked_out_at", UtcDateTime(), nullable=True),
    Column("checked_out_by", String(100), nullable=False, default=""),
    Column("returned_at", UtcDateTime(), nullable=True),
    Column("returned_by", String(100), nullable=False, default=""),
    Column("overdue", Boolean, nullable=False, default=False),
    Index("ix_loans_record", "record_id", "applied_at"),
    Index("ix_loans_borrower", "borrower", "applied_at"),
    # one holding loan per record, enforced by the database too.
    Index(
        "uq_loans_one_holding",
        "record_id",
        unique=True,
        sqlite_where=text("state IN ('pending', 'approved', 'out')"),
        postgresql_where=text("state IN ('pending', 'approved', 'out')"),
    ),
)

climate_readings = Table(
    "climate_readings",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("storeroom", String(40), nullable=False),
    Column("temperature_c", Float, nullable=False),
    Column("humidity_pct", Float, nullable=False),
    Column("measured_at", UtcDateTime(), nullable=False),
    Index("ix_climate_readings_room", "storeroom", "measured_at"),
)

climate_rooms = Table(
    "climate_rooms",
    metadata,
    Column("storeroom", String(40), primary_key=True),
    Column("alert_id", String(36), nullable=False, default=""),
    Column("in_band_since", UtcDateTime(), nullable=True),
    Column("last_measured_at", UtcDateTime(), nullable=True),
    Column("temperature_c", Float, nullable=False, default=0.0),
    Column("humidity_pct", Float, nullable=False, default=0.0),
)

climate_alerts = Table(
    "climate_alerts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("storeroom", String(40), nullable=False),
    Column("cause", String(20), nullable=False),
    Column("temperature_c", Float, nullable=False),
    Column("humidity_pct", Float, nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("cleared_at", UtcDateTime(), nullable=True),
    Index("ix_climate_alerts_room", "storeroom", "raised_at"),
)

stock_takes = Table(
    "stock_takes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("year", Integer, nullable=False, unique=True),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("started_by", String(100), nullable=False),
)

stock_take_items = Table(
    "stock_take_items",
    metadata,
    Column("stock_take_id", String(36), primary_key=True),
    Column("record_id", String(36), primary_key=True),
    Column("record_number", String(60), nullable=False),
    Column("title", String(300), nullable=False),
    Column("result", String(12), nullable=False),
    Column("note", String(500), nullable=False, default=""),
    Column("checked_by", String(100), nullable=False, default=""),
    Column("checked_at", UtcDateTime(), nullable=True),
)

repairs = Table(
    "repairs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("record_id", String(36), nullable=False),
    Column("record_number", String(60), nullable=False),
    Column("stock_take_id", String(36), nullable=False),
    Column("fault", String(500), nullable=False),
    Column("state", String(10), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("done_at", UtcDateTime(), nullable=True),
    Column("resolution", String(500), nullable=False, default=""),
    Column("done_by", String(100), nullable=False, default=""),
)

destructions = Table(
    "destructions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("state", String(12), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("requested_by", String(100), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("approval_id", String(64), nullable=False, default=""),
    Column("witnesses", JSON, nullable=False),
    Column("record_ids", JSON, nullable=False),
    Column("destroyed_at", UtcDateTime(), nullable=True),
)

# the permanent destruction record, one row per destroyed record.
# Triggers (first migration) refuse every UPDATE and DELETE.
destruction_records = Table(
    "destruction_records",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("destruction_id", String(36), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("number", String(60), nullable=False),
    Column("title", String(300), nullable=False),
    Column("copy_sha256", String(64), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("approval_id", String(64), nullable=False),
    Column("requested_by", String(100), nullable=False),
    Column("witnesses", JSON, nullable=False),
    Column("destroyed_at", UtcDateTime(), nullable=False),
    Index("ix_destruction_records_destruction", "destruction_id"),
)
