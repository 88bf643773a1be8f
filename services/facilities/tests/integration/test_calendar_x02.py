"""SPEC X-02 in facilities: a major repair's 24-working-hour resolution clock
that runs over a year with no holiday data counts weekends only; when the
year's schedule arrives (``directory.calendar.updated``) the clock and its
timer move past the holiday."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from facilities.adapters.orm import platform
from facilities_testkit import EMPLOYEE, make_harness
from secretariat.directory.v1 import events_pb2
from secretariat_shared.calendar_sync import CALENDAR_UPDATED, year_to_proto
from secretariat_shared.events import ReceivedEvent, make_envelope
from secretariat_shared.holiday_schedule import LOADED, YearSchedule

pytestmark = pytest.mark.integration

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCHEDULE_2027 = YearSchedule(
    2027,
    holidays={date(2027, 2, 6) + timedelta(days=i): "春节" for i in range(9)},
    workdays={date(2027, 2, 20): "春节"},
    source=LOADED,
)


def local(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI).astimezone(UTC)


def test_x02_major_repair_clock_over_spring_festival_moves_when_2027_is_loaded(
    database_url: str,
) -> None:
    harness = make_harness(database_url, start=local(2027, 2, 5, 10))
    try:
        repair = harness.repairs.report(EMPLOYEE, "机房断电", "", "B1 机房", "major")
        assert repair.resolve_due_at == local(2027, 2, 8, 10)  # weekends only

        envelope = make_envelope(
            CALENDAR_UPDATED,
            "gateway",
            "calendar-year:2027",
            events_pb2.CalendarUpdated(year=year_to_proto(SCHEDULE_2027)),
            harness.clock.now(),
        )
        with harness.uow() as uow:
            harness.repairs.on_calendar_updated(
                uow, ReceivedEvent.from_bytes(envelope.SerializeToString())
            )
            uow.commit()

        moved = harness.repairs.get(EMPLOYEE, repair.id)
        assert moved.resolve_due_at == local(2027, 2, 15, 10)
        timers = platform.timers
        with harness.db.reading() as session:
            due = session.execute(
                select(timers.c.due_at).where(timers.c.key == f"repair:{repair.id}:resolution:0")
            ).scalar_one()
        assert due == local(2027, 2, 15, 10)
    finally:
        harness.db.dispose()
