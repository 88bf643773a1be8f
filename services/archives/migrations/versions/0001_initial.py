"""archives tables, platform tables

Revision ID: 0001
Revises:
Create Date: 2026-11-30 07:03:08.413840
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from secretariat_shared.platform_migration import create_platform_tables, drop_platform_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _platform_tables() -> None:
    """outbox, processed_events, timers, audit_log: the service kit's helper."""
    create_platform_tables()


def _archives_tables() -> None:
    op.create_table(
        "blobs",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("kek_id", sa.String(length=40), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("record_id"),
    )
    op.create_table(
        "climate_alerts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("storeroom", sa.String(length=40), nullable=False),
        sa.Column("cause", sa.String(length=20), nullable=False),
        sa.Column("temperature_c", sa.Float(), nullable=False),
        sa.Column("humidity_pct", sa.Float(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("climate_alerts", schema=None) as batch_op:
        batch_op.create_index("ix_climate_alerts_room", ["storeroom", "raised_at"], unique=False)

    op.create_table(
        "climate_readings",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("storeroom", sa.String(length=40), nullable=False),
        sa.Column("temperature_c", sa.Float(), nullable=False),
        sa.Column("humidity_pct", sa.Float(), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("climate_readings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_climate_readings_room", ["storeroom", "measured_at"], unique=False
        )

    op.create_table(
        "climate_rooms",
        sa.Column("storeroom", sa.String(length=40), nullable=False),
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("in_band_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_measured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("temperature_c", sa.Float(), nullable=False),
        sa.Column("humidity_pct", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("storeroom"),
    )
    op.create_table(
        "destroyed_copies",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("record_id"),
    )
    op.create_table(
        "destruction_records",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("destruction_id", sa.String(length=36), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("copy_sha256", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("approval_id", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("witnesses", sa.JSON(), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("destruction_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_destruction_records_destruction", ["destruction_id"], unique=False
        )

    op.create_table(
        "destructions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approval_id", sa.String(length=64), nullable=False),
        sa.Column("witnesses", sa.JSON(), nullable=False),
        sa.Column("record_ids", sa.JSON(), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "loans",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("record_number", sa.String(length=60), nullable=False),
        sa.Column("borrower", sa.String(length=100), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("due_date", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("approval_id", sa.String(length=64), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_out_by", sa.String(length=100), nullable=False),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_by", sa.String(length=100), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.create_index("ix_loans_borrower", ["borrower", "applied_at"], unique=False)
        batch_op.create_index("ix_loans_record", ["record_id", "applied_at"], unique=False)
        batch_op.create_index(
            "uq_loans_one_holding",
            ["record_id"],
            unique=True,
            sqlite_where=sa.text("state IN ('pending', 'approved', 'out')"),
            postgresql_where=sa.text("state IN ('pending', 'approved', 'out')"),
        )

    op.create_table(
        "record_readers",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("record_id", "username"),
    )
    with op.batch_alter_table("record_readers", schema=None) as batch_op:
        batch_op.create_index("ix_record_readers_username", ["username"], unique=False)

    op.create_table(
        "records",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("type_code", sa.String(length=2), nullable=False),
        sa.Column("department_code", sa.String(length=20), nullable=False),
        sa.Column("security_class", sa.String(length=20), nullable=False),
        sa.Column("retention", sa.String(length=10), nullable=False),
        sa.Column("document_date", sa.String(length=10), nullable=False),
        sa.Column("retention_until", sa.String(length=10), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("source_ref", sa.String(length=100), nullable=True),
        sa.Column("seal_sha256", sa.String(length=64), nullable=False),
        sa.Column("seal_signature", sa.Text(), nullable=False),
        sa.Column("seal_public_key", sa.Text(), nullable=False),
        sa.Column("storeroom", sa.String(length=40), nullable=False),
        sa.Column("cabinet", sa.String(length=40), nullable=False),
        sa.Column("shelf", sa.String(length=40), nullable=False),
        sa.Column("box", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("readers", sa.JSON(), nullable=False),
        sa.Column("important", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("facets", sa.Text(), server_default="", nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("origin", "source_ref", name="uq_records_source"),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_records_department_date", ["department_code", "document_date"], unique=False
        )
        batch_op.create_index("ix_records_retention_until", ["retention_until"], unique=False)

    op.create_table(
        "repairs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("record_number", sa.String(length=60), nullable=False),
        sa.Column("stock_take_id", sa.String(length=36), nullable=False),
        sa.Column("fault", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=500), nullable=False),
        sa.Column("done_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "stock_take_items",
        sa.Column("stock_take_id", sa.String(length=36), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("record_number", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("result", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("checked_by", sa.String(length=100), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("stock_take_id", "record_id"),
    )
    op.create_table(
        "stock_takes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year"),
    )


def _search_index() -> None:
    """A-02: SQLite keeps the segmented tokens in FTS5; PostgreSQL in a GIN-indexed tsvector."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE records_fts USING fts5("
            "record_id UNINDEXED, search_text, facets, "
            "tokenize = 'unicode61 remove_diacritics 0')"
        )
    else:
        # The words and the filter facets in one stored vector: a keyword plus
        # a department is one GIN lookup, and ranking reads the stored vector.
        op.execute(
            "ALTER TABLE records ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple'::regconfig, search_text || ' ' || facets)) STORED"
        )
        op.execute("CREATE INDEX ix_records_search ON records USING GIN (search_vector)")


PERMANENT_MESSAGE = "destruction records are permanent (SPEC A-06)"


def _permanent_destruction_records() -> None:
    """A-06: nothing can change or delete a destruction record, not even SQL by hand."""
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER destruction_records_no_{event.lower()} BEFORE {event} "
                f"ON destruction_records BEGIN SELECT RAISE(ABORT, '{PERMANENT_MESSAGE}'); END"
            )
    else:
        op.execute(
            "CREATE OR REPLACE FUNCTION destruction_records_permanent() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{PERMANENT_MESSAGE}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER destruction_records_permanent BEFORE UPDATE OR DELETE "
            "ON destruction_records FOR EACH ROW EXECUTE FUNCTION destruction_records_permanent()"
        )
        op.execute(
            "CREATE TRIGGER destruction_records_no_truncate BEFORE TRUNCATE "
            "ON destruction_records FOR EACH STATEMENT EXECUTE FUNCTION destruction_records_permanent()"
        )


def upgrade() -> None:
    _platform_tables()
    _archives_tables()
    _search_index()
    _permanent_destruction_records()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS records_fts")
    else:
        op.execute("DROP TRIGGER IF EXISTS destruction_records_permanent ON destruction_records")
        op.execute("DROP TRIGGER IF EXISTS destruction_records_no_truncate ON destruction_records")
        op.execute("DROP FUNCTION IF EXISTS destruction_records_permanent()")
        op.execute("DROP INDEX IF EXISTS ix_records_search")
    op.drop_table("stock_takes")
    op.drop_table("stock_take_items")
    op.drop_table("repairs")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_retention_until")
        batch_op.drop_index("ix_records_department_date")

    op.drop_table("records")
    with op.batch_alter_table("record_readers", schema=None) as batch_op:
        batch_op.drop_index("ix_record_readers_username")

    op.drop_table("record_readers")
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_loans_one_holding",
            sqlite_where=sa.text("state IN ('pending', 'approved', 'out')"),
            postgresql_where=sa.text("state IN ('pending', 'approved', 'out')"),
        )
        batch_op.drop_index("ix_loans_record")
        batch_op.drop_index("ix_loans_borrower")

    op.drop_table("loans")
    op.drop_table("destructions")
    with op.batch_alter_table("destruction_records", schema=None) as batch_op:
        batch_op.drop_index("ix_destruction_records_destruction")

    op.drop_table("destruction_records")
    op.drop_table("destroyed_copies")
    op.drop_table("climate_rooms")
    with op.batch_alter_table("climate_readings", schema=None) as batch_op:
        batch_op.drop_index("ix_climate_readings_room")

    op.drop_table("climate_readings")
    with op.batch_alter_table("climate_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_climate_alerts_room")

    op.drop_table("climate_alerts")
    op.drop_table("blobs")
    drop_platform_tables()
