"""Directory (departments, people), login failures, idempotency keys, directory audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from secretariat_shared.db import UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_code", sa.String(length=10), nullable=True),
        sa.Column("head_username", sa.String(length=64), nullable=True),
        sa.Column("supervising_leader_username", sa.String(length=64), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["departments.code"], name="fk_departments_parent_code_departments"
        ),
        sa.PrimaryKeyConstraint("code", name="pk_departments"),
    )
    op.create_index("ix_departments_head_username", "departments", ["head_username"])

    op.create_table(
        "people",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("department_code", sa.String(length=10), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("superior_username", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("post", sa.String(length=100), nullable=True),
        sa.Column("grade", sa.String(length=100), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_code"], ["departments.code"], name="fk_people_department_code_departments"
        ),
        sa.ForeignKeyConstraint(
            ["superior_username"], ["people.username"], name="fk_people_superior_username_people"
        ),
        sa.PrimaryKeyConstraint("username", name="pk_people"),
    )
    op.create_index("ix_people_department_code", "people", ["department_code"])

    op.create_table(
        "idempotency_keys",
        sa.Column("id", BigIntId, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_idempotency_keys"),
        sa.UniqueConstraint("username", "key", name="uq_idempotency_keys_username_key"),
    )

    op.create_table(
        "login_failures",
        sa.Column("id", BigIntId, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("failed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_failures"),
    )
    op.create_index(
        "ix_login_failures_username_failed_at", "login_failures", ["username", "failed_at"]
    )

    op.create_table(
        "directory_audit",
        sa.Column("id", BigIntId, autoincrement=True, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("entity_type", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_directory_audit"),
    )
    op.create_index("ix_directory_audit_entity", "directory_audit", ["entity_type", "entity_id"])


def downgrade() -> None:
    op.drop_table("directory_audit")
    op.drop_table("login_failures")
    op.drop_table("idempotency_keys")
    op.drop_table("people")
    op.drop_table("departments")
