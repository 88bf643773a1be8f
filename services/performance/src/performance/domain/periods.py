"""Appraisal periods (SPEC P-01): a month "2026-11", a quarter "2026-Q4", a year "2026"."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

KINDS = ("monthly", "quarterly", "annual")
_PATTERNS = {
    "monthly": re.compile(r"(\d{4})-(\d{2})"),
    "quarterly": re.compile(r"(\d{4})-Q([1-4])"),
    "annual": re.compile(r"(\d{4})"),
}


class PeriodError(ValueError):
    """A period string that names no month, quarter or year."""


@dataclass(frozen=True)
class Period:
    kind: str
    label: str
    start: date
    end: date
    """Last day, inclusive."""

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - timedelta(days=1))


def kind_of(label: str) -> str:
    for kind, pattern in _PATTERNS.items():
        if pattern.fullmatch(label):
            return kind
    raise PeriodError(f"{label!r} is not a month YYYY-MM, a quarter YYYY-Qn or a year YYYY")


def parse_period(label: str, kind: str | None = None) -> Period:
    """The period ``label`` names; with ``kind``, it must be of that kind."""
    found = kind_of(label)
    if kind is not None and found != kind:
        raise PeriodError(f"{label!r} does not name a {kind} period")
    match = _PATTERNS[found].fullmatch(label)
    assert match is not None
    year = int(match.group(1))
    if not 1 <= year <= 9998:
        raise PeriodError(f"{label!r} names no year the calendar knows")
    if found == "annual":
        return Period(found, label, date(year, 1, 1), date(year, 12, 31))
    if found == "quarterly":
        first = (int(match.group(2)) - 1) * 3 + 1
        return Period(found, label, date(year, first, 1), _month_end(year, first + 2))
    month = int(match.group(2))
    if not 1 <= month <= 12:
        raise PeriodError(f"{label!r} has no month {month}")
    return Period(found, label, date(year, month, 1), _month_end(year, month))


def period_containing(kind: str, day: date) -> Period:
    if kind == "annual":
        return parse_period(f"{day.year}")
    if kind == "quarterly":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    return parse_period(f"{day.year}-{day.month:02d}")


def _month_end(year: int, month: int) -> date:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return nxt - timedelta(days=1)


def bulletin_due_day(month: Period, is_working_day: Callable[[date], bool]) -> date:
    """SPEC P-06: the bulletin of ``month`` is due by the 5th of the next month;
    when the 5th is a rest day, by the last working day before it."""
    after = month.end + timedelta(days=1)
    day = date(after.year, after.month, 5)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day
