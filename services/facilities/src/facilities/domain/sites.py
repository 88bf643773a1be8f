"""Zones with daily inspection rounds (SPEC F-07) and quarterly safety
inspections whose findings become rectification items (F-08)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZONE_KINDS = ("reception", "open_office", "meeting_room", "tea_room", "other")
ROUND_GRACE = timedelta(hours=1)
"""A round recorded up to an hour after its time still counts as on time."""

QUARTER_PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

MET = "met"
BREACHED = "breached"


@dataclass
class Zone:
    id: str
    code: str
    name: str
    kind: str
    owner: str
    checklist: list[str]
    round_time: str
    next_round_due_at: datetime | None = None


@dataclass
class CheckResult:
    item: str
    ok: bool
    note: str = ""


@dataclass
class InspectionRound:
    id: str
    zone_code: str
    day: date
    inspector: str
    recorded_at: datetime
    results: list[CheckResult]
    on_time: bool

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.ok)


@dataclass
class Rectification:
    id: str
    inspection_id: str
    description: str
    location: str
    owner: str
    due_date: date
    state: str = "open"
    overdue: bool = False
    closed_at: datetime | None = None
    closed_by: str = ""
    note: str = ""


@dataclass
class SafetyInspection:
    id: str
    quarter: str
    inspected_on: date
    inspector: str
    summary: str
    rectifications: list[Rectification] = field(default_factory=list)

    @property
    def open_items(self) -> int:
        return sum(1 for r in self.rectifications if r.state == "open")


def parse_round_time(text: str) -> time:
    match = TIME_PATTERN.match(text)
    if match is None:
        raise ValueError("must be a time HH:MM")
    return time(int(match.group(1)), int(match.group(2)))


def round_due(day: date, round_time: str, zone: ZoneInfo) -> datetime:
    """The instant of a day's round, local time."""
    return datetime.combine(day, parse_round_time(round_time), tzinfo=zone)


def next_round_day(after: date, is_working_day: Callable[[date], bool]) -> date:
    """Rounds are walked on working days: the first working day after ``after``."""
    day = after + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def first_round_day(
    now_local: datetime, round_time: str, is_working_day: Callable[[date], bool]
) -> date:
    """Today if today is a working day whose round is still ahead, else the next working day."""
    today = now_local.date()
    if is_working_day(today) and now_local.time() < parse_round_time(round_time):
        return today
    return next_round_day(today, is_working_day)


def check_results(checklist: Sequence[str], results: Sequence[CheckResult]) -> list[str]:
    """Problems with a round's results: each checklist item answered exactly once."""
    problems: list[str] = []
    seen: set[str] = set()
    for result in results:
        if result.item not in checklist:
            problems.append(f"{result.item!r} is not on the zone's checklist")
        elif result.item in seen:
            problems.append(f"{result.item!r} is answered twice")
        seen.add(result.item)
    missing = [item for item in checklist if item not in seen]
    if missing:
        problems.append("unanswered: " + ", ".join(missing))
    return problems


def parse_quarter(text: str) -> tuple[int, int]:
    match = QUARTER_PATTERN.match(text)
    if match is None:
        raise ValueError("must be a quarter YYYY-Qn, e.g. 2026-Q1")
    return int(match.group(1)), int(match.group(2))


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
