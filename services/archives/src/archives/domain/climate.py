"""Storeroom climate band and alert hysteresis (SPEC A-04).

An alert opens on the first reading outside 18–22 °C or 45–60 % relative
humidity and clears only after the readings have stayed inside the band
for ``clear_after``: a room hovering at the edge does not flap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

TEMPERATURE_BAND = (18.0, 22.0)
HUMIDITY_BAND = (45.0, 60.0)
RAISE = "raise"
CLEAR = "clear"


@dataclass(frozen=True)
class Reading:
    storeroom: str
    temperature_c: float
    humidity_pct: float
    measured_at: datetime


@dataclass(frozen=True)
class RoomState:
    """An open alert's id (empty when none) and since when readings are back in band."""

    alert_id: str = ""
    in_band_since: datetime | None = None
    last_measured_at: datetime | None = None


def cause_of(reading: Reading) -> str:
    """temperature|humidity|both when outside the band, else empty."""
    low_t, high_t = TEMPERATURE_BAND
    low_h, high_h = HUMIDITY_BAND
    hot = not low_t <= reading.temperature_c <= high_t
    wet = not low_h <= reading.humidity_pct <= high_h
    if hot and wet:
        return "both"
    if hot:
        return "temperature"
    if wet:
        return "humidity"
    return ""


def step(state: RoomState, reading: Reading, clear_after: timedelta) -> tuple[RoomState, str]:
    """The room's next state and the action: RAISE, CLEAR or empty.

    A reading older than the last one seen only counts when it raises
    (it still proves the room left the band); it never clears.
    """
    cause = cause_of(reading)
    last = state.last_measured_at
    latest = reading.measured_at if last is None or reading.measured_at > last else last
    if cause:
        if state.alert_id:
            return RoomState(state.alert_id, None, latest), ""
        return RoomState("", None, latest), RAISE
    if not state.alert_id:
        return RoomState("", None, latest), ""
    if last is not None and reading.measured_at < last:
        return RoomState(state.alert_id, state.in_band_since, latest), ""
    since = state.in_band_since or reading.measured_at
    if reading.measured_at - since >= clear_after:
        return RoomState("", None, latest), CLEAR
    return RoomState(state.alert_id, since, latest), ""
