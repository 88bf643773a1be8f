"""approvals: one approval per (source_service, source_ref) (issue 11 item 6)

A service that retries ``StartApproval`` after losing the answer must get
the approval it already started. The lookup in the use case covers retries
one after the other; this unique index covers two starts at the same moment.

Rows started before the index may already repeat a pair. The earliest
(by ``created_at``, then ``id``) keeps it; each later one gets its own id
appended to its ``source_ref`` and an audit row saying so (X-04), so
nothing is deleted and every approval stays readable.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:40:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ux_approvals_source"
MAX_REF = 200
WHERE = "source_service <> '' AND source_ref <> ''"

_approvals = sa.table(
    "approvals",
    sa.column("id", sa.String()),
    sa.column("source_service", sa.String()),
    sa.column("source_ref", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_audit_log = sa.table(
    "audit_log",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("entity_type", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("before", sa.JSON()),
    sa.column("after", sa.JSON()),
)


def deduplicated_ref(source_ref: str, approval_id: str) -> str:
    """``source_ref`` made unique by the approval's id, within the column's 200 characters."""
    suffix = f"#duplicate-{approval_id}"
    return source_ref[: MAX_REF - len(suffix)] + suffix


def _release_duplicates() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_approvals.c.id, _approvals.c.source_service, _approvals.c.source_ref)
        .where(_approvals.c.source_service != "", _approvals.c.source_ref != "")
        .order_by(
            _approvals.c.source_service,
            _approvals.c.source_ref,
            _approvals.c.created_at,
            _approvals.c.id,
        )
    ).all()
    seen: set[tuple[str, str]] = set()
    now = datetime.now(UTC)
    for approval_id, service, ref in rows:
        if (service, ref) not in seen:
            seen.add((service, ref))
            continue
        new_ref = deduplicated_ref(ref, approval_id)
        bind.execute(
            sa.update(_approvals).where(_approvals.c.id == approval_id).values(source_ref=new_ref)
        )
        bind.execute(
            sa.insert(_audit_log).values(
                at=now,
                actor="system",
                action="deduplicate_approval_source",
                entity_type="approval",
                entity_id=approval_id,
                before={"source_service": service, "source_ref": ref},
                after={"source_service": service, "source_ref": new_ref},
            )
        )


def upgrade() -> None:
    _release_duplicates()
    op.create_index(
        INDEX,
        "approvals",
        ["source_service", "source_ref"],
        unique=True,
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="approvals")
