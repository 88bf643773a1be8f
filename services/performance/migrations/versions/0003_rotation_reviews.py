"""the 360 review after a rotation (C-06, P-05): one review per rotation and its ratings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 11:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rotation_reviews",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("post", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("raters", sa.JSON(), nullable=False),
        sa.Column("source_event_id", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("formula", sa.Text(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rotation_reviews_person", "rotation_reviews", ["username"])
    op.create_table(
        "rotation_ratings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rotation_id", sa.String(length=64), nullable=False),
        sa.Column("rater", sa.String(length=100), nullable=False),
        sa.Column("group", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rotation_id", "rater", name="uq_rotation_rating_once"),
    )


def downgrade() -> None:
    op.drop_table("rotation_ratings")
    op.drop_index("ix_rotation_reviews_person", table_name="rotation_reviews")
    op.drop_table("rotation_reviews")
