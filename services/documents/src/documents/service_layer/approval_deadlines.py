"""Approval deadlines on the business calendar's data (SPEC X-02, D-08).

A routine approval step is due 24 working hours after it opens and
escalates after 48. When either clock runs over a year with no holiday
data, the step's due time counts weekends only and is *provisional*; when
the year's schedule arrives (``directory.calendar.updated``) the open
steps' due and escalation times are recomputed and their timers moved.
"""

from __future__ import annotations

from datetime import date

from documents.adapters.approval_repository import ApprovalRepository
from documents.domain.approvals.model import Approval, ApprovalStep
from documents.domain.approvals.sla import step_deadlines
from documents.service_layer.approvals import ESCALATION_TIMER, REMINDER_TIMER, ApprovalEngine
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.calendar_sync import apply_calendar_update
from secretariat_shared.clock import Clock
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.timers import TimerStore
from secretariat_shared.uow import UnitOfWork


class ApprovalDeadlines:
    def __init__(self, calendar: BusinessCalendar, clock: Clock, timers: TimerStore) -> None:
        self._calendar = calendar
        self._clock = clock
        self._timers = timers

    def due_provisional(self, approval: Approval, step: ApprovalStep) -> bool:
        """The open step's due time rests on a year with no holiday data (X-02)."""
        if approval.urgent or not step.is_open or step.opened_at is None or step.due_at is None:
            return False
        return self._calendar.is_provisional(step.opened_at, step.due_at)

    def on_calendar_updated(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """``directory.calendar.updated``: install the year, move the open steps' clocks."""
        schedule = apply_calendar_update(self._calendar, event)
        self.recompute(uow, schedule.year)

    def recompute(self, uow: UnitOfWork, year: int) -> int:
        """Recompute due and escalation times of open steps whose clocks run over
        ``year``; move their unfired timers; return how many steps changed."""
        start = self._calendar.start_of_day(date(year, 1, 1))
        end = self._calendar.start_of_day(date(year + 1, 1, 1))
        repo = ApprovalRepository(uow.session)
        now = self._clock.now()
        moved = 0
        for approval_id in repo.open_steps_overlapping(start, end):
            approval = repo.get(approval_id, for_update=True)
            step = approval.current_step() if approval is not None else None
            if approval is None or step is None or step.opened_at is None:
                continue
            due_at, escalate_at = step_deadlines(
                step.opened_at, approval.urgent, self._calendar.add_sla
            )
            if (due_at, escalate_at) == (step.due_at, step.escalate_at):
                continue
            before = {"due_at": step.due_at, "escalate_at": step.escalate_at}
            step.due_at, step.escalate_at = due_at, escalate_at
            repo.save(approval, now)
            payload = {"approval_id": approval.id, "step_index": step.index}
            for kind, timer, at in (
                ("reminder", REMINDER_TIMER, due_at),
                ("escalation", ESCALATION_TIMER, escalate_at),
            ):
                # A timer that already fired stays fired (TimerStore.schedule).
                self._timers.schedule(
                    uow.session,
                    timer,
                    ApprovalEngine._timer_key(approval, step, kind),
                    at,
                    payload,
                )
            uow.audit(
                "system",
                "step_deadline_moved",
                "approval",
                approval.id,
                {"step_index": step.index, **before},
                {
                    "step_index": step.index,
                    "due_at": due_at,
                    "escalate_at": escalate_at,
                    "calendar_year": year,
                },
            )
            moved += 1
        return moved
