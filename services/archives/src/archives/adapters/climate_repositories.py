"""Repositories of storeroom climate: readings, each room's state, alerts (SPEC A-04)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from archives.adapters import orm
from secretariat_shared.paging import Page
from secretariat_shared.table_repository import RowRepository, TableRow


class ClimateReadings(RowRepository):
    table = orm.climate_readings


class ClimateRooms(RowRepository):
    """Each storeroom's hysteresis state and last reading, keyed by storeroom."""

    table = orm.climate_rooms

    def by_storerooms(self, storerooms: Iterable[str]) -> dict[str, TableRow]:
        return {r.storeroom: r for r in self.find(self.table.c.storeroom.in_(list(storerooms)))}

    def put(self, storeroom: str, values: Mapping[str, Any], known: bool) -> None:
        """Insert the room's state, or update it when the room is ``known``."""
        if known:
            self.change_where(values, self.table.c.storeroom == storeroom)
        else:
            self.add_row({"storeroom": storeroom, **values})

    def all(self) -> list[TableRow]:
        return self.find()


class ClimateAlerts(RowRepository):
    table = orm.climate_alerts

    def open_of(self, storeroom: str) -> TableRow | None:
        """The storeroom's alert not yet cleared: its id and cause."""
        t = self.table
        return self.session.execute(
            select(t.c.id, t.c.cause).where(t.c.storeroom == storeroom, t.c.cleared_at.is_(None))
        ).first()

    def clear(self, alert_id: str, at: datetime) -> None:
        self.change(alert_id, {"cleared_at": at})

    def page_for(self, open_only: bool, storeroom: str, page: Page) -> tuple[list[TableRow], int]:
        """Newest first; only open ones and one storeroom's when asked."""
        t = self.table
        conditions: Sequence[Any] = [
            *([t.c.cleared_at.is_(None)] if open_only else []),
            *([t.c.storeroom == storeroom] if storeroom else []),
        ]
        return self.page(*conditions, order_by=[t.c.raised_at.desc(), t.c.id], page=page)
