"""trips carry their destination country (SPEC F-09)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 09:45:00

A trip abroad is decided by its destination country, not by whether it
needs a visa. Trips recorded before this had only the visa to go by, so
those with a visa are marked as going abroad ("XX": country not recorded)
and the rest as domestic.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trips") as batch:
        batch.add_column(
            sa.Column("destination_country", sa.String(2), nullable=False, server_default="CN")
        )
    op.execute("UPDATE trips SET destination_country = 'XX' WHERE needs_visa")


def downgrade() -> None:
    with op.batch_alter_table("trips") as batch:
        batch.drop_column("destination_country")
