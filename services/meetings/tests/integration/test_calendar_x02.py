"""SPEC X-02 in meetings: the 24-working-hour minutes distribution clock of a
meeting that ends before a year with no holiday data counts weekends only;
when the year's schedule arrives the clock and its timer move past the
holiday."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from meetings.adapters.orm import platform
from meetings.service_layer.calendar_updates import CalendarUpdates
from meetings_testkit import HR_CLERK, Harness, local
from secretariat.directory.v1 import events_pb2
from secretariat_shared.calendar_sync import CALENDAR_UPDATED, year_to_proto
from secretariat_shared.events import ReceivedEvent, make_envelope
from secretariat_shared.holiday_schedule import LOADED, YearSchedule

pytestmark = pytest.mark.integration

SCHEDULE_2027 = YearSchedule(
    2027,
    holidays={date(2027, 2, 6) + timedelta(days=i): "春节" for i in range(9)},
    workdays={date(2027, 2, 20): "春节"},
    source=LOADED,
)


def test_x02_minutes_distribution_clock_over_spring_festival_moves_when_2027_is_loaded(
    harness: Harness,
) -> None:
    room = harness.room()
    meeting = harness.schedule(
        room_id=room.id, recorder="hr.staff", start_at=local(2027, 2, 5, 9, 0)
    )
    harness.at(meeting.start_at)
    harness.uc.conduct.check_in(HR_CLERK, meeting.id)
    harness.at(local(2027, 2, 5, 9, 50))
    harness.uc.conduct.end(HR_CLERK, meeting.id)
    key = f"meeting:{meeting.id}:minutes-distribution"

    def timer_due() -> datetime:
        with harness.db.reading() as session:
            due: datetime = session.execute(
                select(platform.timers.c.due_at).where(platform.timers.c.key == key)
            ).scalar_one()
        return due.astimezone(UTC)

    assert timer_due() == local(2027, 2, 8, 9, 50).astimezone(UTC)  # weekends only

    envelope = make_envelope(
        CALENDAR_UPDATED,
        "gateway",
        "calendar-year:2027",
        events_pb2.CalendarUpdated(year=year_to_proto(SCHEDULE_2027)),
        harness.clock.now(),
    )
    with harness.uc.context.uow() as uow:
        CalendarUpdates(harness.uc.context).on_calendar_updated(
            uow, ReceivedEvent.from_bytes(envelope.SerializeToString())
        )
        uow.commit()
    assert timer_due() == local(2027, 2, 15, 9, 50).astimezone(UTC)


def test_m02_x02_milestones_move_off_spring_festival_when_2027_is_loaded(
    harness: Harness,
) -> None:
    # Monday 15 February 2027, the first working day after the holiday.
    meeting = harness.schedule(video_link="https://meet.example/1", start_at=local(2027, 2, 15))
    due = {m.key: m.due_at for m in meeting.milestones}
    assert due["materials_printed"] == local(2027, 2, 12)  # weekends only: inside the holiday
    assert due["notice_published"] == local(2027, 2, 10)
    envelope = make_envelope(
        CALENDAR_UPDATED,
        "gateway",
        "calendar-year:2027",
        events_pb2.CalendarUpdated(year=year_to_proto(SCHEDULE_2027)),
        harness.clock.now(),
    )
    with harness.uc.context.uow() as uow:
        CalendarUpdates(harness.uc.context).on_calendar_updated(
            uow, ReceivedEvent.from_bytes(envelope.SerializeToString())
        )
        uow.commit()
    moved = {
        m.key: m.due_at for m in harness.uc.preparation.checklist(HR_CLERK, meeting.id).milestones
    }
    assert moved["materials_printed"] == local(2027, 2, 5)  # the last working day before
    assert moved["notice_published"] == local(2027, 2, 3)
    harness.at(local(2027, 2, 3))
    assert len(harness.notices("meeting_notice")) == 1  # the notice's timer moved too
