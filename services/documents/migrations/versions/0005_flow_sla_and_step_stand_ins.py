"""documents: the flow-level SLA clock (D-10); escalation and stand-ins of flow steps (D-05)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flow_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("flow_closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("flow_met", sa.Boolean(), nullable=True))
    with op.batch_alter_table("document_steps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("escalated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("stand_ins", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("acted_for", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("document_steps", schema=None) as batch_op:
        batch_op.drop_column("acted_for")
        batch_op.drop_column("stand_ins")
        batch_op.drop_column("escalated")
        batch_op.drop_column("escalate_at")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("flow_met")
        batch_op.drop_column("flow_closed_at")
        batch_op.drop_column("flow_due_at")
