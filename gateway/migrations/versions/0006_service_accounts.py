"""Service accounts (issue 19): internal systems an administrator lets call
named gRPC methods with a client-credentials token (POST /api/v1/auth/token).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from secretariat_shared.db import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_accounts",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("secret_hash", sa.String(length=100), nullable=False),
        sa.Column("allowed_methods", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("secret_rotated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name="pk_service_accounts"),
    )


def downgrade() -> None:
    op.drop_table("service_accounts")
