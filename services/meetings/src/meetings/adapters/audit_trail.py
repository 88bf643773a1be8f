"""The meetings service's audit trail (SPEC X-04), searched by the shared
helper; X-03: nothing of a meeting the viewer may not see, nor of its
action items."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, and_, or_, select

from meetings.adapters.meeting_repository import visible_to
from meetings.adapters.orm import action_items, meetings, platform
from secretariat.common.v1 import audit_pb2
from secretariat_shared.access import Viewer
from secretariat_shared.audit_query import search_audit_rpc
from secretariat_shared.db import Database
from secretariat_shared.identity import Identity

MEETING_ENTITIES = ("meeting", "action_item")


def meetings_redaction(table: Table, viewer: Viewer) -> ColumnElement[bool] | None:
    """Rows about a meeting (or one of its action items) the viewer may not see are left out."""
    if viewer.is_service:
        return None
    seen = select(meetings.c.id).where(visible_to(viewer))
    seen_actions = select(action_items.c.id).where(action_items.c.meeting_id.in_(seen))
    kind, entity = table.c.entity_type, table.c.entity_id
    return or_(
        kind.not_in(MEETING_ENTITIES),
        and_(kind == "meeting", entity.in_(seen)),
        and_(kind == "action_item", entity.in_(seen_actions)),
    )


class MeetingsAuditTrail:
    def __init__(self, db: Database) -> None:
        self._db = db

    def search(
        self, caller: Identity, request: audit_pb2.AuditSearchRequest
    ) -> audit_pb2.AuditSearchResponse:
        return search_audit_rpc(self._db, platform.audit_log, caller, request, meetings_redaction)
