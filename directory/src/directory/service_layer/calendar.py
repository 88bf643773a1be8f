"""The organisation's holiday schedules (SPEC X-02), owned by the gateway.

A year is known when it shipped with the release or an administrator
loaded it; a loaded year replaces the shipped one. Loading a year writes
its days, an audit row (X-04) and a ``directory.calendar.updated`` event in
one transaction; the Directory server's relay publishes the event, and
every service installs the year and recomputes its provisional deadlines.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date

from sqlalchemy import delete, insert, select

from directory.adapters.directory_repository import SqlDirectory
from directory.adapters.tables import calendar_days, calendar_years, outbox
from secretariat.directory.v1 import events_pb2
from secretariat_shared.calendar_sync import CALENDAR_UPDATED, year_to_proto
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.events import make_envelope
from secretariat_shared.holiday_schedule import LOADED, YearSchedule, shipped_schedules

EVENT_SOURCE = "gateway"
HOLIDAY = "holiday"
WORKDAY = "workday"

_shipped_lock = threading.Lock()
_shipped: dict[int, YearSchedule] = {}


def _shipped_years() -> dict[int, YearSchedule]:
    with _shipped_lock:
        if not _shipped:
            _shipped.update({s.year: s for s in shipped_schedules()})
        return _shipped


class CalendarService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def _loaded(self, year: int | None = None) -> dict[int, YearSchedule]:
        years_query = select(calendar_years)
        days_query = select(calendar_days)
        if year is not None:
            years_query = years_query.where(calendar_years.c.year == year)
            days_query = days_query.where(calendar_days.c.year == year)
        with self._db.reading() as session:
            heads = session.execute(years_query).mappings().all()
            days = session.execute(days_query).mappings().all()
        holidays: dict[int, dict[date, str]] = defaultdict(dict)
        workdays: dict[int, dict[date, str]] = defaultdict(dict)
        for row in days:
            target = holidays if row["kind"] == HOLIDAY else workdays
            target[row["year"]][row["day"]] = row["name"]
        return {
            head["year"]: YearSchedule(
                year=head["year"],
                holidays=holidays[head["year"]],
                workdays=workdays[head["year"]],
                source=LOADED,
                updated_at=head["updated_at"],
                updated_by=head["updated_by"],
            )
            for head in heads
        }

    def years(self) -> list[YearSchedule]:
        """Every year with data, ascending: loaded years over shipped ones."""
        merged = dict(_shipped_years())
        merged.update(self._loaded())
        return [merged[y] for y in sorted(merged)]

    def year(self, year: int) -> YearSchedule | None:
        loaded = self._loaded(year)
        return loaded.get(year) or _shipped_years().get(year)

    def put_year(self, actor: str, schedule: YearSchedule) -> YearSchedule:
        """Load or correct one year; every service hears of it (X-02)."""
        now = self._clock.now()
        before = self.year(schedule.year)
        stored = YearSchedule(
            year=schedule.year,
            holidays=schedule.holidays,
            workdays=schedule.workdays,
            source=LOADED,
            updated_at=now,
            updated_by=actor,
        ).validated()
        envelope = make_envelope(
            CALENDAR_UPDATED,
            EVENT_SOURCE,
            f"calendar-year:{stored.year}",
            events_pb2.CalendarUpdated(year=year_to_proto(stored)),
            now,
        )
        with self._db.write_session() as session:
            session.execute(delete(calendar_days).where(calendar_days.c.year == stored.year))
            session.execute(delete(calendar_years).where(calendar_years.c.year == stored.year))
            session.execute(
                insert(calendar_years).values(year=stored.year, updated_at=now, updated_by=actor)
            )
            rows = [
                {"day": d, "year": stored.year, "kind": HOLIDAY, "name": n}
                for d, n in stored.holidays.items()
            ] + [
                {"day": d, "year": stored.year, "kind": WORKDAY, "name": n}
                for d, n in stored.workdays.items()
            ]
            if rows:
                session.execute(insert(calendar_days), rows)
            session.execute(
                insert(outbox).values(
                    event_id=envelope.id,
                    event_type=CALENDAR_UPDATED,
                    envelope=envelope.SerializeToString(),
                    created_at=now,
                    attempts=0,
                )
            )
            SqlDirectory(session).audit(
                at=now,
                actor=actor,
                action="calendar_year.loaded",
                entity_type="calendar_year",
                entity_id=str(stored.year),
                before=_summary(before),
                after=_summary(stored),
            )
            session.commit()
        return stored


def _summary(schedule: YearSchedule | None) -> dict[str, object] | None:
    if schedule is None:
        return None
    data = schedule.as_dict()
    data.pop("updated_at", None)
    return data
