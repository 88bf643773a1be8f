"""ENGINEERING rule 7: five failed logins within 15 minutes lock the username."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.domain.throttling import LoginThrottle

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def minutes_ago(*values: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in values]


def test_four_failures_do_not_lock() -> None:
    assert LoginThrottle().retry_after(minutes_ago(1, 2, 3, 4), NOW) is None


def test_fifth_failure_within_the_window_locks_until_the_oldest_ages_out() -> None:
    retry = LoginThrottle().retry_after(minutes_ago(10, 8, 6, 4, 2), NOW)
    assert retry == 5 * 60


def test_failures_older_than_the_window_do_not_count() -> None:
    assert LoginThrottle().retry_after(minutes_ago(16, 15, 14, 3, 2), NOW) is None


def test_lock_lifts_exactly_when_the_window_passes() -> None:
    failures = minutes_ago(0, 0, 0, 0, 0)
    throttle = LoginThrottle()
    assert throttle.retry_after(failures, NOW + timedelta(minutes=14)) == 60
    assert throttle.retry_after(failures, NOW + timedelta(minutes=14, seconds=59.5)) == 1
    assert throttle.retry_after(failures, NOW + timedelta(minutes=15)) is None


def test_more_failures_than_the_limit_keep_the_lock_until_enough_age_out() -> None:
    retry = LoginThrottle().retry_after(minutes_ago(12, 10, 8, 6, 4, 2), NOW)
    assert retry == 5 * 60
