"""Supplies: catalogue, requisitions, the monthly demand list, purchase orders,
FIFO stock, scan-to-collect, stock-takes and replenishment (SPEC F-01..F-05)."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from facilities.domain import collection
from facilities.domain.inventory import (
    Batch,
    BatchDraw,
    InsufficientStock,
    Issue,
    IssueLine,
    Replenishment,
    StockLevel,
    StockTake,
    StockTakeLine,
    averaging_days,
    cost_of,
    is_below_line,
    line_in_force,
    minimum_stock_line,
    plan_fifo,
    suggested_replenishment,
)
from facilities.domain.limits import MAX_QUANTITY, too_many, too_much
from facilities.domain.supplies import (
    CODE_PATTERN,
    DemandList,
    DemandListState,
    DepartmentDemand,
    Item,
    PurchaseOrder,
    PurchaseOrderState,
    Requisition,
    RequisitionLine,
    RequisitionState,
    SignatureRefused,
    SupplyBudget,
    Wanted,
    budget_key,
    budget_review,
    consolidate,
    flag_over_budget,
    may_sign,
    orders_by_supplier,
    parse_month,
    receive,
    scheduled_delivery,
    sign,
    signers_for,
)
from facilities.service_layer import metrics
from facilities.service_layer.approval_start import ApprovalStarter, Settlement
from facilities.service_layer.common import (
    OVERSEERS,
    STOREKEEPERS,
    Context,
    Listing,
    UseCases,
    bounded,
    raise_if,
    require_role,
    require_text,
    to_proto,
)
from facilities.service_layer.ports import ApprovalRequest
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork, Stores
from secretariat.facilities.v1 import events_pb2, facilities_pb2
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

log = logging.getLogger(__name__)

DELIVERY_DUE_TIMER = "purchase_order_delivery_due"
SIGNATURE_DUE_TIMER = "requisition_signature_due"
SIGNATURE_HOURS = 24
"""F-01 level 1 is due like an approval step (D-08): 24 working hours."""
BUDGET_KEEPERS = (Role.FINANCE,)
"""Who sets the departments' supplies budgets (F-01)."""


@dataclass(frozen=True)
class PutItem:
    code: str
    name: str
    unit: str
    supplier: str
    agreed_price_fen: int
    min_stock_override: int | None = None
    active: bool = True


@dataclass(frozen=True)
class StockCount:
    item_code: str
    counted: int
    reason: str = ""


def yuan(fen: int) -> float:
    return round(fen / 100, 2)


def derive_code_key(configured: str, internal_secret: str) -> bytes:
    """The collection-code key: the configured one, else one derived from the internal secret."""
    if configured:
        return configured.encode()
    return hmac.new(
        internal_secret.encode(), b"facilities collection codes", hashlib.sha256
    ).digest()


class Supplies(UseCases):
    def __init__(
        self,
        ctx: Context,
        code_key: bytes,
        code_ttl: timedelta,
        qr: Callable[[str], bytes],
        window_days: int = 90,
        demand_list_template: str = "purchase",
    ) -> None:
        super().__init__(ctx)
        self._code_key = code_key
        self._code_ttl = code_ttl
        self._qr = qr
        self._window_days = window_days
        self._list_template = demand_list_template
        self.approval_starter = ApprovalStarter(
            ctx.approvals,
            ctx.uow_factory,
            ctx.clock,
            {
                "requisition": Settlement(self._requisition_started, self._requisition_refused),
                "demand-list": Settlement(self._demand_list_started, self._demand_list_refused),
            },
        )

    # -- catalogue ----------------------------------------------------------

    def put_item(self, actor: Identity, cmd: PutItem) -> Item:
        require_role(actor, STOREKEEPERS, "keeping the catalogue")
        errors: list[FieldError] = []
        code = cmd.code.strip().upper()
        if not CODE_PATTERN.match(code):
            errors.append(FieldError("code", "must be 1-40 letters, digits, - or _"))
        name = require_text(cmd.name, "name", errors)
        unit = require_text(cmd.unit, "unit", errors, 20)
        supplier = require_text(cmd.supplier, "supplier", errors)
        if cmd.agreed_price_fen <= 0:
            errors.append(FieldError("agreed_price_fen", "must be positive (fen)"))
        bounded(too_much(cmd.agreed_price_fen), "agreed_price_fen", errors)
        if cmd.min_stock_override is not None:
            if cmd.min_stock_override < 0:
                errors.append(FieldError("min_stock_override", "must not be negative"))
            bounded(too_many(cmd.min_stock_override), "min_stock_override", errors)
        raise_if(errors)
        with self.uow() as uow:
            existing = uow.items.by_code(code, for_update=True)
            found = [existing] if existing else []
            now = self.now()
            item = Item(
                id=found[0].id if found else str(uuid.uuid4()),
                code=code,
                name=name,
                unit=unit,
                supplier=supplier,
                agreed_price_fen=cmd.agreed_price_fen,
                min_stock_override=cmd.min_stock_override,
                active=cmd.active,
            )
            if found:
                uow.items.save(item, updated_at=now)
            else:
                uow.items.add(item, updated_at=now)
            uow.emit(
                "facilities.item.saved",
                item.id,
                events_pb2.ItemSaved(
                    item=to_proto(facilities_pb2.Item(), item), actor=actor.username
                ),
            )
            uow.audit(
                actor.username,
                "update_item" if found else "create_item",
                "item",
                item.id,
                _snap(found[0]) if found else None,
                _snap(item),
            )
            uow.commit()
        return item

    def get_item(self, code: str) -> Item:
        with self.reading() as stores:
            found = stores.items.by_code(code.strip().upper())
        if found is None:
            raise NotFound(f"item {code} not found")
        return found

    def list_items(self, page: Page | None = None) -> Listing[Item]:
        with self.reading() as stores:
            return Listing.of(stores.items.page_by_code(page))

    # -- requisitions (F-01) -------------------------------------------------

    def submit_requisition(
        self, actor: Identity, purpose: str, lines: Sequence[tuple[str, int]]
    ) -> Requisition:
        """SPEC F-01: an employee asks for items; the approval engine runs the three levels."""
        errors: list[FieldError] = []
        if not lines:
            errors.append(FieldError("lines", "name at least one item and quantity"))
        if len(purpose) > 500:
            errors.append(FieldError("purpose", "must be at most 500 characters"))
        with self.reading() as stores:
            catalogue = stores.items.catalogue()
        wanted: list[RequisitionLine] = []
        seen: set[str] = set()
        for index, (raw_code, quantity) in enumerate(lines):
            code = raw_code.strip().upper()
            item = catalogue.get(code)
            if item is None or not item.active:
                errors.append(FieldError(f"lines[{index}].item_code", f"unknown item {raw_code!r}"))
            elif code in seen:
                errors.append(FieldError(f"lines[{index}].item_code", f"{code} is listed twice"))
            if quantity <= 0:
                errors.append(FieldError(f"lines[{index}].quantity", "must be positive"))
            bounded(too_many(quantity), f"lines[{index}].quantity", errors)
            seen.add(code)
            if item is not None and 0 < quantity <= MAX_QUANTITY:
                wanted.append(
                    RequisitionLine(
                        item.code, item.name, item.unit, quantity, item.agreed_price_fen
                    )
                )
        raise_if(errors)
        if actor.is_service or not actor.department_code:
            raise PreconditionFailed("a requisition is made by a person in a department")
        department = self.directory.department(actor.department_code)
        signers = signers_for(
            actor.username,
            department.head_username if department else "",
            department.supervising_leader_username if department else "",
        )
        if not signers:
            raise PreconditionFailed(
                f"nobody can sign a requisition of {actor.department_code}: "
                "the department has no head (or supervising leader) in the directory"
            )
        now = self.now()
        requisition = Requisition(
            id=str(uuid.uuid4()),
            requester=actor.username,
            department_code=actor.department_code,
            purpose=purpose.strip(),
            lines=wanted,
            state=RequisitionState.PENDING_APPROVAL,
            submitted_at=now,
            signers=signers,
        )
        due = self.calendar.add_sla(now, SIGNATURE_HOURS)
        with self.uow() as uow:
            uow.requisitions.add(requisition)
            self._requisition_event(uow, "submitted", requisition, actor.username)
            uow.audit(
                actor.username, "submit", "requisition", requisition.id, None, _snap(requisition)
            )
            self.timers.schedule(
                uow.session,
                SIGNATURE_DUE_TIMER,
                _signature_timer_key(requisition.id),
                due,
                {"requisition_id": requisition.id},
            )
            self._ask_signers(uow, requisition, department.name if department else "", due)
            uow.after_commit(lambda: metrics.REQUISITIONS.labels("submitted").inc())
            uow.commit()
        return requisition

    def _ask_signers(
        self,
        uow: FacilitiesUnitOfWork,
        requisition: Requisition,
        department_name: str,
        due: datetime,
        reminder: bool = False,
    ) -> None:
        person = self.directory.person(requisition.requester)
        who = (person.name if person else "") or requisition.requester
        where = f"（{department_name}）" if department_name else ""
        items = "、".join(f"{line.name}×{line.quantity}{line.unit}" for line in requisition.lines)
        self.notify(
            uow,
            requisition.signers,
            "supply_requisition_signature_overdue" if reminder else "supply_requisition_to_sign",
            ("催办：" if reminder else "")
            + f"物品申领待签批：{who}{where}，合计 {yuan(requisition.total_fen):.2f} 元",
            f"{who}申领 {items}；用途：{requisition.purpose or '未填写'}。"
            "请签批（同意后列入本月需求汇总，由财务审核、办公室主任批准）。",
            f"facilities/requisitions/{requisition.id}",
            due_at=due,
        )

    def sign_requisition(
        self, actor: Identity, requisition_id: str, action: str, comment: str
    ) -> Requisition:
        """SPEC F-01 level 1: the department head signs (approves or rejects with a
        reason). Approved, the requisition waits for the month's list."""
        if action not in ("approve", "reject"):
            raise ValidationFailed(FieldError("action", "must be approve or reject"))
        with self.uow() as uow:
            requisition = uow.requisitions.get(requisition_id, for_update=True)
            if requisition is None or not self._may_read_requisition(actor, requisition):
                raise NotFound(f"requisition {requisition_id} not found")
            heads = requisition.department_code in actor.headed_departments
            if not may_sign(requisition, actor.username, heads):
                raise PermissionDenied(
                    "only the requester's department head (for a head's own requisition, "
                    "the supervising leader) signs it"
                )
            before = _snap(requisition)
            now = self.now()
            try:
                sign(requisition, actor.username, action == "approve", comment, now)
            except SignatureRefused as exc:
                raise Conflict(str(exc)) from exc
            except ValueError as exc:
                raise ValidationFailed(FieldError("comment", str(exc))) from exc
            uow.requisitions.save(requisition)
            outcome = requisition.state
            self._requisition_event(uow, outcome, requisition, actor.username)
            uow.audit(
                actor.username,
                f"sign_{action}",
                "requisition",
                requisition.id,
                before,
                _snap(requisition),
            )
            self.timers.cancel(uow.session, _signature_timer_key(requisition.id), now)
            ref = f"facilities/requisitions/{requisition.id}"
            if outcome == RequisitionState.APPROVED:
                self.notify(
                    uow,
                    [requisition.requester],
                    "supply_requisition_signed",
                    "物品申领已由部门负责人签批",
                    "您的物品申领已签批，将列入本月需求汇总；汇总经财务审核、办公室主任批准后，"
                    "凭领取码扫码领取。",
                    ref,
                )
            else:
                self.notify(
                    uow,
                    [requisition.requester],
                    "supply_requisition_rejected",
                    "物品申领未通过",
                    f"部门负责人未同意您的物品申领：{requisition.sign_comment}",
                    ref,
                )
            uow.after_commit(lambda: metrics.REQUISITIONS.labels(outcome).inc())
            uow.commit()
        return requisition

    def on_signature_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """SPEC X-05, D-08: the head's signature is due; remind the signers once."""
        assert isinstance(uow, FacilitiesUnitOfWork)
        requisition = uow.requisitions.get(str(firing.payload["requisition_id"]), for_update=True)
        if requisition is None or requisition.state != RequisitionState.PENDING_APPROVAL:
            return
        self._requisition_event(uow, "signature_overdue", requisition, "system")
        department = self.directory.department(requisition.department_code)
        self._ask_signers(
            uow, requisition, department.name if department else "", firing.due_at, True
        )
        uow.after_commit(lambda: metrics.REQUISITIONS.labels("signature_overdue").inc())

    def _requisition_started(
        self, uow: FacilitiesUnitOfWork, requisition_id: str, approval_id: str, actor: str
    ) -> None:
        requisition = uow.requisitions.get(requisition_id, for_update=True)
        if requisition is None or requisition.approval_id:
            return
        requisition.approval_id = approval_id
        uow.requisitions.save(requisition)
        self._requisition_event(uow, "submitted", requisition, actor)
        uow.audit(actor, "submit", "requisition", requisition.id, None, _snap(requisition))
        uow.after_commit(lambda: metrics.REQUISITIONS.labels("submitted").inc())

    def _requisition_refused(self, uow: FacilitiesUnitOfWork, requisition_id: str) -> None:
        requisition = uow.requisitions.get(requisition_id, for_update=True)
        if requisition is not None and not requisition.approval_id:
            uow.requisitions.delete(requisition_id)

    def _requisition_event(
        self, uow: UnitOfWork, event: str, requisition: Requisition, actor: str
    ) -> None:
        uow.emit(
            f"facilities.requisition.{event}",
            requisition.id,
            events_pb2.RequisitionChanged(
                requisition=to_proto(facilities_pb2.Requisition(), requisition), actor=actor
            ),
        )

    def _may_read_requisition(self, actor: Identity, requisition: Requisition) -> bool:
        return (
            actor.is_service
            or requisition.requester == actor.username
            or actor.username in requisition.signers
            or actor.has_role(*OVERSEERS)
            or requisition.department_code in actor.headed_departments
        )

    def get_requisition(self, actor: Identity, requisition_id: str) -> Requisition:
        with self.reading() as stores:
            requisition = stores.requisitions.get(requisition_id)
        if requisition is None or not self._may_read_requisition(actor, requisition):
            raise NotFound(f"requisition {requisition_id} not found")
        return requisition

    def list_requisitions(
        self, actor: Identity, state: str, mine: bool, page: Page | None = None
    ) -> Listing[Requisition]:
        overseer = actor.has_role(*OVERSEERS)
        requester = "" if overseer and not mine else actor.username
        departments = () if mine or overseer else sorted(actor.headed_departments)
        with self.reading() as stores:
            return Listing.of(stores.requisitions.page_for(state, page, requester, departments))

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
        uow.audit(actor, "consolidate", "demand_list", demand.id, None, _snap(demand))

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
        if not 2000 <= year <= 2100:
            errors.append(FieldError("year", "must be a year between 2000 and 2100"))
        if amount_fen < 0:
            errors.append(FieldError("amount_fen", "must not be negative"))
        bounded(too_much(amount_fen), "amount_fen", errors)
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
                _snap(found) if found else None,
                _snap(budget),
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

    def _list_event(self, uow: UnitOfWork, event: str, demand: DemandList, actor: str) -> None:
        uow.emit(
            f"facilities.demand_list.{event}",
            demand.id,
            events_pb2.DemandListChanged(
                demand_list=to_proto(facilities_pb2.DemandList(), demand), actor=actor
            ),
        )

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

    # -- approval outcomes (documents.approval.completed) -------------------------

    def requisition_decided(
        self, uow: FacilitiesUnitOfWork, requisition_id: str, approval_id: str, outcome: str
    ) -> None:
        requisition = uow.requisitions.get(requisition_id, for_update=True)
        if requisition is None:
            log.warning("approval %s decided unknown requisition %s", approval_id, requisition_id)
            return
        if requisition.state != RequisitionState.PENDING_APPROVAL or (
            requisition.approval_id and approval_id and requisition.approval_id != approval_id
        ):
            return
        now = self.now()
        before = _snap(requisition)
        requisition.state = outcome
        requisition.decided_at = now
        uow.requisitions.save(requisition)
        self._requisition_event(uow, outcome, requisition, "system")
        uow.audit(
            "system",
            f"requisition_{outcome}",
            "requisition",
            requisition.id,
            before,
            _snap(requisition),
        )
        ref = f"facilities/requisitions/{requisition.id}"
        if outcome == RequisitionState.APPROVED:
            self.notify(
                uow,
                [requisition.requester],
                "supply_requisition_approved",
                "物品申领已批准",
                "您的物品申领已审批通过，将列入本月需求汇总；到货后凭领取码扫码领取。",
                ref,
            )
        else:
            self.notify(
                uow,
                [requisition.requester],
                f"supply_requisition_{outcome}",
                "物品申领未通过" if outcome == RequisitionState.REJECTED else "物品申领已撤回",
                "您的物品申领审批结果：" + ("未通过" if outcome == "rejected" else "已撤回") + "。",
                ref,
            )
        uow.after_commit(lambda: metrics.REQUISITIONS.labels(outcome).inc())

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
        before = _snap(demand)
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
            "system", f"demand_list_{outcome}", "demand_list", demand.id, before, _snap(demand)
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

    def _place_orders(
        self, uow: FacilitiesUnitOfWork, demand: DemandList, now: datetime
    ) -> list[PurchaseOrder]:
        """SPEC F-02: one order per contracted supplier at the agreed prices, delivered on the 25th."""
        delivery = scheduled_delivery(demand.month, self.today(), self.calendar.is_working_day)
        prefix = f"PO-{demand.month.replace('-', '')}-"
        taken = uow.purchase_orders.count_numbered(prefix)
        orders: list[PurchaseOrder] = []
        for position, (supplier, lines) in enumerate(orders_by_supplier(demand.lines).items()):
            order = PurchaseOrder(
                id=str(uuid.uuid4()),
                number=f"{prefix}{taken + position + 1:03d}",
                demand_list_id=demand.id,
                supplier=supplier,
                lines=lines,
                delivery_date=delivery,
                state=PurchaseOrderState.PLACED,
                placed_at=now,
            )
            uow.purchase_orders.add(order)
            self.timers.schedule(
                uow.session,
                DELIVERY_DUE_TIMER,
                f"purchase-order:{order.id}:delivery",
                self.end_of_day(delivery),
                {"purchase_order_id": order.id},
            )
            self._order_event(uow, "placed", order, "system")
            uow.audit("system", "place", "purchase_order", order.id, None, _snap(order))
            orders.append(order)
        return orders

    def _order_event(
        self, uow: UnitOfWork, event: str, order: PurchaseOrder, actor: str, outcome: str = ""
    ) -> None:
        uow.emit(
            f"facilities.purchase_order.{event}",
            order.id,
            events_pb2.PurchaseOrderChanged(
                purchase_order=to_proto(facilities_pb2.PurchaseOrder(), order),
                actor=actor,
                outcome=outcome,
            ),
        )

    # -- purchase orders and receipts (F-02) ---------------------------------------

    def get_purchase_order(self, actor: Identity, order_id: str) -> PurchaseOrder:
        require_role(actor, OVERSEERS, "reading purchase orders")
        with self.reading() as stores:
            order = stores.purchase_orders.get(order_id)
        if order is None:
            raise NotFound(f"purchase order {order_id} not found")
        return order

    def list_purchase_orders(
        self, actor: Identity, demand_list_id: str, state: str, page: Page | None = None
    ) -> Listing[PurchaseOrder]:
        require_role(actor, OVERSEERS, "reading purchase orders")
        with self.reading() as stores:
            return Listing.of(stores.purchase_orders.page_for(demand_list_id, state, page))

    def receive_delivery(
        self, actor: Identity, order_id: str, lines: Sequence[tuple[str, int]]
    ) -> PurchaseOrder:
        """SPEC F-02: the delivery books batches in at the order's agreed prices (F-03)."""
        require_role(actor, STOREKEEPERS, "receiving deliveries")
        received: dict[str, int] = {}
        for index, (code, quantity) in enumerate(lines):
            key = code.strip().upper()
            problem = too_many(quantity)
            if problem:
                raise ValidationFailed(FieldError(f"lines[{index}].quantity", problem))
            if key in received:
                raise ValidationFailed(
                    FieldError(f"lines[{index}].item_code", f"{key} is listed twice")
                )
            received[key] = quantity
        with self.uow() as uow:
            order = uow.purchase_orders.get(order_id, for_update=True)
            if order is None:
                raise NotFound(f"purchase order {order_id} not found")
            before = _snap(order)
            now = self.now()
            try:
                booked = receive(order, received, now)
            except ValueError as exc:
                raise ValidationFailed(FieldError("lines", str(exc))) from exc
            catalogue = uow.items.by_codes(sorted(booked))
            uow.inventory.lock_items([catalogue[code].id for code in booked])
            for code, quantity in booked.items():
                line = order.line(code)
                assert line is not None
                self._book_in(
                    uow,
                    catalogue[code],
                    quantity,
                    line.unit_price_fen,
                    f"purchase_order:{order.id}",
                    actor.username,
                    f"delivery of {order.number}",
                    now,
                )
            uow.purchase_orders.save(order)
            outcome = ""
            if order.state == PurchaseOrderState.RECEIVED:
                if self.timers.cancel(uow.session, f"purchase-order:{order.id}:delivery", now):
                    outcome = "met"
                self._tell_requesters_goods_arrived(uow, order)
            self._order_event(uow, order.state, order, actor.username, outcome)
            uow.audit(actor.username, "receive", "purchase_order", order.id, before, _snap(order))
            if outcome:
                uow.after_commit(lambda: metrics.DELIVERIES.labels(outcome).inc())
            uow.commit()
        return order

    def _tell_requesters_goods_arrived(
        self, uow: FacilitiesUnitOfWork, order: PurchaseOrder
    ) -> None:
        waiting = uow.requisitions.on_list(order.demand_list_id, RequisitionState.APPROVED)
        codes = {line.item_code for line in order.lines}
        for requisition in waiting:
            if codes & {line.item_code for line in requisition.lines}:
                self.notify(
                    uow,
                    [requisition.requester],
                    "supplies_ready_for_collection",
                    "申领物品已到货",
                    f"{order.supplier} 的货物已入库，请出示领取码扫码领取。",
                    f"facilities/requisitions/{requisition.id}",
                )

    def on_delivery_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """SPEC X-05: the delivery day ended with goods still outstanding."""
        assert isinstance(uow, FacilitiesUnitOfWork)
        order = uow.purchase_orders.get(str(firing.payload["purchase_order_id"]), for_update=True)
        if order is None or order.state == PurchaseOrderState.RECEIVED:
            return
        self._order_event(uow, "delivery_overdue", order, "system", "breached")
        uow.audit("system", "delivery_overdue", "purchase_order", order.id, None, _snap(order))
        self.notify(
            uow,
            self.holders(Role.SECRETARIAT),
            "purchase_order_overdue",
            f"采购订单 {order.number} 未按期到货",
            f"{order.supplier} 应于 {order.delivery_date.isoformat()} 交货，至今未全部到货，请跟进。",
            f"facilities/purchase-orders/{order.id}",
        )
        uow.after_commit(lambda: metrics.DELIVERIES.labels("breached").inc())

    # -- stock (F-03, F-04) ------------------------------------------------------

    def _book_in(
        self,
        uow: FacilitiesUnitOfWork,
        item: Item,
        quantity: int,
        unit_cost_fen: int,
        source: str,
        actor: str,
        reason: str,
        now: datetime,
        kind: str = "receipt",
    ) -> None:
        """Caller holds the item lock."""
        batch = Batch(
            id=str(uuid.uuid4()),
            item_id=item.id,
            quantity_received=quantity,
            remaining=quantity,
            unit_cost_fen=unit_cost_fen,
            received_at=now,
            source=source,
        )
        uow.inventory.add_batch(batch)
        stock = uow.inventory.on_hand(item.id)
        cost = quantity * unit_cost_fen
        uow.inventory.record_movement(
            item.id, kind, quantity, cost, [], source, actor, reason, now, stock
        )
        uow.emit(
            "facilities.stock.received" if kind == "receipt" else "facilities.stock.adjusted",
            item.id,
            events_pb2.StockMoved(
                item_code=item.code,
                kind=kind,
                quantity=quantity,
                cost_fen=cost,
                on_hand_after=stock,
                ref=source,
                actor=actor,
            ),
        )
        self._review_line(uow, item, stock, now)

    def _draw(
        self,
        uow: FacilitiesUnitOfWork,
        item: Item,
        quantity: int,
        ref: str,
        actor: str,
        reason: str,
        now: datetime,
        kind: str = "issue",
    ) -> IssueLine:
        """SPEC F-03: take ``quantity`` from the oldest batches. Caller holds the item lock."""
        draws = plan_fifo(uow.inventory.batches(item.id), quantity, item.code)
        uow.inventory.consume(draws)
        stock = uow.inventory.on_hand(item.id)
        cost = cost_of(draws)
        uow.inventory.record_movement(
            item.id, kind, -quantity, -cost, draws, ref, actor, reason, now, stock
        )
        uow.emit(
            "facilities.stock.issued" if kind == "issue" else "facilities.stock.adjusted",
            item.id,
            events_pb2.StockMoved(
                item_code=item.code,
                kind=kind,
                quantity=-quantity,
                cost_fen=-cost,
                on_hand_after=stock,
                ref=ref,
                actor=actor,
            ),
        )
        self._review_line(uow, item, stock, now)
        return IssueLine(
            item_code=item.code,
            quantity=quantity,
            cost_fen=cost,
            draws=[BatchDraw(d.batch_id, d.quantity, d.unit_cost_fen) for d in draws],
        )

    def _line_of(self, stores: Stores, item: Item, now: datetime) -> tuple[int, int]:
        """(line in force, computed line) of an item now (F-04)."""
        days = averaging_days(stores.inventory.history_days(item.id, now), self._window_days)
        computed = minimum_stock_line(stores.inventory.issued_in_window(item.id, now, days), days)
        return line_in_force(computed, item.min_stock_override), computed

    def _review_line(
        self, uow: FacilitiesUnitOfWork, item: Item, stock: int, now: datetime
    ) -> None:
        """SPEC F-04: below the line raises one replenishment request; back at or above it
        closes the open one. The item lock makes the check-then-insert safe; the partial
        unique index makes a second open request impossible even so."""
        line, _ = self._line_of(uow, item, now)
        open_requests = uow.replenishments.open_for_item(item.id)
        if is_below_line(stock, line):
            if open_requests:
                return
            request = Replenishment(
                id=str(uuid.uuid4()),
                item_id=item.id,
                item_code=item.code,
                line=line,
                on_hand=stock,
                suggested_quantity=suggested_replenishment(stock, line),
                state="open",
                raised_at=now,
            )
            uow.replenishments.add(request)
            uow.emit(
                "facilities.replenishment.requested",
                request.id,
                events_pb2.ReplenishmentChanged(
                    replenishment=to_proto(facilities_pb2.Replenishment(), request)
                ),
            )
            uow.audit("system", "raise", "replenishment", request.id, None, _snap(request))
            self.notify(
                uow,
                self.holders(Role.SECRETARIAT),
                "replenishment_requested",
                f"{item.name} 低于最低库存",
                f"{item.name}（{item.code}）库存 {stock}{item.unit}，低于最低库存线 {line}{item.unit}；"
                f"建议补货 {request.suggested_quantity}{item.unit}，将列入下一次需求汇总。",
                f"facilities/replenishments/{request.id}",
            )
            uow.after_commit(metrics.REPLENISHMENTS.inc)
        else:
            for request in open_requests:
                request.state = "closed"
                request.closed_at = now
                uow.replenishments.save(request)
                uow.emit(
                    "facilities.replenishment.closed",
                    request.id,
                    events_pb2.ReplenishmentChanged(
                        replenishment=to_proto(facilities_pb2.Replenishment(), request)
                    ),
                )
                uow.audit("system", "close", "replenishment", request.id, None, _snap(request))

    def stock_level(self, stores: Stores, item: Item, now: datetime) -> StockLevel:
        batches = stores.inventory.batches(item.id)
        line, computed = self._line_of(stores, item, now)
        return StockLevel(
            item_code=item.code,
            name=item.name,
            unit=item.unit,
            on_hand=sum(b.remaining for b in batches),
            value_fen=sum(b.value_fen for b in batches),
            min_stock_line=line,
            computed_line=computed,
            batches=batches,
        )

    def list_stock(
        self, actor: Identity, item_code: str, page: Page | None = None
    ) -> Listing[StockLevel]:
        """Stock levels by item code; only the page's levels are computed."""
        now = self.now()
        with self.reading() as stores:
            items, total = stores.items.page_by_code(page, item_code.strip().upper())
            if item_code and not total:
                raise NotFound(f"item {item_code} not found")
            return Listing([self.stock_level(stores, item, now) for item in items], total)

    def _item_for_update(self, uow: FacilitiesUnitOfWork, code: str, field: str) -> Item:
        found = uow.items.by_code(code.strip().upper())
        if found is None:
            raise ValidationFailed(FieldError(field, f"unknown item {code!r}"))
        uow.inventory.lock_items([found.id])
        return found

    def book_in(
        self, actor: Identity, item_code: str, quantity: int, unit_cost_fen: int, reason: str
    ) -> StockLevel:
        """Stock that arrives outside a purchase order (opening balance, transfer in)."""
        require_role(actor, STOREKEEPERS, "booking stock in")
        errors: list[FieldError] = []
        if quantity <= 0:
            errors.append(FieldError("quantity", "must be positive"))
        bounded(too_many(quantity), "quantity", errors)
        if unit_cost_fen < 0:
            errors.append(FieldError("unit_cost_fen", "must not be negative"))
        bounded(too_much(unit_cost_fen), "unit_cost_fen", errors)
        reason = require_text(reason, "reason", errors, 500)
        raise_if(errors)
        with self.uow() as uow:
            item = self._item_for_update(uow, item_code, "item_code")
            now = self.now()
            self._book_in(
                uow, item, quantity, unit_cost_fen, "book_in", actor.username, reason, now
            )
            uow.audit(
                actor.username,
                "book_in",
                "item",
                item.id,
                None,
                {"quantity": quantity, "unit_cost_fen": unit_cost_fen, "reason": reason},
            )
            level = self.stock_level(uow, item, now)
            uow.commit()
        return level

    def issue(
        self, actor: Identity, item_code: str, quantity: int, recipient: str, reason: str
    ) -> Issue:
        """An issue over the counter, without a requisition (F-03, F-05)."""
        require_role(actor, STOREKEEPERS, "issuing stock")
        errors: list[FieldError] = []
        if quantity <= 0:
            errors.append(FieldError("quantity", "must be positive"))
        bounded(too_many(quantity), "quantity", errors)
        recipient = require_text(recipient, "recipient", errors, 100)
        reason = require_text(reason, "reason", errors, 500)
        raise_if(errors)
        if self.directory.person(recipient) is None:
            raise ValidationFailed(FieldError("recipient", f"unknown person {recipient!r}"))
        with self.uow() as uow:
            item = self._item_for_update(uow, item_code, "item_code")
            now = self.now()
            issue_id = str(uuid.uuid4())
            try:
                line = self._draw(
                    uow, item, quantity, f"issue:{issue_id}", actor.username, reason, now
                )
            except InsufficientStock as exc:
                raise ValidationFailed(FieldError("quantity", str(exc))) from exc
            issue = Issue(issue_id, recipient, actor.username, [line], now, None, reason)
            uow.issues.add(issue, total_cost_fen=issue.total_cost_fen)
            uow.audit(actor.username, "issue", "issue", issue.id, None, _snap(issue))
            total = issue.total_cost_fen
            uow.after_commit(lambda: metrics.ISSUE_COST.inc(total))
            uow.commit()
        return issue

    def list_issues(
        self, actor: Identity, item_code: str, requisition_id: str, page: Page | None = None
    ) -> Listing[Issue]:
        """The ledger, newest first. The item filter looks inside the issues' lines
        (a JSON column), so with it the matches are counted and paged here."""
        require_role(actor, OVERSEERS, "reading the issue ledger")
        with self.reading() as stores:
            if not item_code:
                return Listing.of(stores.issues.page_for(requisition_id, page))
            found = stores.issues.newest_first(requisition_id)
        code = item_code.strip().upper()
        found = [i for i in found if any(line.item_code == code for line in i.lines)]
        if page is None:
            return Listing(found, len(found))
        return Listing(found[page.offset : page.offset + page.limit], len(found))

    # -- collection (F-05) -------------------------------------------------------

    def collection_code(
        self, actor: Identity, requisition_id: str, with_png: bool
    ) -> tuple[str, datetime, bytes]:
        """SPEC F-05: a signed code for an approved requisition, good until it expires."""
        requisition = self.get_requisition(actor, requisition_id)
        if requisition.requester != actor.username and not actor.has_role(*STOREKEEPERS):
            raise PermissionDenied("only the requester collects the goods")
        if requisition.state == RequisitionState.COLLECTED:
            raise Conflict("the goods of this requisition have been collected")
        if requisition.state != RequisitionState.APPROVED:
            raise PreconditionFailed(
                f"the requisition is {requisition.state}; a code is issued once it is approved"
            )
        with self.reading() as stores:
            self._require_list_approved(stores, requisition)
        expires = self.now() + self._code_ttl
        code = collection.sign(self._code_key, requisition.id, expires)
        return code, expires, self._qr(code) if with_png else b""

    @staticmethod
    def _require_list_approved(stores: Stores, requisition: Requisition) -> None:
        """SPEC F-01: a head-signed requisition is approved in full with its month's
        list (finance, office director); until then nothing is handed out."""
        if not requisition.signed_alone:
            return
        demand = (
            stores.demand_lists.get(requisition.demand_list_id)
            if requisition.demand_list_id
            else None
        )
        if demand is None or demand.state != DemandListState.ORDERED:
            raise PreconditionFailed(
                "the requisition is signed by the department head and waits for the month's "
                "demand list to be reviewed by finance and approved by the office director"
            )

    def scan(self, actor: Identity, code: str) -> Issue:
        """SPEC F-05: the scanned code issues the requisition's goods, once; stock and
        ledger change in one transaction with the requisition."""
        require_role(actor, STOREKEEPERS, "issuing goods at the counter")
        now = self.now()
        try:
            requisition_id = collection.verify(self._code_key, code, now)
        except collection.CodeRejected as exc:
            raise ValidationFailed(FieldError("code", str(exc))) from exc
        with self.uow() as uow:
            requisition = uow.requisitions.get(requisition_id, for_update=True)
            if requisition is None:
                raise NotFound(f"requisition {requisition_id} not found")
            if requisition.state == RequisitionState.COLLECTED:
                raise Conflict(
                    f"already collected at {self.local(requisition.collected_at)}; "
                    "a code is good for one collection"
                )
            if requisition.state != RequisitionState.APPROVED:
                raise PreconditionFailed(f"the requisition is {requisition.state}, not approved")
            self._require_list_approved(uow, requisition)
            catalogue = uow.items.by_codes([line.item_code for line in requisition.lines])
            uow.inventory.lock_items([i.id for i in catalogue.values()])
            issue_id = str(uuid.uuid4())
            lines: list[IssueLine] = []
            try:
                for wanted in requisition.lines:
                    lines.append(
                        self._draw(
                            uow,
                            catalogue[wanted.item_code],
                            wanted.quantity,
                            f"issue:{issue_id}",
                            actor.username,
                            f"requisition {requisition.id}",
                            now,
                        )
                    )
            except InsufficientStock as exc:
                raise PreconditionFailed(
                    f"not enough stock to fill the requisition: {exc}"
                ) from exc
            issue = Issue(
                issue_id, requisition.requester, actor.username, lines, now, requisition.id, ""
            )
            uow.issues.add(issue, total_cost_fen=issue.total_cost_fen)
            before = _snap(requisition)
            requisition.state = RequisitionState.COLLECTED
            requisition.collected_at = now
            requisition.issue_id = issue.id
            uow.requisitions.save(requisition)
            self._requisition_event(uow, "collected", requisition, actor.username)
            uow.audit(
                actor.username, "collect", "requisition", requisition.id, before, _snap(requisition)
            )
            self.notify(
                uow,
                [requisition.requester],
                "supplies_collected",
                "申领物品已领取",
                "、".join(f"{line.item_code}×{line.quantity}" for line in lines) + " 已发放。",
                f"facilities/requisitions/{requisition.id}",
            )
            total = issue.total_cost_fen
            uow.after_commit(lambda: metrics.ISSUE_COST.inc(total))
            uow.after_commit(lambda: metrics.REQUISITIONS.labels("collected").inc())
            uow.commit()
        return issue

    # -- stock-takes (F-05) ------------------------------------------------------

    def stock_take(self, actor: Identity, counts: Sequence[StockCount], note: str) -> StockTake:
        """SPEC F-05: counted against booked; every difference is posted as an adjustment
        with its reason (write-offs FIFO at batch cost, surpluses at the last known cost)."""
        require_role(actor, STOREKEEPERS, "taking stock")
        errors: list[FieldError] = []
        if not counts:
            errors.append(FieldError("counts", "count at least one item"))
        seen: set[str] = set()
        for index, count in enumerate(counts):
            if count.counted < 0:
                errors.append(FieldError(f"counts[{index}].counted", "must not be negative"))
            bounded(too_many(count.counted), f"counts[{index}].counted", errors)
            code = count.item_code.strip().upper()
            if code in seen:
                errors.append(FieldError(f"counts[{index}].item_code", f"{code} is counted twice"))
            seen.add(code)
        raise_if(errors)
        with self.uow() as uow:
            catalogue = uow.items.by_codes(sorted(seen))
            for index, count in enumerate(counts):
                if count.item_code.strip().upper() not in catalogue:
                    errors.append(
                        FieldError(
                            f"counts[{index}].item_code", f"unknown item {count.item_code!r}"
                        )
                    )
            raise_if(errors)
            uow.inventory.lock_items([i.id for i in catalogue.values()])
            take = StockTake(str(uuid.uuid4()), actor.username, self.now(), [], note.strip())
            for index, count in enumerate(counts):
                item = catalogue[count.item_code.strip().upper()]
                booked = uow.inventory.on_hand(item.id)
                line = StockTakeLine(item.code, booked, count.counted, count.reason.strip())
                if line.difference and not line.reason:
                    errors.append(
                        FieldError(
                            f"counts[{index}].reason",
                            f"{item.code}: counted {count.counted}, booked {booked}; say why",
                        )
                    )
                take.lines.append(line)
            raise_if(errors)
            ref = f"stock_take:{take.id}"
            for line in take.lines:
                item = catalogue[line.item_code]
                if line.difference < 0:
                    drawn = self._draw(
                        uow,
                        item,
                        -line.difference,
                        ref,
                        actor.username,
                        line.reason,
                        take.taken_at,
                        kind="adjustment_out",
                    )
                    line.cost_fen = -drawn.cost_fen
                elif line.difference > 0:
                    unit_cost = self._last_cost(uow, item)
                    self._book_in(
                        uow,
                        item,
                        line.difference,
                        unit_cost,
                        ref,
                        actor.username,
                        line.reason,
                        take.taken_at,
                        kind="adjustment_in",
                    )
                    line.cost_fen = line.difference * unit_cost
            uow.stock_takes.add(take)
            uow.audit(actor.username, "stock_take", "stock_take", take.id, None, _snap(take))
            uow.commit()
        return take

    def _last_cost(self, uow: FacilitiesUnitOfWork, item: Item) -> int:
        batches = uow.inventory.batches(item.id, with_stock_only=False)
        return batches[-1].unit_cost_fen if batches else item.agreed_price_fen

    def list_stock_takes(self, actor: Identity, page: Page | None = None) -> Listing[StockTake]:
        require_role(actor, OVERSEERS, "reading stock-takes")
        with self.reading() as stores:
            return Listing.of(stores.stock_takes.page_newest(page))

    def list_replenishments(
        self, actor: Identity, state: str, page: Page | None = None
    ) -> Listing[Replenishment]:
        require_role(actor, OVERSEERS, "reading replenishment requests")
        with self.reading() as stores:
            return Listing.of(stores.replenishments.page_in_state(state, page))


def _department_payload(share: DepartmentDemand) -> dict[str, Any]:
    return {
        "department_code": share.department_code,
        "amount": yuan(share.amount_fen),
        "budget": yuan(share.budget_fen) if share.has_budget else None,
        "spent_before": yuan(share.spent_before_fen),
        "over_budget": share.over_budget,
    }


def _signature_timer_key(requisition_id: str) -> str:
    return f"requisition:{requisition_id}:signature"


def _list_description(demand: DemandList) -> str:
    """The purchase form's description: what the month's list buys, from whom."""
    text = f"{demand.month} 办公用品需求汇总：" + "；".join(
        f"{line.name}×{line.quantity}{line.unit}（{line.supplier}"
        + ("，超预算" if line.over_budget else "")
        + "）"
        for line in demand.lines
    )
    return text if len(text) <= 2000 else text[:1999] + "…"


def _snap(obj: Any) -> dict[str, Any]:
    """What the audit trail keeps of an aggregate (X-04): all of it, before and after."""
    return dataclasses.asdict(obj)
