"""SPEC X-02: the business calendar and SLA clock arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secretariat_shared.calendar import BusinessCalendar

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = BusinessCalendar()


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A Shanghai wall-clock time as an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def test_x02_sla_pauses_over_weekend() -> None:
    friday = local(2026, 3, 6, 17, 0)
    due = CAL.add_sla(friday, 24)
    assert due == local(2026, 3, 9, 17, 0)
    assert due.tzinfo == UTC
    assert CAL.working_hours_between(friday, due) == pytest.approx(24)


def test_x02_sla_opened_on_saturday_starts_monday_midnight() -> None:
    assert CAL.add_sla(local(2026, 3, 7, 10, 0), 24) == local(2026, 3, 10, 0, 0)


def test_x02_sla_within_a_working_week_is_plain_elapsed_time() -> None:
    monday = local(2026, 3, 2, 9, 30)
    assert CAL.add_sla(monday, 48) == local(2026, 3, 4, 9, 30)


def test_x02_short_clock_is_wall_clock_over_weekend() -> None:
    friday_night = local(2026, 3, 6, 23, 0)
    assert CAL.add_sla(friday_night, 2) == local(2026, 3, 7, 1, 0)
    assert CAL.add_sla(friday_night, 10 / 60) == friday_night + timedelta(minutes=10)
    assert CAL.add_sla(local(2026, 3, 7, 10, 0), 23.5) == local(2026, 3, 8, 9, 30)


def test_x02_golden_week_2026_uses_china_holidays_and_make_up_days() -> None:
    for day in range(1, 8):
        assert not CAL.is_working_day(date(2026, 10, day))
    assert chinese_calendar.is_workday(date(2026, 10, 10))
    assert CAL.is_working_day(date(2026, 10, 10)), "Saturday 10 Oct 2026 is a make-up day"
    assert CAL.is_working_day(date(2026, 9, 27)) == chinese_calendar.is_workday(date(2026, 9, 27))
    assert not CAL.is_working_day(date(2026, 10, 11))

    assert CAL.add_sla(local(2026, 9, 30, 10, 0), 24) == local(2026, 10, 8, 10, 0)
    assert CAL.add_sla(local(2026, 10, 9, 12, 0), 48) == local(2026, 10, 12, 12, 0)


def test_x02_spring_festival_2026_make_up_saturday_counts() -> None:
    assert CAL.is_working_day(date(2026, 2, 14))
    assert CAL.add_sla(local(2026, 2, 13, 17, 0), 24) == local(2026, 2, 14, 17, 0)


def test_x02_working_days_deadline_is_end_of_nth_working_day() -> None:
    friday = local(2026, 3, 6, 15, 0)
    assert CAL.add_working_days(friday, 1) == local(2026, 3, 10, 0, 0)
    assert CAL.add_working_days(friday, 3) == local(2026, 3, 12, 0, 0)
    assert CAL.add_working_days(local(2026, 3, 7, 9, 0), 1) == local(2026, 3, 10, 0, 0)
    assert CAL.add_working_days(friday, 0) == local(2026, 3, 7, 0, 0)


def test_x02_working_days_skip_golden_week() -> None:
    assert CAL.add_working_days(local(2026, 9, 30, 9, 0), 1) == local(2026, 10, 9, 0, 0)
    assert CAL.add_working_days(local(2026, 9, 30, 9, 0), 3) == local(2026, 10, 11, 0, 0)


def test_x02_working_days_use_the_local_date_not_utc() -> None:
    tuesday_early = local(2026, 3, 10, 0, 30)
    assert tuesday_early.weekday() == 0, "still Monday in UTC"
    assert CAL.add_working_days(tuesday_early, 1) == local(2026, 3, 12, 0, 0)


def test_x02_organisation_overrides_come_first() -> None:
    cal = BusinessCalendar.from_overrides_json(
        '{"holidays": ["2026-03-10"], "workdays": ["2026-03-14"]}', "Asia/Shanghai"
    )
    assert not cal.is_working_day(date(2026, 3, 10))
    assert cal.is_working_day(date(2026, 3, 14))
    assert CAL.is_working_day(date(2026, 3, 10))
    assert cal.add_sla(local(2026, 3, 9, 12, 0), 24) == local(2026, 3, 11, 12, 0)
    assert cal.add_sla(local(2026, 3, 13, 12, 0), 24) == local(2026, 3, 14, 12, 0)


def test_x02_empty_overrides_mean_none() -> None:
    cal = BusinessCalendar.from_overrides_json("", "Asia/Shanghai")
    assert cal.extra_holidays == frozenset()
    assert cal.extra_workdays == frozenset()
    assert BusinessCalendar.from_overrides_json("  ", "UTC").tz == "UTC"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"holidays": ["2026-13-01"]}', "2026-13-01"),
        ('{"holidays": "2026-05-06"}', "must be a list"),
        ('{"workdays": [20260509]}', "20260509"),
        ('{"holiday": ["2026-05-06"]}', "unknown key"),
        ('{"holidays": ["2026-05-06"], "workdays": ["2026-05-06"]}', "both"),
    ],
)
def test_x02_bad_overrides_are_rejected_clearly(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.from_overrides_json(text, "Asia/Shanghai")


def test_x02_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        BusinessCalendar("Mars/Olympus")


def test_x02_naive_datetimes_and_negative_hours_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_sla(datetime(2026, 3, 6, 17, 0), 24)
    with pytest.raises(ValueError, match=">= 0"):
        CAL.add_sla(local(2026, 3, 6, 17, 0), -1)
    with pytest.raises(ValueError, match=">= 0"):
        CAL.add_working_days(local(2026, 3, 6, 17, 0), -1)


def test_x02_unknown_years_fall_back_to_weekends() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 1))
    assert CAL.is_working_day(date(2027, 1, 1))
    assert not CAL.is_working_day(date(2027, 1, 2))
    assert not CAL.is_working_day(date(2027, 1, 3))
    assert CAL.is_working_day(date(2003, 6, 2))
    assert CAL.add_sla(local(2027, 1, 1, 17, 0), 24) == local(2027, 1, 4, 17, 0)


def test_x02_working_hours_between_counts_only_working_days() -> None:
    assert CAL.working_hours_between(local(2026, 3, 6, 17, 0), local(2026, 3, 9, 9, 0)) == 16
    assert CAL.working_hours_between(local(2026, 3, 7, 0, 0), local(2026, 3, 9, 0, 0)) == 0
    assert CAL.working_hours_between(local(2026, 3, 9, 9, 0), local(2026, 3, 6, 17, 0)) == -16


def test_x02_long_clocks_are_fast() -> None:
    start = local(2026, 1, 5, 9, 0)
    due = CAL.add_sla(start, 24 * 500)
    assert CAL.working_hours_between(start, due) == pytest.approx(24 * 500)


starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None)
@given(start=starts, hours=st.floats(min_value=24, max_value=2000))
def test_x02_property_working_hours_measure_what_add_sla_adds(
    start: datetime, hours: float
) -> None:
    due = CAL.add_sla(start, hours)
    assert CAL.working_hours_between(start, due) == pytest.approx(hours, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    start=starts,
    a=st.floats(min_value=0, max_value=2000),
    b=st.floats(min_value=0, max_value=2000),
)
def test_x02_property_add_sla_is_monotonic_in_hours(start: datetime, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert CAL.add_sla(start, low) <= CAL.add_sla(start, high)


@settings(max_examples=200, deadline=None)
@given(start=starts, hours=st.floats(min_value=24, max_value=2000))
def test_x02_property_long_clock_never_ends_inside_a_rest_day(
    start: datetime, hours: float
) -> None:
    due_local = CAL.add_sla(start, hours).astimezone(SHANGHAI)
    at_midnight = due_local.time() == datetime.min.time()
    assert CAL.is_working_day(due_local.date()) or at_midnight


@settings(max_examples=200, deadline=None)
@given(start=starts, days=st.integers(min_value=1, max_value=60))
def test_x02_property_working_days_deadline_ends_a_working_day(start: datetime, days: int) -> None:
    deadline = CAL.add_working_days(start, days).astimezone(SHANGHAI)
    assert deadline.time() == datetime.min.time()
    last_day = deadline.date() - timedelta(days=1)
    assert CAL.is_working_day(last_day)
    first = CAL.local_date(start) + timedelta(days=1)
    counted = sum(
        CAL.is_working_day(first + timedelta(days=i)) for i in range((last_day - first).days + 1)
    )
    assert counted == days
