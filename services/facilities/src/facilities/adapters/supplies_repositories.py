"""Repositories of the supplies aggregates (SPEC F-01..F-05): catalogue,
requisitions, demand lists, budgets, purchase orders, issues, stock-takes and
replenishment requests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from facilities.adapters import orm
from facilities.domain.inventory import Issue, Replenishment, StockTake
from facilities.domain.supplies import (
    DemandList,
    DemandListState,
    Item,
    PurchaseOrder,
    Requisition,
    RequisitionState,
    SupplyBudget,
)
from secretariat_shared.paging import Page
from secretariat_shared.records import Records

OPEN = "open"


class Items(Records[Item]):
    """The catalogue, keyed by item code."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.items, Item)

    def by_code(self, code: str, for_update: bool = False) -> Item | None:
        found = self.find(self.table.c.code == code, for_update=for_update)
        return found[0] if found else None

    def by_codes(self, codes: Sequence[str]) -> dict[str, Item]:
        return {i.code: i for i in self.find(self.table.c.code.in_(sorted(set(codes))))}

    def catalogue(self) -> dict[str, Item]:
        return {i.code: i for i in self.find()}

    def page_by_code(self, page: Page | None, code: str = "") -> tuple[list[Item], int]:
        t = self.table
        conditions = [t.c.code == code] if code else []
        return self.page(*conditions, order_by=[t.c.code], page=page)


class Requisitions(Records[Requisition]):
    """Requisitions (SPEC F-01)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.requisitions, Requisition)

    def page_for(
        self,
        state: str,
        page: Page | None,
        requester: str = "",
        departments: Sequence[str] = (),
    ) -> tuple[list[Requisition], int]:
        """Newest first. With ``requester``: theirs, and with ``departments`` also
        those of these departments; without either: all."""
        t = self.table
        conditions = [t.c.state == state] if state else []
        if requester and departments:
            conditions.append(
                (t.c.requester == requester) | t.c.department_code.in_(sorted(departments))
            )
        elif requester:
            conditions.append(t.c.requester == requester)
        return self.page(*conditions, order_by=[t.c.submitted_at.desc(), t.c.id], page=page)

    def awaiting_list(self, for_update: bool = False) -> list[Requisition]:
        """Signed (approved) requisitions no demand list has taken yet, oldest first."""
        t = self.table
        return self.find(
            t.c.state == RequisitionState.APPROVED,
            t.c.demand_list_id == "",
            order_by=[t.c.submitted_at, t.c.id],
            for_update=for_update,
        )

    def on_list(self, list_id: str, state: str = "", for_update: bool = False) -> list[Requisition]:
        t = self.table
        conditions = [t.c.demand_list_id == list_id]
        if state:
            conditions.append(t.c.state == state)
        return self.find(*conditions, order_by=[t.c.submitted_at, t.c.id], for_update=for_update)


class DemandLists(Records[DemandList]):
    """The monthly demand lists (SPEC F-01)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.demand_lists, DemandList)

    def of_month(self, month: str, for_update: bool = False) -> list[DemandList]:
        return self.find(self.table.c.month == month, for_update=for_update)

    def page_of_month(self, month: str, page: Page | None) -> tuple[list[DemandList], int]:
        """Newest first; every month's without ``month``."""
        t = self.table
        conditions = [t.c.month == month] if month else []
        return self.page(*conditions, order_by=[t.c.created_at.desc(), t.c.id], page=page)

    def ordered_in_year(self, year: int) -> list[DemandList]:
        """The year's lists that finance and the office director approved."""
        t = self.table
        return self.find(
            t.c.state == DemandListState.ORDERED,
            t.c.month.startswith(f"{year:04d}-"),
            order_by=[t.c.month, t.c.id],
        )


class SupplyBudgets(Records[SupplyBudget]):
    """Departments' supplies budgets per year (SPEC F-01)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.supply_budgets, SupplyBudget)

    def of_year(self, year: int) -> list[SupplyBudget]:
        t = self.table
        return self.find(t.c.year == year, order_by=[t.c.department_code])

    def page_of_year(self, year: int, page: Page | None) -> tuple[list[SupplyBudget], int]:
        t = self.table
        return self.page(t.c.year == year, order_by=[t.c.department_code, t.c.id], page=page)


class PurchaseOrders(Records[PurchaseOrder]):
    """Purchase orders (SPEC F-02)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.purchase_orders, PurchaseOrder)

    def count_numbered(self, prefix: str) -> int:
        """How many order numbers start with ``prefix`` (numbering is per month)."""
        return self.count(self.table.c.number.startswith(prefix))

    def page_for(
        self, demand_list_id: str, state: str, page: Page | None
    ) -> tuple[list[PurchaseOrder], int]:
        """By number; the filters combine."""
        t = self.table
        conditions = []
        if demand_list_id:
            conditions.append(t.c.demand_list_id == demand_list_id)
        if state:
            conditions.append(t.c.state == state)
        return self.page(*conditions, order_by=[t.c.number, t.c.id], page=page)


class Issues(Records[Issue]):
    """The issue ledger (SPEC F-05)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.issues, Issue)

    def _conditions(self, requisition_id: str) -> list[Any]:
        return [self.table.c.requisition_id == requisition_id] if requisition_id else []

    def page_for(self, requisition_id: str, page: Page | None) -> tuple[list[Issue], int]:
        """Newest first; a requisition's issues, or every issue."""
        t = self.table
        order = [t.c.issued_at.desc(), t.c.id]
        return self.page(*self._conditions(requisition_id), order_by=order, page=page)

    def newest_first(self, requisition_id: str = "") -> list[Issue]:
        t = self.table
        return self.find(*self._conditions(requisition_id), order_by=[t.c.issued_at.desc(), t.c.id])


class StockTakes(Records[StockTake]):
    """Stock-takes (SPEC F-05)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.stock_takes, StockTake)

    def page_newest(self, page: Page | None) -> tuple[list[StockTake], int]:
        t = self.table
        return self.page(order_by=[t.c.taken_at.desc(), t.c.id], page=page)


class Replenishments(Records[Replenishment]):
    """Replenishment requests (SPEC F-04)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.replenishments, Replenishment)

    def open_unlisted(self, for_update: bool = False) -> list[Replenishment]:
        """Open requests no demand list has taken yet."""
        t = self.table
        return self.find(t.c.state == OPEN, t.c.demand_list_id == "", for_update=for_update)

    def on_list(self, list_id: str, for_update: bool = False) -> list[Replenishment]:
        return self.find(self.table.c.demand_list_id == list_id, for_update=for_update)

    def open_for_item(self, item_id: str) -> list[Replenishment]:
        t = self.table
        return self.find(t.c.item_id == item_id, t.c.state == OPEN)

    def page_in_state(self, state: str, page: Page | None) -> tuple[list[Replenishment], int]:
        """Newest first; every state's without ``state``."""
        t = self.table
        conditions = [t.c.state == state] if state else []
        return self.page(*conditions, order_by=[t.c.raised_at.desc(), t.c.id], page=page)
