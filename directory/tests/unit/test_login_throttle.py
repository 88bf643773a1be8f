"""ENGINEERING rule 7: five failed logins within 15 minutes lock the username."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from directory.domain.login_throttling import (
    Backoff,
    LoginHistory,
    LoginPolicy,
    LoginThrottle,
    Refusal,
    client_key,
)

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


# Issue 13: anyone could lock any account; a client address could spray passwords.

POLICY = LoginPolicy(ceiling=100)


def test_a_locked_username_still_admits_a_client_that_has_not_failed() -> None:
    history = LoginHistory(username_failures=tuple(minutes_ago(5, 4, 3, 2, 1)))
    assert POLICY.refusal(history, NOW) is None


def test_a_locked_username_refuses_the_clients_that_failed_on_it() -> None:
    history = LoginHistory(
        username_failures=tuple(minutes_ago(5, 4, 3, 2, 1)), client_failures_on_username=1
    )
    refusal = POLICY.refusal(history, NOW)
    assert refusal == Refusal(10 * 60, "username")


def test_over_the_global_ceiling_a_locked_username_is_locked_for_every_client() -> None:
    history = LoginHistory(
        username_failures=tuple(minutes_ago(5, 4, 3, 2, 1)), recent_failures_everywhere=100
    )
    refusal = POLICY.refusal(history, NOW)
    assert refusal is not None
    assert refusal.reason == "ceiling"
    unlocked = LoginHistory(username_failures=(), recent_failures_everywhere=10_000)
    assert POLICY.refusal(unlocked, NOW) is None


def test_a_client_failing_across_usernames_backs_off_exponentially() -> None:
    backoff = Backoff(free_failures=3, first_delay=timedelta(seconds=1))
    just_now = [NOW] * 3
    assert backoff.retry_after(just_now, NOW) is None
    assert backoff.retry_after([*just_now, NOW], NOW) == 1
    assert backoff.retry_after([*just_now, NOW, NOW], NOW) == 2
    assert backoff.retry_after([*just_now, *[NOW] * 5], NOW) == 16
    assert backoff.retry_after([*just_now, *[NOW] * 60], NOW) == 15 * 60
    assert backoff.retry_after([*just_now, NOW, NOW], NOW + timedelta(seconds=2)) is None


def test_client_backoff_is_checked_before_the_username() -> None:
    history = LoginHistory(client_failures=tuple([NOW] * 21))
    refusal = LoginPolicy().refusal(history, NOW)
    assert refusal is not None
    assert refusal.reason == "client"


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("10.1.2.3", "10.1.2.3"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("::ffff:10.1.2.3", "10.1.2.3"),
        (None, "unknown"),
    ],
)
def test_one_ipv6_subscriber_is_one_client(address: str | None, key: str) -> None:
    assert client_key(address) == key
