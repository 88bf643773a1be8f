"""Storeroom climate (SPEC A-04): readings in, alerts with hysteresis out.

A batch is one transaction: the readings, each room's state and any alert
raised or cleared commit together with their events and notices.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from archives.adapters.climate_repositories import ClimateAlerts, ClimateReadings, ClimateRooms
from archives.domain.climate import CLEAR, RAISE, Reading, RoomState, cause_of, step
from archives.service_layer import metrics
from archives.service_layer.common import ARCHIVIST_ROLE, Context, new_id, notify, row_dict
from secretariat.archives.v1 import events_pb2
from secretariat_shared.errors import FieldError, PermissionDenied, ValidationFailed
from secretariat_shared.identity import Identity
from secretariat_shared.paging import page_of
from secretariat_shared.uow import UnitOfWork

ALERT_RAISED = "archives.climate.alert_raised"
ALERT_CLEARED = "archives.climate.alert_cleared"
CAUSE_TEXT = {"temperature": "温度", "humidity": "湿度", "both": "温湿度"}


@dataclass(frozen=True)
class IngestSummary:
    accepted: int
    alerts_raised: int
    alerts_cleared: int


def _stamp(reading: Reading) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(reading.measured_at)
    return stamp


class Climate:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def check_caller(self, actor: Identity) -> None:
        if not (actor.is_service or actor.has_role(ARCHIVIST_ROLE)):
            raise PermissionDenied("only archivists and sensor gateways send climate readings")

    def ingest(self, actor: Identity, readings: Sequence[Reading]) -> IngestSummary:
        self.check_caller(actor)
        errors = [
            FieldError(f"readings[{i}].storeroom", "is required")
            for i, r in enumerate(readings)
            if not r.storeroom.strip()
        ]
        if errors:
            raise ValidationFailed(errors, "every reading needs its storeroom; nothing was stored")
        if not readings:
            return IngestSummary(0, 0, 0)
        with self._ctx.uow_factory() as uow:
            summary = self._apply(uow, readings)
            uow.commit()
        return summary

    def _apply(self, uow: UnitOfWork, readings: Sequence[Reading]) -> IngestSummary:
        session = uow.session
        ClimateReadings(session).add_rows(
            [
                {
                    "storeroom": r.storeroom,
                    "temperature_c": r.temperature_c,
                    "humidity_pct": r.humidity_pct,
                    "measured_at": r.measured_at,
                }
                for r in readings
            ],
        )
        per_room: dict[str, list[Reading]] = defaultdict(list)
        for reading in readings:
            per_room[reading.storeroom].append(reading)
        room_rows = ClimateRooms(session)
        rooms = room_rows.by_storerooms(per_room)
        raised = cleared = 0
        gauges: list[tuple[str, float, float, bool]] = []
        for room, batch in per_room.items():
            row = rooms.get(room)
            state = (
                RoomState(row.alert_id, row.in_band_since, row.last_measured_at)
                if row is not None
                else RoomState()
            )
            latest = batch[0]
            for reading in sorted(batch, key=lambda r: r.measured_at):
                state, action = step(state, reading, self._ctx.climate_clear_after)
                if action == RAISE:
                    state = RoomState(self._raise(uow, reading), None, state.last_measured_at)
                    raised += 1
                elif action == CLEAR:
                    self._clear(uow, reading)
                    cleared += 1
                if reading.measured_at >= latest.measured_at:
                    latest = reading
            values = {
                "alert_id": state.alert_id,
                "in_band_since": state.in_band_since,
                "last_measured_at": state.last_measured_at,
                "temperature_c": latest.temperature_c,
                "humidity_pct": latest.humidity_pct,
            }
            room_rows.put(room, values, known=row is not None)
            gauges.append((room, latest.temperature_c, latest.humidity_pct, bool(state.alert_id)))
        count = len(readings)

        def publish() -> None:
            metrics.CLIMATE_READINGS.inc(count)
            for room, temperature, humidity, open_alert in gauges:
                metrics.CLIMATE_TEMPERATURE.labels(room).set(temperature)
                metrics.CLIMATE_HUMIDITY.labels(room).set(humidity)
                metrics.CLIMATE_ALERT_OPEN.labels(room).set(1 if open_alert else 0)

        uow.after_commit(publish)
        return IngestSummary(count, raised, cleared)

    def _raise(self, uow: UnitOfWork, reading: Reading) -> str:
        alert_id = new_id()
        cause = cause_of(reading)
        ClimateAlerts(uow.session).add_row(
            {
                "id": alert_id,
                "storeroom": reading.storeroom,
                "cause": cause,
                "temperature_c": reading.temperature_c,
                "humidity_pct": reading.humidity_pct,
                "raised_at": reading.measured_at,
                "cleared_at": None,
            }
        )
        uow.emit(
            ALERT_RAISED,
            alert_id,
            events_pb2.ClimateAlertChanged(
                alert_id=alert_id,
                storeroom=reading.storeroom,
                cause=cause,
                temperature_c=reading.temperature_c,
                humidity_pct=reading.humidity_pct,
                at=_stamp(reading),
            ),
        )
        notify(
            uow,
            self._ctx.archivists(),
            "archive_climate_alert",
            f"库房{CAUSE_TEXT[cause]}超出范围：{reading.storeroom}",
            f"温度 {reading.temperature_c:.1f} °C（应为 18–22 °C），"
            f"相对湿度 {reading.humidity_pct:.0f} %（应为 45–60 %）。",
            f"archives/climate/alerts/{alert_id}",
        )
        uow.after_commit(lambda: metrics.CLIMATE_ALERTS.labels(reading.storeroom, cause).inc())
        return alert_id

    def _clear(self, uow: UnitOfWork, reading: Reading) -> None:
        alerts = ClimateAlerts(uow.session)
        open_alert = alerts.open_of(reading.storeroom)
        if open_alert is None:
            return
        alerts.clear(open_alert.id, reading.measured_at)
        uow.emit(
            ALERT_CLEARED,
            open_alert.id,
            events_pb2.ClimateAlertChanged(
                alert_id=open_alert.id,
                storeroom=reading.storeroom,
                cause=open_alert.cause,
                temperature_c=reading.temperature_c,
                humidity_pct=reading.humidity_pct,
                at=_stamp(reading),
            ),
        )

    def alerts(
        self, actor: Identity, open_only: bool, storeroom: str, page_number: int, page_size: int
    ) -> tuple[list[dict[str, Any]], int, int, int]:
        self.check_caller(actor)
        page = page_of(page_number, page_size)
        with self._ctx.db.reading() as session:
            rows, total = ClimateAlerts(session).page_for(open_only, storeroom, page)
        return [row_dict(r) for r in rows], total, page.page, page.page_size

    def refresh_gauges(self) -> None:
        """After a restart the gauges show each room's last known state again."""
        with self._ctx.db.reading() as session:
            for row in ClimateRooms(session).all():
                metrics.CLIMATE_ALERT_OPEN.labels(row.storeroom).set(1 if row.alert_id else 0)
                metrics.CLIMATE_TEMPERATURE.labels(row.storeroom).set(row.temperature_c)
                metrics.CLIMATE_HUMIDITY.labels(row.storeroom).set(row.humidity_pct)
