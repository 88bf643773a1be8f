"""audit_log append-only on SQLite too (SPEC X-04)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 06:30:00
"""

from collections.abc import Sequence

from secretariat_shared.migrations import drop_append_only_on_sqlite, make_append_only

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    make_append_only("audit_log")


def downgrade() -> None:
    drop_append_only_on_sqlite("audit_log")
