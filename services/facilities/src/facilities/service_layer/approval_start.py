"""Approvals start after our own commit (issue 11 item 6).

A use case commits its record (``approval_id`` still empty) together with a
timer that starts the approval, then starts it at once. The approval engine
is idempotent on ``(source_service, source_ref)``, so the immediate call
and the timer (after a crash, a lost answer or an engine that was down) can
both run and still make one approval; a failed commit leaves no approval
behind because none was started before it.

Once the engine answers, :meth:`ApprovalStarter.settle` hands the record
to its kind's ``confirm`` (note the approval id, emit the record's event,
audit) or, when the engine refused the request, ``discard`` (the record
goes, as if it had never been submitted).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta

from facilities.adapters.orm import platform
from facilities.service_layer.ports import ApprovalRequest, Approvals, ApprovalsUnavailable
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork
from secretariat_shared.clock import Clock
from secretariat_shared.errors import PreconditionFailed, ValidationFailed
from secretariat_shared.timers import TimerFiring, TimerHandler, TimerStore
from secretariat_shared.uow import UnitOfWork

log = logging.getLogger(__name__)

APPROVAL_START_TIMER = "facilities.approval_start"
RETRY_AFTER = timedelta(minutes=1)

Confirm = Callable[[FacilitiesUnitOfWork, str, str, str], None]
"""(uow, record id, approval id, actor): the approval started; must be idempotent."""
Discard = Callable[[FacilitiesUnitOfWork, str], None]
"""(uow, record id): the engine refused; remove the record if it has no approval."""


@dataclasses.dataclass(frozen=True)
class Settlement:
    confirm: Confirm
    discard: Discard


class ApprovalStarter:
    """Starts the approvals of some record kinds (``requisition``, ``trip`` …)."""

    def __init__(
        self,
        approvals: Approvals,
        uow: Callable[[], FacilitiesUnitOfWork],
        clock: Clock,
        kinds: Mapping[str, Settlement],
    ) -> None:
        self.engine = approvals
        self._uow = uow
        self._clock = clock
        self.kinds = dict(kinds)
        self._timers = TimerStore(platform)

    def schedule(self, uow: FacilitiesUnitOfWork, request: ApprovalRequest, actor: str) -> None:
        """In the record's own transaction: the retry that survives a crash."""
        self._timers.schedule(
            uow.session,
            APPROVAL_START_TIMER,
            _timer_key(request.source_ref),
            self._clock.now() + RETRY_AFTER,
            {"request": dataclasses.asdict(request), "actor": actor},
        )

    def start(self, request: ApprovalRequest, actor: str) -> str:
        """After the commit that scheduled it: the approval's id, or "" when the
        engine did not answer (the timer retries). A refusal discards the record
        and is raised."""
        try:
            approval_id = self.engine.start(request)
        except ApprovalsUnavailable as exc:
            log.warning("approval for %s not started yet (%s); retrying", request.source_ref, exc)
            return ""
        except (ValidationFailed, PreconditionFailed):
            with self._uow() as uow:
                self.settle(uow, request.source_ref, "", actor)
                uow.commit()
            raise
        with self._uow() as uow:
            self.settle(uow, request.source_ref, approval_id, actor)
            uow.commit()
        return approval_id

    def settle(
        self, uow: FacilitiesUnitOfWork, source_ref: str, approval_id: str, actor: str
    ) -> None:
        kind, _, record_id = source_ref.partition(":")
        settlement = self.kinds[kind]
        if approval_id:
            settlement.confirm(uow, record_id, approval_id, actor)
        else:
            settlement.discard(uow, record_id)
        self._timers.cancel(uow.session, _timer_key(source_ref), self._clock.now())


def approval_start_handler(*starters: ApprovalStarter) -> TimerHandler:
    """The timer handler: start (again) and settle; an engine that is down retries."""

    def on_start_due(uow: UnitOfWork, firing: TimerFiring) -> None:
        assert isinstance(uow, FacilitiesUnitOfWork)
        request = ApprovalRequest(**firing.payload["request"])
        actor = str(firing.payload.get("actor", ""))
        kind = request.source_ref.partition(":")[0]
        starter = next((s for s in starters if kind in s.kinds), None)
        if starter is None:
            log.warning("no use case starts approvals for %r", request.source_ref)
            return
        try:
            approval_id = starter.engine.start(request)
        except ApprovalsUnavailable:
            raise
        except (ValidationFailed, PreconditionFailed) as exc:
            log.warning("the approval engine refused %s: %s", request.source_ref, exc)
            approval_id = ""
        starter.settle(uow, request.source_ref, approval_id, actor)

    return on_start_due


def _timer_key(source_ref: str) -> str:
    return f"approval-start:{source_ref}"
