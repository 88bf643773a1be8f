"""Step clocks and the monthly SLA figures (SPEC D-08, D-10, X-02).

A routine step is due 24 hours after it opens and an urgent one 2 hours.
A step still untouched 48 hours after it opened escalates. How hours count
is X-02's rule, decided by the length of the clock and not by the
priority: clocks of 24 hours or more pause over non-working days, shorter
ones run on the wall clock. So the urgent 2-hour clock is wall-clock, and
the 48-hour escalation clock runs on working days for urgent steps too:
an urgent step opened Friday evening is reminded two hours later and
escalates Tuesday evening if still untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

ROUTINE_DUE_HOURS = 24.0
URGENT_DUE_HOURS = 2.0
ESCALATION_HOURS = 48.0
OVERDUE_SHARE_TARGET = 0.05
"""SPEC D-10: overdue steps stay at or under 5% of all steps per month."""

AddSla = Callable[[datetime, float], datetime]
HoursBetween = Callable[[datetime, datetime], float]

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def due_hours(urgent: bool) -> float:
    return URGENT_DUE_HOURS if urgent else ROUTINE_DUE_HOURS


def step_deadlines(opened_at: datetime, urgent: bool, add_sla: AddSla) -> tuple[datetime, datetime]:
    """(due time for the reminder, escalation time) of a step opening at ``opened_at``."""
    return add_sla(opened_at, due_hours(urgent)), add_sla(opened_at, ESCALATION_HOURS)


def sla_hours(
    opened_at: datetime, closed_at: datetime, urgent: bool, working_hours: HoursBetween
) -> float:
    """How long a step took, measured the way its due clock counts (X-02)."""
    if due_hours(urgent) >= 24:
        return working_hours(opened_at, closed_at)
    return (closed_at - opened_at).total_seconds() / 3600


@dataclass(frozen=True)
class StepTiming:
    opened_at: datetime
    due_at: datetime
    closed_at: datetime | None
    urgent: bool


@dataclass(frozen=True)
class SlaFigures:
    steps_total: int = 0
    steps_overdue: int = 0
    routine_met: int = 0
    routine_breached: int = 0
    urgent_met: int = 0
    urgent_breached: int = 0

    @property
    def overdue_share(self) -> float:
        return self.steps_overdue / self.steps_total if self.steps_total else 0.0


def month_bounds(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The month ``YYYY-MM`` in the organisation's time zone, as [start, end) in UTC."""
    match = MONTH.match(month)
    if match is None:
        raise ValueError("must be a month as YYYY-MM")
    year, number = int(match.group(1)), int(match.group(2))
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def month_figures(
    steps: Iterable[StepTiming], start: datetime, end: datetime, now: datetime
) -> SlaFigures:
    """SPEC D-10: the month's steps and how many breached their due time.

    A step belongs to the month if it closed in it, or if it is still open
    and opened before the month ended. It breached if it closed after its
    due time, or if it is open and its due time passed before the month
    ended (or before now, for the running month). Met counts steps closed
    on time; open steps not yet due count in the total only.
    """
    total = overdue = 0
    met = {True: 0, False: 0}
    breached = {True: 0, False: 0}
    horizon = min(end, now)
    for step in steps:
        if step.closed_at is not None:
            if not start <= step.closed_at < end:
                continue
            late = step.closed_at > step.due_at
        else:
            if step.opened_at >= end:
                continue
            late = step.due_at < horizon
        total += 1
        if late:
            overdue += 1
            breached[step.urgent] += 1
        elif step.closed_at is not None:
            met[step.urgent] += 1
    return SlaFigures(
        steps_total=total,
        steps_overdue=overdue,
        routine_met=met[False],
        routine_breached=breached[False],
        urgent_met=met[True],
        urgent_breached=breached[True],
    )
