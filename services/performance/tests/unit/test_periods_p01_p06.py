"""SPEC P-01 periods and P-06 bulletin due day."""

from __future__ import annotations

from datetime import date

import pytest

from performance.domain.periods import PeriodError, bulletin_due_day, parse_period

pytestmark = pytest.mark.unit


def test_p01_month_quarter_and_year_periods() -> None:
    assert parse_period("2026-11").start == date(2026, 11, 1)
    assert parse_period("2026-11").end == date(2026, 11, 30)
    q = parse_period("2026-Q4", "quarterly")
    assert (q.start, q.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert parse_period("2026").end == date(2026, 12, 31)
    assert parse_period("2026-Q1").previous().label == "2025-Q4"


def test_p01_a_period_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(PeriodError):
        parse_period("2026-11", "quarterly")
    with pytest.raises(PeriodError):
        parse_period("2026-13")


def test_p06_bulletin_due_on_the_5th_or_the_working_day_before() -> None:
    weekdays = lambda d: d.weekday() < 5  # noqa: E731
    # December 2026 → 5 January 2027 is a Tuesday.
    assert bulletin_due_day(parse_period("2026-12"), weekdays) == date(2027, 1, 5)
    # September 2026 → 5 October 2026 is a Monday but a holiday here: Friday before.
    holidays = {date(2026, 10, d) for d in range(1, 8)}
    working = lambda d: d.weekday() < 5 and d not in holidays  # noqa: E731
    assert bulletin_due_day(parse_period("2026-09"), working) == date(2026, 9, 30)
    # November 2026 → 5 December 2026 is a Saturday: Friday the 4th.
    assert bulletin_due_day(parse_period("2026-11"), weekdays) == date(2026, 12, 4)
