"""The business calendar (SPEC X-02).

A day is a working day when the organisation says so (its overrides), else
when the year's holiday schedule says so (mainland China public holidays
and make-up working days, :mod:`secretariat_shared.holiday_schedule`: shipped
for 2004–2026, loaded by an administrator for later years), else when it
falls Monday to Friday.

A year with no schedule is never a silent guess: its weekends are its only
rest days, and a deadline computed across it is *provisional*
(:meth:`BusinessCalendar.sla_deadline`, :meth:`BusinessCalendar.is_provisional`)
until the year's data arrives and the deadline is recomputed.

Working time is measured in the organisation's time zone: a working day
contributes every instant from its local 00:00 to the next local 00:00.
Inputs and outputs are aware datetimes; outputs are in UTC.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from secretariat_shared.holiday_schedule import HolidaySchedules

WALL_CLOCK_LIMIT_HOURS = 24.0
"""SLA clocks shorter than this run on the wall clock; longer ones pause on rest days."""

COVERAGE_LOOKAHEAD_DAYS = 60
"""X-02 alert horizon: the next this-many days must fall in years with data."""

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Deadline:
    """A due time and whether it rests on a year with no holiday data (X-02)."""

    at: datetime
    provisional: bool


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")


def _parse_dates(raw: Any, field: str) -> set[date]:
    if not isinstance(raw, list):
        raise ValueError(f"calendar overrides: {field!r} must be a list of YYYY-MM-DD dates")
    parsed: set[date] = set()
    for item in raw:
        if not isinstance(item, str):
            raise ValueError(f"calendar overrides: {field!r} holds {item!r}, not a date string")
        try:
            parsed.add(date.fromisoformat(item))
        except ValueError as exc:
            raise ValueError(
                f"calendar overrides: {field!r} holds {item!r}, not a YYYY-MM-DD date"
            ) from exc
    return parsed


class BusinessCalendar:
    """Working days and SLA arithmetic for one organisation."""

    def __init__(
        self,
        tz: str = "Asia/Shanghai",
        extra_holidays: Iterable[date] = frozenset(),
        extra_workdays: Iterable[date] = frozenset(),
        schedules: HolidaySchedules | None = None,
    ) -> None:
        try:
            self.zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz!r}") from exc
        self.tz = tz
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        both = self.extra_holidays & self.extra_workdays
        if both:
            listed = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"calendar overrides: {listed} listed as both holiday and workday")
        self.schedules = schedules if schedules is not None else HolidaySchedules.shipped()
        self._working: dict[date, bool] = {}
        self._seen_version = self.schedules.version

    @classmethod
    def from_overrides_json(
        cls, text: str, tz: str = "Asia/Shanghai", schedules: HolidaySchedules | None = None
    ) -> BusinessCalendar:
        """Build from ``{"holidays": ["2026-05-06"], "workdays": ["2026-05-09"]}``.

        An empty string means no overrides. Unknown keys are rejected so a
        misspelt ``"holiday"`` does not silently change nothing.
        """
        if not text.strip():
            return cls(tz, schedules=schedules)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"calendar overrides are not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError(
                "calendar overrides must be a JSON object like "
                '{"holidays": ["2026-05-06"], "workdays": ["2026-05-09"]}'
            )
        unknown = set(data) - {"holidays", "workdays"}
        if unknown:
            raise ValueError(
                f"calendar overrides: unknown key(s) {sorted(unknown)}; "
                "expected 'holidays' and 'workdays'"
            )
        return cls(
            tz,
            extra_holidays=_parse_dates(data.get("holidays", []), "holidays"),
            extra_workdays=_parse_dates(data.get("workdays", []), "workdays"),
            schedules=schedules,
        )

    def is_working_day(self, d: date) -> bool:
        if self._seen_version != self.schedules.version:
            self._working = {}
            self._seen_version = self.schedules.version
        cached = self._working.get(d)
        if cached is not None:
            return cached
        schedule = self.schedules.get(d.year)
        if d in self.extra_workdays:
            answer = True
        elif d in self.extra_holidays:
            answer = False
        elif schedule is not None and d in schedule.workdays:
            answer = True
        elif schedule is not None and d in schedule.holidays:
            answer = False
        else:
            answer = d.weekday() < 5
        self._working[d] = answer
        return answer

    def has_data(self, year: int) -> bool:
        """Whether ``year``'s holidays and make-up days are known (shipped or loaded)."""
        return self.schedules.has(year)

    def years_without_data(self, first: date, last: date) -> list[int]:
        """Years from ``first`` to ``last`` (inclusive) that have no schedule."""
        return [y for y in range(first.year, last.year + 1) if not self.schedules.has(y)]

    def years_without_data_ahead(
        self, now: datetime, days: int = COVERAGE_LOOKAHEAD_DAYS
    ) -> list[int]:
        """Years with no schedule among the next ``days`` days (the X-02 alert)."""
        today = self.local_date(now)
        return self.years_without_data(today, today + timedelta(days=days))

    def is_provisional(self, start: datetime, end: datetime) -> bool:
        """Whether working time from ``start`` to ``end`` crosses a year with no data.

        ``end`` is exclusive: a clock that runs out at midnight on 1 January
        never counted a moment of the new year.
        """
        if end < start:
            start, end = end, start
        last_moment = max(start, end - timedelta(microseconds=1))
        return bool(self.years_without_data(self.local_date(start), self.local_date(last_moment)))

    def sla_deadline(self, start: datetime, hours: float) -> Deadline:
        """:meth:`add_sla` with whether the answer is provisional (X-02).

        Wall-clock clocks (under 24 hours) never are; longer ones are when
        any day they run over lies in a year with no holiday data.
        """
        at = self.add_sla(start, hours)
        provisional = hours >= WALL_CLOCK_LIMIT_HOURS and self.is_provisional(start, at)
        return Deadline(at, provisional)

    add_working_hours = sla_deadline

    def working_days_deadline(self, start: datetime, days: int) -> Deadline:
        """:meth:`add_working_days` with whether the answer is provisional (X-02)."""
        at = self.add_working_days(start, days)
        return Deadline(at, self.is_provisional(start, at))

    def local_date(self, moment: datetime) -> date:
        """The organisation's calendar date at ``moment``."""
        _require_aware(moment, "moment")
        return moment.astimezone(self.zone).date()

    def start_of_day(self, d: date) -> datetime:
        """Local 00:00 of ``d``, in UTC."""
        return datetime.combine(d, time(0), tzinfo=self.zone).astimezone(UTC)

    def add_sla(self, start: datetime, hours: float) -> datetime:
        """When an SLA clock of ``hours`` started at ``start`` runs out.

        Under 24 hours the clock is wall-clock. From 24 hours on it runs
        only while the local date is a working day: opened Friday 17:00 with
        24 hours it is due Monday 17:00; opened Saturday 10:00 it starts at
        Monday 00:00 and is due Tuesday 00:00. A clock that runs out exactly
        at the end of a working day is due at the next local 00:00, even
        when that day is a rest day.
        """
        _require_aware(start, "start")
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"SLA hours must be a finite number >= 0, got {hours!r}")
        start = start.astimezone(UTC)
        remaining = timedelta(hours=hours)
        if hours < WALL_CLOCK_LIMIT_HOURS:
            return start + remaining
        day = self.local_date(start)
        cursor = start
        while True:
            day_end = self.start_of_day(day + _ONE_DAY)
            if self.is_working_day(day):
                available = day_end - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
            cursor = day_end
            day += _ONE_DAY

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Hours between ``start`` and ``end`` that fall on working days.

        This is how a clock of 24 hours or more measures elapsed time, so
        ``working_hours_between(s, add_sla(s, h)) == h`` for ``h >= 24``.
        Negative when ``end`` precedes ``start``.
        """
        _require_aware(start, "start")
        _require_aware(end, "end")
        if end < start:
            return -self.working_hours_between(end, start)
        start = start.astimezone(UTC)
        end = end.astimezone(UTC)
        total = timedelta(0)
        day = self.local_date(start)
        cursor = start
        while cursor < end:
            day_end = self.start_of_day(day + _ONE_DAY)
            if self.is_working_day(day):
                total += min(day_end, end) - cursor
            cursor = day_end
            day += _ONE_DAY
        return total / timedelta(hours=1)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The deadline of "within ``days`` working days" from ``start``.

        The deadline is the end of the ``days``-th working day after the
        local date of ``start`` (24:00 local, i.e. 00:00 of the following
        calendar day, returned in UTC). The start day itself never counts,
        whether or not it is a working day and whatever the hour: a request
        made Friday afternoon "within 1 working day" is due at the end of
        Monday. ``days == 0`` gives the end of the start's own local day.
        """
        _require_aware(start, "start")
        if days < 0:
            raise ValueError(f"working days must be >= 0, got {days}")
        day = self.local_date(start)
        counted = 0
        while counted < days:
            day += _ONE_DAY
            if self.is_working_day(day):
                counted += 1
        return self.start_of_day(day + _ONE_DAY)
