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

from archives.service_layer.common import SERVICE
from archives.service_layer.destruction import Destructions
from archives.service_layer.loans import Loans
from secretariat_shared.approvals import OutcomeRoutes
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

log = logging.getLogger(__name__)


class ApprovalOutcomes:
    def __init__(self, loans: Loans, destructions: Destructions) -> None:
        self._routes = OutcomeRoutes(
            SERVICE, {"loan": loans.decided, "destruction": destructions.decided}
        )
        self._start = {"loan": loans.start_approval, "destruction": destructions.start_approval}

    def on_approval_completed(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        self._routes.on_approval_completed(uow, event)

    def on_start_approval(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        start = self._start.get(str(firing.payload.get("kind", "")))
        if start is None:
            log.warning("start-approval timer %s has an unknown kind", firing.key)
            return
        start(uow, str(firing.payload.get("id", "")))
