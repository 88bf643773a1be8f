"""The one source of "now" (ENGINEERING rule 8).

Production uses :class:`SystemClock`. With ``SECRETARIAT_TESTING=1`` every
process uses an :class:`OffsetFileClock` reading the same offset file, so
moving the clock once (the gateway's ``POST /api/v1/testing/clock``) moves
it for the whole system. Unit tests use :class:`ManualClock`.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock tests set and move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now


class OffsetFileClock:
    """System time plus an offset (seconds) read from a shared file.

    The file is re-read only when its modification time changes, so
    ``now()`` costs one ``stat`` call.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._mtime_ns = -1
        self._offset = 0.0

    def _offset_seconds(self) -> float:
        try:
            mtime = os.stat(self._path).st_mtime_ns
        except FileNotFoundError:
            return 0.0
        with self._lock:
            if mtime != self._mtime_ns:
                try:
                    self._offset = float(self._path.read_text().strip() or 0)
                except (OSError, ValueError):
                    return self._offset
                self._mtime_ns = mtime
            return self._offset

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self._offset_seconds())

    def advance(self, seconds: float) -> datetime:
        """Move every process's clock forward; only ever forward."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            current = 0.0
            if self._path.exists():
                current = float(self._path.read_text().strip() or 0)
            tmp = self._path.with_suffix(".tmp")
            tmp.write_text(repr(current + seconds))
            os.replace(tmp, self._path)
        return self.now()


def clock_from_settings(testing: bool, clock_file: str) -> SystemClock | OffsetFileClock:
    if testing and clock_file:
        return OffsetFileClock(Path(clock_file))
    return SystemClock()
