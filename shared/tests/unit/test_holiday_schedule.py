"""SPEC X-02: each year's holidays and make-up days are data; a year without
data counts weekends only, is provisional, and is never a silent guess."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from secretariat.directory.v1 import events_pb2
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.calendar_sync import (
    YEARS_WITHOUT_DATA,
    CalendarFeed,
    apply_calendar_update,
    report_coverage,
    year_from_proto,
    year_to_proto,
)
from secretariat_shared.clock import ManualClock
from secretariat_shared.errors import ValidationFailed
from secretariat_shared.events import ReceivedEvent, make_envelope
from secretariat_shared.holiday_schedule import (
    LOADED,
    HolidaySchedules,
    YearSchedule,
    shipped_schedules,
)

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
SPRING_FESTIVAL_2027 = YearSchedule(
    2027,
    holidays={date(2027, 1, 1): "元旦"}
    | {date(2027, 2, 6) + timedelta(days=i): "春节" for i in range(9)},
    workdays={date(2027, 2, 20): "春节"},
    source=LOADED,
)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def test_x02_shipped_years_are_chinesecalendar_2004_to_2026_and_not_2027() -> None:
    years = {s.year: s for s in shipped_schedules()}
    assert sorted(years) == list(range(2004, 2027))
    for year in (2004, 2015, 2026):
        first = date(year, 1, 1)
        for offset in range(366):
            day = first + timedelta(days=offset)
            if day.year != year:
                break
            assert BusinessCalendar().is_working_day(day) == chinese_calendar.is_workday(day), day
    assert years[2026].workdays[date(2026, 2, 14)] == "Spring Festival"


def test_x02_year_without_data_counts_weekends_only_and_is_provisional() -> None:
    calendar = BusinessCalendar()
    assert not calendar.has_data(2027)
    friday = local(2027, 2, 5, 10)
    deadline = calendar.sla_deadline(friday, 24)
    assert deadline.at == local(2027, 2, 8, 10)
    assert deadline.provisional
    assert calendar.add_working_hours(friday, 24) == deadline
    assert calendar.working_days_deadline(friday, 1).provisional
    # Known years and wall-clock clocks are never provisional.
    assert not calendar.sla_deadline(local(2026, 3, 6, 17), 24).provisional
    assert not calendar.sla_deadline(friday, 2).provisional


def test_x02_a_deadline_crossing_into_a_year_without_data_is_provisional() -> None:
    calendar = BusinessCalendar()
    assert calendar.sla_deadline(local(2026, 12, 31, 10), 24).provisional
    assert not calendar.sla_deadline(local(2026, 12, 30, 10), 24).provisional


def test_x02_loading_a_year_changes_running_calendars_at_once() -> None:
    book = HolidaySchedules.shipped()
    calendar = BusinessCalendar(schedules=book)
    friday = local(2027, 2, 5, 10)
    assert calendar.add_sla(friday, 24) == local(2027, 2, 8, 10)  # cached days too

    assert book.put(SPRING_FESTIVAL_2027)
    deadline = calendar.sla_deadline(friday, 24)
    assert deadline.at == local(2027, 2, 15, 10)
    assert not deadline.provisional
    assert calendar.is_working_day(date(2027, 2, 20))  # make-up Saturday
    assert not calendar.is_working_day(date(2027, 1, 1))
    assert not book.put(SPRING_FESTIVAL_2027)  # the same data changes nothing


def test_x02_organisation_overrides_still_win_over_the_year_schedule() -> None:
    calendar = BusinessCalendar(
        extra_workdays={date(2027, 2, 8)},
        schedules=HolidaySchedules.of([SPRING_FESTIVAL_2027]),
    )
    assert calendar.is_working_day(date(2027, 2, 8))


def test_x02_schedule_validation_names_each_problem() -> None:
    bad = YearSchedule(
        2027,
        holidays={date(2026, 12, 31): "元旦", date(2027, 2, 6): "春节"},
        workdays={date(2027, 2, 6): "春节"},
    )
    with pytest.raises(ValidationFailed) as raised:
        bad.validated()
    fields = {e.field: e.message for e in raised.value.errors}
    assert "2026-12-31 not in 2027" in fields["holidays"]
    assert "2027-02-06 listed as both" in fields["workdays"]


def test_x02_calendar_updated_event_round_trips_and_installs_the_year() -> None:
    assert year_from_proto(year_to_proto(SPRING_FESTIVAL_2027)) == SPRING_FESTIVAL_2027
    envelope = make_envelope(
        "directory.calendar.updated",
        "gateway",
        "calendar-year:2027",
        events_pb2.CalendarUpdated(year=year_to_proto(SPRING_FESTIVAL_2027)),
        datetime.now(UTC),
    )
    calendar = BusinessCalendar()
    installed = apply_calendar_update(
        calendar, ReceivedEvent.from_bytes(envelope.SerializeToString())
    )
    assert installed.year == 2027
    assert calendar.has_data(2027)


class _Source:
    def __init__(self, years: list[YearSchedule]) -> None:
        self.answer = years

    def years(self) -> list[YearSchedule]:
        return self.answer


def test_x02_alert_gauge_counts_years_without_data_in_the_next_60_days() -> None:
    clock = ManualClock(local(2026, 11, 1))
    calendar = BusinessCalendar()
    assert report_coverage(calendar, clock, "unit") == []
    assert YEARS_WITHOUT_DATA.labels("unit")._value.get() == 0
    clock.set(local(2026, 11, 2, 12))  # 2027-01-01 is within 60 days
    assert report_coverage(calendar, clock, "unit") == [2027]
    assert YEARS_WITHOUT_DATA.labels("unit")._value.get() == 1

    source = _Source([SPRING_FESTIVAL_2027])
    feed = CalendarFeed(calendar, source, clock, "unit")
    assert feed.refresh() == [2027]
    assert YEARS_WITHOUT_DATA.labels("unit")._value.get() == 0
    assert feed.refresh() == []


def test_x02_a_clock_running_out_at_new_year_midnight_is_not_provisional() -> None:
    calendar = BusinessCalendar()
    assert not calendar.is_provisional(local(2026, 12, 30), local(2027, 1, 1))
    assert calendar.is_provisional(local(2026, 12, 30), local(2027, 1, 1, 0, 1))
