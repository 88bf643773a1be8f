"""The speaking timer (SPEC M-04)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DEFAULT_SPEAKING_SECONDS = 180
"""SPEC M-04: three minutes per speaker unless the host sets another limit."""

MAX_SPEAKING_SECONDS = 3600


@dataclass
class SpeakingTurn:
    id: str
    meeting_id: str
    speaker: str
    agenda_item_id: str
    started_at: datetime
    limit_seconds: int = DEFAULT_SPEAKING_SECONDS
    stopped_at: datetime | None = None
    overrun: bool = False

    @property
    def running(self) -> bool:
        return self.stopped_at is None

    def elapsed_seconds(self, now: datetime) -> int:
        end = self.stopped_at or now
        return max(0, int((end - self.started_at).total_seconds()))

    def is_over(self, now: datetime) -> bool:
        """SPEC M-04: a turn longer than its limit is an overrun (flagged, not cut off)."""
        return self.overrun or self.elapsed_seconds(now) > self.limit_seconds

    def stop(self, now: datetime) -> None:
        if self.stopped_at is None:
            self.stopped_at = now
            self.overrun = self.is_over(now)
