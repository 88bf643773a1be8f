"""Repositories of the yearly stock-take and the repairs it opens (SPEC A-05)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from archives.adapters import orm
from secretariat_shared.paging import Page
from secretariat_shared.table_repository import RowRepository, TableRow


class StockTakes(RowRepository):
    table = orm.stock_takes

    def year_taken(self, year: int) -> bool:
        t = self.table
        return self.session.execute(select(t.c.id).where(t.c.year == year)).first() is not None

    def year_of(self, stock_take_id: str) -> int | None:
        t = self.table
        year = self.session.execute(
            select(t.c.year).where(t.c.id == stock_take_id)
        ).scalar_one_or_none()
        return None if year is None else int(year)


class StockTakeItems(RowRepository):
    """One row per paper record of a stock-take, keyed by (stock-take, record)."""

    table = orm.stock_take_items

    def _key(self, stock_take_id: str, record_id: str) -> tuple[Any, ...]:
        t = self.table
        return (t.c.stock_take_id == stock_take_id, t.c.record_id == record_id)

    def item(self, stock_take_id: str, record_id: str) -> TableRow | None:
        return self.first(*self._key(stock_take_id, record_id))

    def check(self, stock_take_id: str, record_id: str, values: Mapping[str, Any]) -> None:
        self.change_where(values, *self._key(stock_take_id, record_id))

    def counts_by_result(self, stock_take_id: str) -> dict[str, int]:
        t = self.table
        return dict(
            self.session.execute(
                select(t.c.result, func.count())
                .where(t.c.stock_take_id == stock_take_id)
                .group_by(t.c.result)
            ).all()
        )

    def with_result(self, stock_take_id: str, result: str) -> list[TableRow]:
        """In record number order."""
        t = self.table
        return self.find(
            t.c.stock_take_id == stock_take_id,
            t.c.result == result,
            order_by=[t.c.record_number],
        )

    def with_shelves(self, stock_take_id: str) -> list[TableRow]:
        """Each item with its record's shelf (for the labels), in record number order."""
        items, records = self.table, orm.records
        return list(
            self.session.execute(
                select(
                    items.c.record_id,
                    items.c.record_number,
                    items.c.title,
                    records.c.storeroom,
                    records.c.cabinet,
                    records.c.shelf,
                    records.c.box,
                )
                .join(records, records.c.id == items.c.record_id, isouter=True)
                .where(items.c.stock_take_id == stock_take_id)
                .order_by(items.c.record_number)
            ).all()
        )


class Repairs(RowRepository):
    table = orm.repairs

    def page_for(self, open_only: bool, page: Page) -> tuple[list[TableRow], int]:
        """Open ones first, then newest first."""
        t = self.table
        conditions = [t.c.state == "open"] if open_only else []
        return self.page(
            *conditions, order_by=[t.c.state.desc(), t.c.opened_at.desc(), t.c.id], page=page
        )
