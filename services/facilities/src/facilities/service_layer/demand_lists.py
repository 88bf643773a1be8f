"""The month's consolidated demand list and its one approval by finance and the
office director (SPEC F-01 levels 2 and 3)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from facilities.domain.inventory import (
    Replenishment,
)
from facilities.domain.supplies import (
    DemandList,
    DemandListState,
    DepartmentDemand,
    Requisition,
    RequisitionState,
    Wanted,
    consolidate,
    flag_over_budget,
    parse_month,
)
from facilities.service_layer.budgets import Budgets
from facilities.service_layer.catalogue import snapshot, yuan
from facilities.service_layer.common import (
    OVERSEERS,
    STOREKEEPERS,
    Listing,
    require_role,
)
from facilities.service_layer.ports import ApprovalRequest
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page
from secretariat_shared.roles import Role

log = logging.getLogger(__name__)


class MonthlyLists(Budgets):
    """The month's demand list: consolidated by the secretariat, reviewed by
    finance (level 2), approved by the office director (level 3)."""

    # -- the monthly demand list (F-01) ---------------------------------------

    def consolidate(self, actor: Identity, month: str) -> DemandList:
        """SPEC F-01: the secretariat gathers the approved requisitions (and open
        replenishment requests, F-04) into the month's list, which then goes to
        finance and the office director as one approval.

        The engine is asked while the gathered rows are locked, so two
        consolidations can never put the same requisition on two lists.
        """
        require_role(actor, STOREKEEPERS, "consolidating the demand list")
        month = month.strip() or self.today().strftime("%Y-%m")
        try:
            parse_month(month)
        except ValueError as exc:
            raise ValidationFailed(FieldError("month", str(exc))) from exc
        with self.uow() as uow:
            lists = uow.demand_lists.of_month(month, for_update=True)
            live = [d for d in lists if d.state not in DemandListState.CLOSED_WITHOUT_ORDER]
            if live:
                raise Conflict(
                    f"the demand list of {month} exists already ({live[0].state}); "
                    "later requisitions go on next month's list"
                )
            requisitions = uow.requisitions.awaiting_list(for_update=True)
            replenishments = uow.replenishments.open_unlisted(for_update=True)
            if not requisitions and not replenishments:
                raise PreconditionFailed(
                    "nothing to consolidate: no approved requisition or open replenishment "
                    "request is waiting for a list"
                )
            catalogue = uow.items.catalogue()
            wanted = [
                Wanted(catalogue[line.item_code], line.quantity, requisition_id=r.id)
                for r in requisitions
                for line in r.lines
            ] + [
                Wanted(catalogue[p.item_code], p.suggested_quantity, replenishment_id=p.id)
                for p in replenishments
            ]
            now = self.now()
            demand = DemandList(
                id=str(uuid.uuid4()),
                month=month,
                state=DemandListState.PENDING_APPROVAL,
                lines=consolidate(wanted),
                requisition_ids=[r.id for r in requisitions],
                consolidated_by=actor.username,
                created_at=now,
            )
            demand.departments = self._budget_review(uow, demand.year, requisitions, catalogue)
            flag_over_budget(
                demand.lines, demand.departments, {r.id: r.department_code for r in requisitions}
            )
            over = "，含超预算部门" if demand.over_budget else ""
            request = ApprovalRequest(
                template=self._list_template,
                subject=f"{month} 办公用品需求汇总（{len(demand.lines)} 项{over}）",
                payload={
                    "description": _list_description(demand),
                    "demand_list_id": demand.id,
                    "month": month,
                    "items": [
                        {
                            "item_code": line.item_code,
                            "name": line.name,
                            "unit": line.unit,
                            "supplier": line.supplier,
                            "quantity": line.quantity,
                            "unit_price_fen": line.unit_price_fen,
                            "amount_fen": line.amount_fen,
                            "over_budget": line.over_budget,
                            "over_budget_departments": line.over_budget_departments,
                        }
                        for line in demand.lines
                    ],
                    "departments": [_department_payload(d) for d in demand.departments],
                    "over_budget": demand.over_budget,
                    "requisitions": len(requisitions),
                    "amount": yuan(demand.total_fen),
                    "total_fen": demand.total_fen,
                },
                requester_username=actor.username,
                source_ref=f"demand-list:{demand.id}",
            )
            uow.demand_lists.add(demand)
            self._claim_for_list(uow, requisitions, replenishments, demand.id)
            self.approval_starter.schedule(uow, request, actor.username)
            uow.commit()
        demand.approval_id = self.approval_starter.start(request, actor.username)
        return demand

    def _demand_list_started(
        self, uow: FacilitiesUnitOfWork, list_id: str, approval_id: str, actor: str
    ) -> None:
        demand = uow.demand_lists.get(list_id, for_update=True)
        if demand is None or demand.approval_id:
            return
        demand.approval_id = approval_id
        uow.demand_lists.save(demand)
        self._list_event(uow, "consolidated", demand, actor)
        uow.audit(actor, "consolidate", "demand_list", demand.id, None, snapshot(demand))

    def _demand_list_refused(self, uow: FacilitiesUnitOfWork, list_id: str) -> None:
        """The list goes and what it claimed waits for the next one."""
        demand = uow.demand_lists.get(list_id, for_update=True)
        if demand is None or demand.approval_id:
            return
        self._claim_for_list(
            uow,
            uow.requisitions.on_list(list_id, for_update=True),
            uow.replenishments.on_list(list_id, for_update=True),
            "",
        )
        uow.demand_lists.delete(list_id)

    def _claim_for_list(
        self,
        uow: FacilitiesUnitOfWork,
        requisitions: Sequence[Requisition],
        replenishments: Sequence[Replenishment],
        list_id: str,
    ) -> None:
        for requisition in requisitions:
            requisition.demand_list_id = list_id
            uow.requisitions.save(requisition)
        for replenishment in replenishments:
            replenishment.demand_list_id = list_id
            uow.replenishments.save(replenishment)

    def get_demand_list(self, actor: Identity, list_id: str) -> DemandList:
        require_role(actor, OVERSEERS, "reading demand lists")
        with self.reading() as stores:
            demand = stores.demand_lists.get(list_id)
        if demand is None:
            raise NotFound(f"demand list {list_id} not found")
        return demand

    def list_demand_lists(
        self, actor: Identity, month: str, page: Page | None = None
    ) -> Listing[DemandList]:
        require_role(actor, OVERSEERS, "reading demand lists")
        with self.reading() as stores:
            return Listing.of(stores.demand_lists.page_of_month(month, page))

    def demand_list_decided(
        self, uow: FacilitiesUnitOfWork, list_id: str, approval_id: str, outcome: str
    ) -> None:
        demand = uow.demand_lists.get(list_id, for_update=True)
        if demand is None:
            log.warning("approval %s decided unknown demand list %s", approval_id, list_id)
            return
        if demand.state != DemandListState.PENDING_APPROVAL or (
            demand.approval_id and approval_id and demand.approval_id != approval_id
        ):
            return
        now = self.now()
        before = snapshot(demand)
        demand.decided_at = now
        if outcome != DemandListState.APPROVED:
            demand.state = outcome
            requisitions = uow.requisitions.on_list(demand.id)
            replenishments = uow.replenishments.on_list(demand.id)
            self._claim_for_list(uow, requisitions, replenishments, "")
            uow.demand_lists.save(demand)
            self._list_event(uow, outcome, demand, "system")
            self.notify(
                uow,
                [demand.consolidated_by],
                f"demand_list_{outcome}",
                f"{demand.month} 需求汇总未通过",
                "需求汇总审批未通过；其中的申领已退回待汇总，可调整后重新汇总。",
                f"facilities/demand-lists/{demand.id}",
            )
        else:
            orders = self._place_orders(uow, demand, now)
            demand.state = DemandListState.ORDERED
            demand.purchase_order_ids = [o.id for o in orders]
            uow.demand_lists.save(demand)
            self._list_event(uow, "approved", demand, "system")
            self._tell_requesters_list_approved(uow, demand)
            self.notify(
                uow,
                [demand.consolidated_by, *self.holders(Role.SECRETARIAT)],
                "purchase_orders_placed",
                f"{demand.month} 采购订单已下达",
                "；".join(
                    f"{o.number} {o.supplier}，交货 {o.delivery_date.isoformat()}" for o in orders
                ),
                f"facilities/demand-lists/{demand.id}",
            )
        uow.audit(
            "system", f"demand_list_{outcome}", "demand_list", demand.id, before, snapshot(demand)
        )

    def _tell_requesters_list_approved(self, uow: FacilitiesUnitOfWork, demand: DemandList) -> None:
        """SPEC F-01: with finance's review and the director's approval of the list
        the head-signed requisitions on it are approved in full."""
        for requisition in uow.requisitions.on_list(demand.id, RequisitionState.APPROVED):
            if not requisition.signed_alone:
                continue
            self.notify(
                uow,
                [requisition.requester],
                "supply_requisition_approved",
                "物品申领已批准",
                f"{demand.month} 需求汇总已经财务审核、办公室主任批准；"
                "物品在库即可凭领取码扫码领取，缺货的到货后通知您。",
                f"facilities/requisitions/{requisition.id}",
            )


def _department_payload(share: DepartmentDemand) -> dict[str, Any]:
    return {
        "department_code": share.department_code,
        "amount": yuan(share.amount_fen),
        "budget": yuan(share.budget_fen) if share.has_budget else None,
        "spent_before": yuan(share.spent_before_fen),
        "over_budget": share.over_budget,
    }


def _list_description(demand: DemandList) -> str:
    """The purchase form's description: what the month's list buys, from whom."""
    text = f"{demand.month} 办公用品需求汇总：" + "；".join(
        f"{line.name}×{line.quantity}{line.unit}（{line.supplier}"
        + ("，超预算" if line.over_budget else "")
        + "）"
        for line in demand.lines
    )
    return text if len(text) <= 2000 else text[:1999] + "…"
