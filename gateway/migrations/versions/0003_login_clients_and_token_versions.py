"""Login failures by client address; a token version per person (issue 13).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("login_failures") as batch:
        batch.add_column(
            sa.Column("client", sa.String(length=64), nullable=False, server_default="unknown")
        )
    op.create_index("ix_login_failures_client_failed_at", "login_failures", ["client", "failed_at"])
    op.create_index("ix_login_failures_failed_at", "login_failures", ["failed_at"])
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("token_version")
    op.drop_index("ix_login_failures_failed_at", "login_failures")
    op.drop_index("ix_login_failures_client_failed_at", "login_failures")
    with op.batch_alter_table("login_failures") as batch:
        batch.drop_column("client")
