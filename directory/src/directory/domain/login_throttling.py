"""Login throttling (ENGINEERING rule 7, issue 13 "anyone can lock any account").

Three limits, checked before any password is hashed:

* **Per client address**, across usernames (password spraying): after
  ``free_failures`` failures inside the window, each further failure
  doubles the wait from the last one, up to ``max_delay``.
* **Per username**: once ``max_failures`` failed logins fall inside
  ``window``, the username is locked until enough of them age out, but
  only for clients that have themselves failed against it. A client that
  has not failed may still try, so nobody can keep a person out by
  guessing wrong from elsewhere; the right password from such a client is
  never refused.
* **A global ceiling**: while more than ``ceiling`` failures happened
  across the gateway within ``ceiling_period`` (a distributed attack), a
  locked username is locked for every client. This is the emergency brake
  that bounds guesses from many fresh addresses.

Refused attempts are not counted, so a lock lifts on schedule however
often it is tried. Attempts in flight count as failures until they
succeed, which makes the check atomic (see ``SqlLoginFailures.reserve``).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LoginThrottle:
    """A sliding window: ``max_failures`` inside ``window`` lock until they age out."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)

    def window_start(self, now: datetime) -> datetime:
        """Failures at or before this instant no longer count."""
        return now - self.window

    def retry_after(self, failures: Iterable[datetime], now: datetime) -> int | None:
        """Seconds until a login may be attempted again, or None when it may be now."""
        start = self.window_start(now)
        recent = sorted(at for at in failures if at > start)
        if len(recent) < self.max_failures:
            return None
        # The lock lifts once the count inside the window drops below the limit.
        unlock_at = recent[len(recent) - self.max_failures] + self.window
        return _seconds_until(unlock_at, now)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff after ``free_failures``: 1 s, 2 s, 4 s … up to ``max_delay``."""

    free_failures: int = 20
    first_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=15)

    def retry_after(self, failures: Iterable[datetime], now: datetime) -> int | None:
        ordered = sorted(failures)
        excess = len(ordered) - self.free_failures
        if excess <= 0:
            return None
        delay = min(self.first_delay * 2 ** min(excess - 1, 40), self.max_delay)
        unlock_at = ordered[-1] + delay
        return _seconds_until(unlock_at, now) if unlock_at > now else None


@dataclass(frozen=True)
class LoginHistory:
    """Failures inside the window as one transaction sees them (attempts in flight included)."""

    username_failures: tuple[datetime, ...] = ()
    client_failures_on_username: int = 0
    client_failures: tuple[datetime, ...] = ()
    recent_failures_everywhere: int = 0


@dataclass(frozen=True)
class Refusal:
    retry_after: int
    reason: str  # "client", "username" or "ceiling": the metric label


@dataclass(frozen=True)
class LoginPolicy:
    username: LoginThrottle = field(default_factory=LoginThrottle)
    client: Backoff = field(default_factory=Backoff)
    ceiling: int = 300
    ceiling_period: timedelta = timedelta(minutes=1)

    @property
    def window(self) -> timedelta:
        return max(self.username.window, self.client.max_delay)

    def window_start(self, now: datetime) -> datetime:
        return now - self.window

    def refusal(self, history: LoginHistory, now: datetime) -> Refusal | None:
        """Why this attempt is refused before its password is checked, or None."""
        client_wait = self.client.retry_after(history.client_failures, now)
        if client_wait is not None:
            return Refusal(client_wait, "client")
        username_wait = self.username.retry_after(history.username_failures, now)
        if username_wait is None:
            return None
        if history.client_failures_on_username:
            return Refusal(username_wait, "username")
        if history.recent_failures_everywhere >= self.ceiling:
            return Refusal(username_wait, "ceiling")
        return None


def client_key(address: str | None) -> str:
    """The throttling key of a client address: IPv6 by its /64 (one subscriber's share)."""
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))
