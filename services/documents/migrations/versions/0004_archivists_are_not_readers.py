"""archive-step owners stop being named readers (SPEC X-03)

Before this revision every owner of a document's archive step (the whole
secretariat) was added to its named readers and kept reading it, secret
documents included. Owning a step now reads only while the step is open, so
those reader rows are removed, except for people who were readers at
registration (the registrant, the named readers, the handler, as the
registration's audit entry records them) or circulation recipients.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 06:50:00
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _names(raw: Any) -> set[str]:
    value = json.loads(raw) if isinstance(raw, str) else raw
    return {str(n) for n in value or []}


def upgrade() -> None:
    bind = op.get_bind()
    steps = bind.execute(sa.text("SELECT document_id, kind, owners FROM document_steps")).fetchall()
    archivists: dict[str, set[str]] = {}
    circulated: dict[str, set[str]] = {}
    for document_id, kind, owners in steps:
        target = archivists if kind == "archive" else circulated if kind == "circulation" else None
        if target is not None:
            target.setdefault(document_id, set()).update(_names(owners))
    if not archivists:
        return
    registered: dict[str, set[str]] = {}
    for entity_id, after in bind.execute(
        sa.text(
            "SELECT entity_id, after FROM audit_log "
            "WHERE entity_type = 'document' AND action = 'register'"
        )
    ):
        snapshot = json.loads(after) if isinstance(after, str) else after
        registered[entity_id] = _names((snapshot or {}).get("readers"))
    registrants = dict(bind.execute(sa.text("SELECT id, registered_by FROM documents")).fetchall())
    for document_id, owners in archivists.items():
        keep = registered.get(document_id, set()) | circulated.get(document_id, set())
        keep.add(str(registrants.get(document_id, "")))
        for username in sorted(owners - keep):
            bind.execute(
                sa.text(
                    "DELETE FROM document_readers "
                    "WHERE document_id = :document_id AND username = :username"
                ),
                {"document_id": document_id, "username": username},
            )


def downgrade() -> None:
    """Readers removed are not restored: they should never have read."""
