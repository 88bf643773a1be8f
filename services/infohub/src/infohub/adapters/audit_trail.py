"""The information hub's audit trail (SPEC X-04), searched by the shared
helper; X-03: nothing of an information item the viewer may not read
(:func:`infohub.service_layer.information.can_read`), nor of another
person's inbox item."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, and_, or_, select, true

from infohub.adapters.orm import inbox_items, info_deliveries, info_items, platform
from infohub.service_layer.information import LEADER_ROLES
from secretariat.common.v1 import audit_pb2
from secretariat_shared.access import Viewer
from secretariat_shared.audit_query import search_audit_rpc
from secretariat_shared.db import Database
from secretariat_shared.identity import Identity
from secretariat_shared.roles import Role


def infohub_redaction(table: Table, viewer: Viewer) -> ColumnElement[bool] | None:
    if viewer.is_service:
        return None
    me = viewer.username
    entity = table.c.entity_id
    if set(viewer.roles).intersection({Role.SECRETARIAT, *LEADER_ROLES}):
        read_items: ColumnElement[bool] = true()
    else:
        read_items = or_(
            entity.in_(select(info_deliveries.c.item_id).where(info_deliveries.c.recipient == me)),
            entity.in_(
                select(info_items.c.id).where(
                    or_(info_items.c.created_by == me, info_items.c.action_owner == me)
                )
            ),
        )
    kind = table.c.entity_type
    return or_(
        kind.not_in(["info_item", "inbox_item"]),
        and_(kind == "info_item", read_items),
        and_(
            kind == "inbox_item",
            entity.in_(select(inbox_items.c.id).where(inbox_items.c.recipient == me)),
        ),
    )


class InfohubAuditTrail:
    def __init__(self, db: Database) -> None:
        self._db = db

    def search(
        self, caller: Identity, request: audit_pb2.AuditSearchRequest
    ) -> audit_pb2.AuditSearchResponse:
        return search_audit_rpc(self._db, platform.audit_log, caller, request, infohub_redaction)
