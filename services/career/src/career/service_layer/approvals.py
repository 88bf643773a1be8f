"""Approvals the career service starts (job_transfer C-02, exceptional
promotion C-01) and their outcomes.

An approval is started by a timer scheduled in the same transaction as the
change that needs it, so it starts only after that change committed and a
failed start is retried by the scheduler (issue 11 item 6). Outcomes come
back as ``documents.approval.completed`` with ``source_ref = <kind>:<id>``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from career.adapters.records import TIMERS
from career.service_layer.common import SERVICE, Context
from career.service_layer.ports import ApprovalRequest
from secretariat_shared.approvals import Decided, OutcomeRoutes
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

START_TIMER = "career.approval.start"


def schedule_approval(
    uow: UnitOfWork,
    now: datetime,
    source_ref: str,
    template: str,
    subject: str,
    requester: str,
    payload: dict[str, Any],
) -> None:
    TIMERS.schedule(
        uow.session,
        START_TIMER,
        f"approval:{source_ref}",
        now,
        {
            "source_ref": source_ref,
            "template": template,
            "subject": subject,
            "requester": requester,
            "payload": payload,
        },
    )


class ApprovalLink:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._outcomes = OutcomeRoutes(SERVICE)

    def route(self, kind: str, decided: Decided) -> None:
        self._outcomes.route(kind, decided)

    def on_start_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """Start the approval; an engine error raises and the timer retries."""
        p = firing.payload
        kind, _, local_id = str(p["source_ref"]).partition(":")
        records = self.ctx.records(uow)
        waiting = {"promotion": records.promotions, "application": records.applications}[kind]
        row = waiting.get(local_id)
        if row is None or row["approval_id"]:
            return
        approval_id = self.ctx.approvals.start(
            ApprovalRequest(
                template=p["template"],
                subject=p["subject"],
                requester_username=p["requester"],
                source_ref=p["source_ref"],
                payload=dict(p["payload"]),
            )
        )
        waiting.started(local_id, approval_id)
        self.ctx.fired(uow, START_TIMER, f"{kind}s/{local_id}", "met", [])

    def on_approval_completed(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        self._outcomes.on_approval_completed(uow, event)
