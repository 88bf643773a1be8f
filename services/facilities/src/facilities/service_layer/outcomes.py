"""Approval outcomes from the engine (``documents.approval.completed``, SPEC D-06).

Every approval we start carries ``source_ref = <kind>:<our id>``; the
outcome is routed to the use case that owns that kind. Events of other
services' approvals, unknown kinds and unknown outcomes are ignored; a
duplicate finds its aggregate already decided and changes nothing.
"""

from __future__ import annotations

import logging

from facilities.service_layer.supplies import Supplies
from facilities.service_layer.travel import Travel
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork
from secretariat.documents.v1 import events_pb2 as documents_events
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.uow import UnitOfWork

log = logging.getLogger(__name__)

SOURCE_SERVICE = "facilities"
OUTCOMES = ("approved", "rejected", "withdrawn")


class ApprovalOutcomes:
    def __init__(self, supplies: Supplies, travel: Travel) -> None:
        self._routes = {
            "requisition": supplies.requisition_decided,
            "demand-list": supplies.demand_list_decided,
            "trip": travel.trip_decided,
            "expense": travel.expense_decided,
        }

    def on_approval_completed(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        payload = event.payload_as(documents_events.ApprovalCompleted)
        assert isinstance(payload, documents_events.ApprovalCompleted)
        assert isinstance(uow, FacilitiesUnitOfWork)
        ref = payload.approval
        if ref.source_service != SOURCE_SERVICE:
            return
        kind, _, local_id = ref.source_ref.partition(":")
        route = self._routes.get(kind)
        if route is None or not local_id:
            log.warning("approval %s names an unknown source %r", ref.approval_id, ref.source_ref)
            return
        if payload.outcome not in OUTCOMES:
            log.warning(
                "approval %s ended with unknown outcome %r", ref.approval_id, payload.outcome
            )
            return
        route(uow, local_id, ref.approval_id, payload.outcome)
