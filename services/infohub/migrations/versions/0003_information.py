"""information flow: items, deliveries, follow-ups, bulletins, project officers,
preferences, mail queue

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "info_items",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("simhash", sa.String(20), nullable=False),
        sa.Column("bulletin_date", sa.String(10), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("action_owner", sa.String(100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_info_items_status", "info_items", ["status", "submitted_at"])
    op.create_index("ix_info_items_created_by", "info_items", ["created_by"])
    op.create_index("ix_info_items_action_owner", "info_items", ["action_owner"])
    op.create_index("ix_info_items_bulletin", "info_items", ["bulletin_date"])
    op.create_table(
        "info_deliveries",
        sa.Column("item_id", sa.String(36), primary_key=True),
        sa.Column("recipient", sa.String(100), primary_key=True),
        sa.Column("department_code", sa.String(40), nullable=False),
        sa.Column("delivered_at", TS, nullable=False),
        sa.Column("read_at", TS, nullable=True),
    )
    op.create_index("ix_info_deliveries_delivered", "info_deliveries", ["delivered_at"])
    op.create_table(
        "info_follow_ups",
        sa.Column("item_id", sa.String(36), primary_key=True),
        sa.Column("recipient", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("listed_at", TS, nullable=False),
        sa.Column("called_at", TS, nullable=True),
        sa.Column("called_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "info_bulletins",
        sa.Column("date", sa.String(10), primary_key=True),
        sa.Column("published_at", TS, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("cutoff", TS, nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("default_delivery", sa.String(10), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
    )
    op.create_table(
        "mail_queue",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("recipient", sa.String(100), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("subject", sa.String(600), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("delivery", sa.String(10), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index("ix_mail_queue_unsent", "mail_queue", ["sent_at", "due_at"])
    op.create_table(
        "info_project_officers",
        sa.Column("project", sa.String(100), primary_key=True),
        sa.Column("officers", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "info_project_officers",
        "mail_queue",
        "notification_preferences",
        "info_bulletins",
        "info_follow_ups",
        "info_deliveries",
        "info_items",
    ):
        op.drop_table(table)
