"""The facilities unit of work: the shared one plus this service's records."""

from __future__ import annotations

from sqlalchemy.orm import Session

from facilities.adapters import orm
from facilities.adapters.repository import (
    DemandLists,
    Inventory,
    Records,
    Requisitions,
    SupplyBudgets,
)
from facilities.domain.incidents import Incident
from facilities.domain.inventory import Issue, Replenishment, StockTake
from facilities.domain.repairs import Repair
from facilities.domain.sites import InspectionRound, Rectification, SafetyInspection, Zone
from facilities.domain.supplies import Item, PurchaseOrder
from facilities.domain.travel import CompanyEvent, Expense, Trip
from secretariat_shared.uow import UnitOfWork


class Stores:
    """Every record store of the service, on some session."""

    @property
    def session(self) -> Session:
        raise NotImplementedError

    @property
    def items(self) -> Records[Item]:
        return Records(self.session, orm.items, Item)

    @property
    def inventory(self) -> Inventory:
        return Inventory(self.session)

    @property
    def issues(self) -> Records[Issue]:
        return Records(self.session, orm.issues, Issue)

    @property
    def stock_takes(self) -> Records[StockTake]:
        return Records(self.session, orm.stock_takes, StockTake)

    @property
    def replenishments(self) -> Records[Replenishment]:
        return Records(self.session, orm.replenishments, Replenishment)

    @property
    def rectifications(self) -> Records[Rectification]:
        return Records(self.session, orm.rectifications, Rectification)

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
    def purchase_orders(self) -> Records[PurchaseOrder]:
        return Records(self.session, orm.purchase_orders, PurchaseOrder)

    @property
    def repairs(self) -> Records[Repair]:
        return Records(self.session, orm.repairs, Repair)

    @property
    def zones(self) -> Records[Zone]:
        return Records(self.session, orm.zones, Zone)

    @property
    def rounds(self) -> Records[InspectionRound]:
        return Records(self.session, orm.inspection_rounds, InspectionRound)

    @property
    def safety_inspections(self) -> Records[SafetyInspection]:
        return Records(self.session, orm.safety_inspections, SafetyInspection)

    @property
    def trips(self) -> Records[Trip]:
        return Records(self.session, orm.trips, Trip)

    @property
    def expenses(self) -> Records[Expense]:
        return Records(self.session, orm.expenses, Expense)

    @property
    def company_events(self) -> Records[CompanyEvent]:
        return Records(self.session, orm.company_events, CompanyEvent)

    @property
    def incidents(self) -> Records[Incident]:
        return Records(self.session, orm.incidents, Incident)


class ReadStores(Stores):
    """The stores on a read-only session (no outbox, no audit)."""

    def __init__(self, session: Session) -> None:
        self._read_session = session

    @property
    def session(self) -> Session:
        return self._read_session


class FacilitiesUnitOfWork(UnitOfWork, Stores):
    """The shared unit of work with the stores on its session."""
