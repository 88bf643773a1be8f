"""Login throttling (ENGINEERING rule 7).

A sliding window per username: once ``max_failures`` failed logins fall
inside ``window``, every attempt is refused, even with the right password,
until enough of them have aged out of the window. Refused attempts are not
counted, so a locked account unlocks on schedule however often it is tried.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LoginThrottle:
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
        return max(1, math.ceil((unlock_at - now).total_seconds()))
