"""Each year's public holidays and make-up working days, as data (SPEC X-02).

The State Council publishes next year's schedule each autumn, so the
schedule is not code: the years known when a release was built ship in
``data/china_holidays.json`` (generated from ``chinesecalendar`` by
``scripts/generate_holiday_data.py``), and an administrator loads or
corrects a year through the gateway (``PUT /api/v1/calendar/years/{year}``)
while the system runs. A year absent here has *no data*: the business
calendar then counts weekends only and marks deadlines in it provisional.

Dates belong to the year they fall in: a make-up working day in late
December belongs to that December's year, whatever holiday it makes up for.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from types import MappingProxyType
from typing import Any

from secretariat_shared.errors import FieldError, ValidationFailed

SHIPPED = "shipped"
"""``source`` of a year that came with the release."""

LOADED = "loaded"
"""``source`` of a year an administrator loaded or corrected."""

_DATA_FILE = "china_holidays.json"
_NAME_LIMIT = 100


@dataclass(frozen=True)
class YearSchedule:
    """One year's rest days on working weekdays and working days on weekends.

    ``holidays`` are the days of the official holidays (weekend days inside a
    holiday may be listed too); ``workdays`` are the make-up working days
    (调休上班). Each maps the date to the holiday's name.
    """

    year: int
    holidays: Mapping[date, str]
    workdays: Mapping[date, str]
    source: str = SHIPPED
    updated_at: datetime | None = None
    updated_by: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", MappingProxyType(dict(self.holidays)))
        object.__setattr__(self, "workdays", MappingProxyType(dict(self.workdays)))

    def problems(self) -> list[FieldError]:
        """What makes this schedule unusable (empty when it is valid)."""
        errors: list[FieldError] = []
        if not 1949 < self.year < 10000:
            errors.append(FieldError("year", "must be a year from 1950 to 9999"))
            return errors
        for name, days in (("holidays", self.holidays), ("workdays", self.workdays)):
            outside = sorted(d.isoformat() for d in days if d.year != self.year)
            if outside:
                errors.append(FieldError(name, f"{', '.join(outside)} not in {self.year}"))
            unnamed = sorted(d.isoformat() for d, n in days.items() if len(n) > _NAME_LIMIT)
            if unnamed:
                errors.append(
                    FieldError(name, f"names longer than {_NAME_LIMIT} characters on {unnamed}")
                )
        both = sorted(d.isoformat() for d in set(self.holidays) & set(self.workdays))
        if both:
            errors.append(
                FieldError("workdays", f"{', '.join(both)} listed as both holiday and workday")
            )
        return errors

    def validated(self) -> YearSchedule:
        """This schedule, or :class:`ValidationFailed` naming each field at fault."""
        errors = self.problems()
        if errors:
            raise ValidationFailed(errors)
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "holidays": {d.isoformat(): n for d, n in sorted(self.holidays.items())},
            "workdays": {d.isoformat(): n for d, n in sorted(self.workdays.items())},
            "source": self.source,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "updated_by": self.updated_by,
        }


def _dates(raw: Mapping[str, str]) -> dict[date, str]:
    return {date.fromisoformat(day): str(name) for day, name in raw.items()}


def shipped_schedules() -> list[YearSchedule]:
    """The years that came with this release (2004–2026 from chinesecalendar 1.11.0)."""
    text = resources.files("secretariat_shared").joinpath("data", _DATA_FILE).read_text("utf-8")
    data = json.loads(text)
    return [
        YearSchedule(int(year), _dates(days["holidays"]), _dates(days["workdays"]), SHIPPED)
        for year, days in data["years"].items()
    ]


@dataclass
class HolidaySchedules:
    """The years this process knows, replaceable while it runs.

    Thread-safe: a gRPC worker may read while the event consumer or the
    refresher puts a year. ``version`` grows with every change so callers
    can drop what they derived from older data.
    """

    _years: dict[int, YearSchedule] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    version: int = 0
    _listeners: list[Callable[[YearSchedule], object]] = field(default_factory=list)

    @classmethod
    def shipped(cls) -> HolidaySchedules:
        return cls.of(shipped_schedules())

    @classmethod
    def of(cls, schedules: Iterable[YearSchedule]) -> HolidaySchedules:
        book = cls()
        for schedule in schedules:
            book._years[schedule.year] = schedule
        return book

    def get(self, year: int) -> YearSchedule | None:
        return self._years.get(year)

    def has(self, year: int) -> bool:
        return year in self._years

    def years(self) -> list[int]:
        return sorted(self._years)

    def put(self, schedule: YearSchedule) -> bool:
        """Install ``schedule`` for its year; True when that changed anything."""
        with self._lock:
            current = self._years.get(schedule.year)
            if (
                current is not None
                and current.holidays == schedule.holidays
                and current.workdays == schedule.workdays
            ):
                return False
            self._years[schedule.year] = schedule
            self.version += 1
            listeners = list(self._listeners)
        for listener in listeners:
            listener(schedule)
        return True

    def on_change(self, listener: Callable[[YearSchedule], object]) -> None:
        """Call ``listener`` with each year that :meth:`put` changes."""
        self._listeners.append(listener)
