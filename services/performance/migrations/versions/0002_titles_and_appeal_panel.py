"""title awards with their rule and facts (P-09); the appeal panel's trail (P-10);
a fact is unique per department too (one event, e.g. the weekly digest, gives
one fact per department)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "title_awards",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("cycle_id", sa.String(length=36), nullable=False),
        sa.Column("result_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("formula", sa.Text(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("fact_ids", sa.JSON(), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cycle_id", "code", "username", name="uq_title_award"),
    )
    op.create_index("ix_title_awards_cycle", "title_awards", ["cycle_id"])
    with op.batch_alter_table("appeals") as batch:
        batch.add_column(sa.Column("panel_trail", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("facts") as batch:
        batch.drop_constraint("uq_fact_source", type_="unique")
        batch.create_unique_constraint(
            "uq_fact_source_department",
            ["source_event_id", "kind", "username", "department_code"],
        )


def downgrade() -> None:
    with op.batch_alter_table("facts") as batch:
        batch.drop_constraint("uq_fact_source_department", type_="unique")
        batch.create_unique_constraint("uq_fact_source", ["source_event_id", "kind", "username"])
    with op.batch_alter_table("appeals") as batch:
        batch.drop_column("panel_trail")
    op.drop_index("ix_title_awards_cycle", table_name="title_awards")
    op.drop_table("title_awards")
