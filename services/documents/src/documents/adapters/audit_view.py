"""Which audit entries a viewer sees (SPEC X-04 with X-03): entries about a
document or an approval they may not read are left out, from the count too,
so the audit view reveals nothing of them."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, Table, and_, not_, or_, select

from documents.adapters.approval_repository import listed_for
from documents.adapters.approval_tables import approvals
from documents.adapters.orm import documents, platform
from documents.adapters.repository import readable_by
from documents.domain.approvals.access import PERSONAL_TEMPLATES
from secretariat_shared.access import Viewer
from secretariat_shared.audit_query import AuditRow, AuditSearch, search_audit
from secretariat_shared.db import Database
from secretariat_shared.identity import Identity


def visible_entries(audit_log: Table, viewer: Viewer) -> ColumnElement[bool]:
    """Audit rows ``viewer`` may see: about other things, or about an item they read."""
    readable_documents = select(documents.c.id).where(readable_by(viewer))
    readable_approvals = select(approvals.c.id).where(
        or_(not_(approvals.c.template_key.in_(sorted(PERSONAL_TEMPLATES))), listed_for(viewer))
    )
    entity = audit_log.c.entity_type
    return or_(
        entity.not_in(["document", "approval"]),
        and_(entity == "document", audit_log.c.entity_id.in_(readable_documents)),
        and_(entity == "approval", audit_log.c.entity_id.in_(readable_approvals)),
    )


def search_visible(
    db: Database, caller: Identity, search: AuditSearch, readers: Collection[str]
) -> tuple[list[AuditRow], int]:
    """One page of the documents service's audit trail that ``caller`` may see."""
    return search_audit(db, platform.audit_log, caller, search, visible_entries, readers=readers)
