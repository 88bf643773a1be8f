"""Departments' supplies budgets per year, set by finance, and the review of a
month's list against them (SPEC F-01 level 2)."""

from __future__ import annotations

from collections.abc import Sequence

from facilities.domain.supplies import (
    DepartmentDemand,
    Item,
    Requisition,
    SupplyBudget,
    budget_key,
    budget_problems,
    budget_review,
)
from facilities.service_layer.catalogue import snapshot
from facilities.service_layer.common import (
    OVERSEERS,
    Listing,
    add_problems,
    raise_if,
    require_role,
    to_proto,
)
from facilities.service_layer.requisitions import Requisitioning
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork, Stores
from secretariat.facilities.v1 import events_pb2, facilities_pb2
from secretariat_shared.errors import (
    FieldError,
)
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page
from secretariat_shared.roles import Role

BUDGET_KEEPERS = (Role.FINANCE,)
"""Who sets the departments' supplies budgets (F-01)."""


class Budgets(Requisitioning):
    """Each department's supplies budget per year, against which finance reviews
    the month's list (F-01 level 2)."""

    def _budget_review(
        self,
        uow: FacilitiesUnitOfWork,
        year: int,
        requisitions: Sequence[Requisition],
        catalogue: dict[str, Item],
    ) -> list[DepartmentDemand]:
        """SPEC F-01 level 2: what finance reviews: each department's share of
        the list, at the list's prices, beside its budget and the year so far."""
        amounts: dict[str, int] = {}
        for requisition in requisitions:
            share = sum(
                line.quantity * catalogue[line.item_code].agreed_price_fen
                for line in requisition.lines
            )
            amounts[requisition.department_code] = (
                amounts.get(requisition.department_code, 0) + share
            )
        budgets = {b.department_code: b.amount_fen for b in uow.supply_budgets.of_year(year)}
        return budget_review(year, amounts, budgets, self._spent_in_year(uow, year))

    @staticmethod
    def _spent_in_year(stores: Stores, year: int) -> dict[str, int]:
        """What the year's approved lists took per department."""
        spent: dict[str, int] = {}
        for ordered in stores.demand_lists.ordered_in_year(year):
            for share in ordered.departments:
                spent[share.department_code] = (
                    spent.get(share.department_code, 0) + share.amount_fen
                )
        return spent

    # -- supplies budgets (F-01) ---------------------------------------------------

    def put_supply_budget(
        self, actor: Identity, department_code: str, year: int, amount_fen: int
    ) -> SupplyBudget:
        """SPEC F-01: finance sets each department's supplies budget per year."""
        require_role(actor, BUDGET_KEEPERS, "setting supplies budgets")
        errors: list[FieldError] = []
        code = department_code.strip().upper()
        add_problems(errors, budget_problems(year, amount_fen))
        if not code:
            errors.append(FieldError("department_code", "is required"))
        elif self.directory.department(code) is None:
            errors.append(FieldError("department_code", f"unknown department {code!r}"))
        raise_if(errors)
        now = self.now()
        with self.uow() as uow:
            key = budget_key(code, year)
            found = uow.supply_budgets.get(key, for_update=True)
            budget = SupplyBudget(key, code, year, amount_fen, actor.username, now)
            if found is None:
                uow.supply_budgets.add(budget)
            else:
                uow.supply_budgets.save(budget)
            budget.spent_fen = self._spent_in_year(uow, year).get(code, 0)
            uow.emit(
                "facilities.supply_budget.set",
                key,
                events_pb2.SupplyBudgetSet(
                    budget=to_proto(facilities_pb2.SupplyBudget(), budget), actor=actor.username
                ),
            )
            uow.audit(
                actor.username,
                "set_budget",
                "supply_budget",
                key,
                snapshot(found) if found else None,
                snapshot(budget),
            )
            uow.commit()
        return budget

    def list_supply_budgets(
        self, actor: Identity, year: int, page: Page | None = None
    ) -> Listing[SupplyBudget]:
        require_role(actor, OVERSEERS, "reading supplies budgets")
        year = year or self.today().year
        with self.reading() as stores:
            budgets, total = stores.supply_budgets.page_of_year(year, page)
            spent = self._spent_in_year(stores, year)
        for budget in budgets:
            budget.spent_fen = spent.get(budget.department_code, 0)
        return Listing(budgets, total)
