"""The facilities service's audit trail (SPEC X-04), searched by the shared
helper; X-03: nothing of a trip or an expense claim the viewer may not read."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, and_, literal, or_, select, true

from facilities.adapters import orm
from facilities.domain.travel import EXPENSE_READER_ROLES
from facilities.service_layer.travel import TRAVEL_READERS
from secretariat.common.v1 import audit_pb2
from secretariat_shared.access import SecurityClass, Viewer, reach
from secretariat_shared.access_sql import reach_condition
from secretariat_shared.audit_query import search_audit_rpc
from secretariat_shared.db import Database
from secretariat_shared.identity import Identity


def facilities_redaction(table: Table, viewer: Viewer) -> ColumnElement[bool] | None:
    """Trips read by their traveller and TRAVEL_READERS; expense claims by the rule
    of :func:`facilities.domain.travel.expense_item` (confidential, personal)."""
    if viewer.is_service:
        return None
    roles = set(viewer.roles)
    trips = orm.trips
    expenses = orm.expenses
    read_trips = (
        true()
        if roles.intersection(TRAVEL_READERS)
        else table.c.entity_id.in_(select(trips.c.id).where(trips.c.traveller == viewer.username))
    )
    read_expenses = (
        true()
        if roles.intersection(EXPENSE_READER_ROLES)
        else table.c.entity_id.in_(
            select(expenses.c.id).where(
                or_(
                    expenses.c.claimant == viewer.username,
                    reach_condition(
                        reach(viewer),
                        literal(SecurityClass.CONFIDENTIAL.value),
                        expenses.c.department_code,
                    ),
                )
            )
        )
    )
    kind = table.c.entity_type
    return or_(
        kind.not_in(["trip", "expense"]),
        and_(kind == "trip", read_trips),
        and_(kind == "expense", read_expenses),
    )


class FacilitiesAuditTrail:
    def __init__(self, db: Database) -> None:
        self._db = db

    def search(
        self, caller: Identity, request: audit_pb2.AuditSearchRequest
    ) -> audit_pb2.AuditSearchResponse:
        return search_audit_rpc(
            self._db, orm.platform.audit_log, caller, request, facilities_redaction
        )
