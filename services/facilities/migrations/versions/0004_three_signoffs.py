"""F-01 in three sign-offs: the head's signature on each requisition, the
departments' budgets beside the month's list

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:00:00

Requisitions submitted before this keep the approval that decided them
(``approval_id``); new ones are signed by the head in the service and go to
finance and the office director only on the month's list.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requisitions") as batch:
        batch.add_column(sa.Column("signers", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("signed_by", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sign_comment", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("demand_lists") as batch:
        batch.add_column(sa.Column("departments", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "supply_budgets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("department_code", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("set_by", sa.String(100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("department_code", "year", name="uq_supply_budgets_department_year"),
    )


def downgrade() -> None:
    op.drop_table("supply_budgets")
    with op.batch_alter_table("demand_lists") as batch:
        batch.drop_column("departments")
    with op.batch_alter_table("requisitions") as batch:
        batch.drop_column("sign_comment")
        batch.drop_column("signed_at")
        batch.drop_column("signed_by")
        batch.drop_column("signers")
