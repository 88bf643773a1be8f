"""directory_audit append-only on PostgreSQL and SQLite (SPEC X-04)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 06:30:00
"""

from collections.abc import Sequence

from alembic import context

from secretariat_shared.migrations import drop_append_only_on_sqlite, make_append_only

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    make_append_only("directory_audit")


def downgrade() -> None:
    drop_append_only_on_sqlite("directory_audit")
    if context.get_bind().dialect.name == "postgresql":
        context.execute("DROP TRIGGER IF EXISTS directory_audit_append_only ON directory_audit")
        context.execute("DROP FUNCTION IF EXISTS directory_audit_append_only()")
