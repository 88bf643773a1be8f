"""Meetings' working-day clocks when a year's holidays arrive (SPEC X-02).

The 24-hour minutes distribution clock (M-05) counts working-day hours; a
meeting that ends before a year whose holidays were not yet known got a
clock that counts weekends only. When the year's schedule arrives
(``directory.calendar.updated``) the clocks of minutes not yet distributed
that run over it are recomputed and their timers moved, and so are the
preparation milestones (M-02: "T-N d" counts working days) of scheduled
meetings near that year.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from meetings.adapters.meeting_repository import MeetingRepository
from meetings.adapters.minutes_repositories import MinutesRepository
from meetings.domain.checklist import TEMPLATES
from meetings.domain.minutes import MINUTES_DISTRIBUTION_HOURS
from meetings.service_layer.common import (
    MINUTES_DISTRIBUTION_DUE,
    Context,
    schedule_meeting_timers,
)
from meetings.service_layer.conduct import minutes_timer_key
from secretariat_shared.calendar_sync import apply_calendar_update
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.uow import UnitOfWork


class CalendarUpdates:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def on_calendar_updated(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """Install the year, then move the distribution clocks and the milestones that
        run over it."""
        calendar = self._ctx.calendar
        schedule = apply_calendar_update(calendar, event)
        start = calendar.start_of_day(date(schedule.year, 1, 1))
        end = calendar.start_of_day(date(schedule.year + 1, 1, 1))
        repo = MinutesRepository(uow.session)
        for meeting_id, before, ended_at in repo.distribution_clocks_over(start, end):
            due = calendar.add_sla(ended_at, MINUTES_DISTRIBUTION_HOURS)
            if due == before:
                continue
            repo.move_distribution_due(meeting_id, due)
            self._ctx.timers.schedule(
                uow.session,
                MINUTES_DISTRIBUTION_DUE,
                minutes_timer_key(meeting_id, "minutes-distribution"),
                due,
                {"meeting_id": meeting_id},
            )
            uow.audit(
                "system",
                "minutes_distribution_due_moved",
                "meeting",
                meeting_id,
                {"distribution_due_at": before},
                {"distribution_due_at": due, "calendar_year": schedule.year},
            )
        self._move_milestones(uow, start, end)

    def _move_milestones(self, uow: UnitOfWork, start: datetime, end: datetime) -> None:
        """M-02 with X-02: open milestones of scheduled meetings whose working days fall
        in the year are recomputed and their timers moved."""
        now = self._ctx.clock.now()
        repo = MeetingRepository(uow.session)
        # Milestones lie at most 7 working days before the start: a meeting up to a
        # month after the year can count back into it.
        ids = repo.scheduled_ids_starting(max(start, now), end + timedelta(days=31))
        for meeting_id in ids:
            meeting = repo.get(meeting_id, lock=True)
            if meeting is None:
                continue
            moved = {}
            for milestone in meeting.milestones:
                template = TEMPLATES.get(milestone.key)
                if template is None or not milestone.is_open:
                    continue
                due = template.due_at(meeting.start_at, self._ctx.calendar, self._ctx.zone)
                if due == milestone.due_at:
                    continue
                moved[milestone.key] = (milestone.due_at.isoformat(), due.isoformat())
                milestone.due_at = due
            if not moved:
                continue
            repo.save(meeting, now)
            schedule_meeting_timers(self._ctx, uow, meeting)
            uow.audit(
                "system",
                "milestones_moved",
                "meeting",
                meeting.id,
                {k: before for k, (before, _) in moved.items()},
                {k: after for k, (_, after) in moved.items()},
            )
