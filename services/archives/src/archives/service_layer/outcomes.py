"""Approval outcomes and the deferred approval starts (SPEC D-06).

Every approval we start carries ``source_ref = <kind>:<our id>``
(``loan:…``, ``destruction:…``); its ``documents.approval.completed``
event is routed to the owning use case. Approvals are started from a
timer that the use case scheduled in its own transaction, so a failed
commit never leaves an orphan approval and an unreachable engine is
retried with backoff (X-05).
"""

from __future__ import annotations

import logging

from archives.service_layer.destruction import Destructions
from archives.service_layer.loans import Loans
from secretariat.documents.v1 import events_pb2 as documents_events
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

log = logging.getLogger(__name__)

SOURCE_SERVICE = "archives"
OUTCOMES = ("approved", "rejected", "withdrawn")


class ApprovalOutcomes:
    def __init__(self, loans: Loans, destructions: Destructions) -> None:
        self._decided = {"loan": loans.decided, "destruction": destructions.decided}
        self._start = {"loan": loans.start_approval, "destruction": destructions.start_approval}

    def on_approval_completed(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        payload = event.payload_as(documents_events.ApprovalCompleted)
        assert isinstance(payload, documents_events.ApprovalCompleted)
        ref = payload.approval
        if ref.source_service != SOURCE_SERVICE:
            return
        kind, _, local_id = ref.source_ref.partition(":")
        route = self._decided.get(kind)
        if route is None or not local_id or payload.outcome not in OUTCOMES:
            log.warning(
                "approval %s: unknown source %r or outcome %r",
                ref.approval_id,
                ref.source_ref,
                payload.outcome,
            )
            return
        route(uow, local_id, ref.approval_id, payload.outcome)

    def on_start_approval(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        start = self._start.get(str(firing.payload.get("kind", "")))
        if start is None:
            log.warning("start-approval timer %s has an unknown kind", firing.key)
            return
        start(uow, str(firing.payload.get("id", "")))
