"""Every repository of the service, on one session (issue 11: one persistence
style — named queries over Core tables, no SQL in the use cases)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from facilities.adapters.inventory_repository import Inventory
from facilities.adapters.repairs_repositories import Incidents, Repairs
from facilities.adapters.sites_repositories import (
    InspectionRounds,
    Rectifications,
    SafetyInspections,
    Zones,
)
from facilities.adapters.supplies_repositories import (
    DemandLists,
    Issues,
    Items,
    PurchaseOrders,
    Replenishments,
    Requisitions,
    StockTakes,
    SupplyBudgets,
)
from facilities.adapters.travel_repositories import CompanyEvents, Expenses, Trips


class Stores:
    """Every record store of the service, on some session."""

    @property
    def session(self) -> Session:
        raise NotImplementedError

    @property
    def items(self) -> Items:
        return Items(self.session)

    @property
    def inventory(self) -> Inventory:
        return Inventory(self.session)

    @property
    def issues(self) -> Issues:
        return Issues(self.session)

    @property
    def stock_takes(self) -> StockTakes:
        return StockTakes(self.session)

    @property
    def replenishments(self) -> Replenishments:
        return Replenishments(self.session)

    @property
    def requisitions(self) -> Requisitions:
        return Requisitions(self.session)

    @property
    def demand_lists(self) -> DemandLists:
        return DemandLists(self.session)

    @property
    def supply_budgets(self) -> SupplyBudgets:
        return SupplyBudgets(self.session)

    @property
    def purchase_orders(self) -> PurchaseOrders:
        return PurchaseOrders(self.session)

    @property
    def rectifications(self) -> Rectifications:
        return Rectifications(self.session)

    @property
    def repairs(self) -> Repairs:
        return Repairs(self.session)

    @property
    def zones(self) -> Zones:
        return Zones(self.session)

    @property
    def rounds(self) -> InspectionRounds:
        return InspectionRounds(self.session)

    @property
    def safety_inspections(self) -> SafetyInspections:
        return SafetyInspections(self.session)

    @property
    def trips(self) -> Trips:
        return Trips(self.session)

    @property
    def expenses(self) -> Expenses:
        return Expenses(self.session)

    @property
    def company_events(self) -> CompanyEvents:
        return CompanyEvents(self.session)

    @property
    def incidents(self) -> Incidents:
        return Incidents(self.session)


class ReadStores(Stores):
    """The stores on a read-only session (no outbox, no audit)."""

    def __init__(self, session: Session) -> None:
        self._read_session = session

    @property
    def session(self) -> Session:
        return self._read_session
