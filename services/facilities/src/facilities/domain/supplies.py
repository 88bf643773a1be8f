"""Catalogue, requisitions, the monthly demand list and purchase orders
(SPEC F-01, F-02)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from facilities.domain.limits import Problem, amount_problems, quantity_problems, too_many

DELIVERY_DAY = 25
"""F-02: deliveries are scheduled on the 25th of the month."""

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")


class RequisitionState:
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    COLLECTED = "collected"


class DemandListState:
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    ORDERED = "ordered"

    CLOSED_WITHOUT_ORDER = (REJECTED, WITHDRAWN)


class PurchaseOrderState:
    PLACED = "placed"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"


@dataclass
class Item:
    id: str
    code: str
    name: str
    unit: str
    supplier: str
    agreed_price_fen: int
    min_stock_override: int | None
    active: bool = True

    @property
    def has_override(self) -> bool:
        return self.min_stock_override is not None


@dataclass
class RequisitionLine:
    item_code: str
    name: str
    unit: str
    quantity: int
    unit_price_fen: int

    @property
    def amount_fen(self) -> int:
        return self.quantity * self.unit_price_fen


@dataclass
class Requisition:
    id: str
    requester: str
    department_code: str
    purpose: str
    lines: list[RequisitionLine]
    state: str
    submitted_at: datetime
    approval_id: str = ""
    demand_list_id: str = ""
    decided_at: datetime | None = None
    collected_at: datetime | None = None
    issue_id: str = ""
    signers: list[str] = field(default_factory=list)
    signed_by: str = ""
    signed_at: datetime | None = None
    sign_comment: str = ""

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    @property
    def signed_alone(self) -> bool:
        """Signed by the head alone (F-01 level 1); requisitions from before the
        three sign-offs were approved as a whole by their own approval."""
        return not self.approval_id


@dataclass
class DemandListLine:
    item_code: str
    name: str
    unit: str
    supplier: str
    quantity: int
    unit_price_fen: int
    requisition_ids: list[str] = field(default_factory=list)
    replenishment_ids: list[str] = field(default_factory=list)
    over_budget: bool = False
    over_budget_departments: list[str] = field(default_factory=list)

    @property
    def amount_fen(self) -> int:
        return self.quantity * self.unit_price_fen


@dataclass
class DepartmentDemand:
    """One department's share of a month's list against its supplies budget (F-01)."""

    department_code: str
    amount_fen: int
    year: int
    budget_fen: int = 0
    has_budget: bool = False
    spent_before_fen: int = 0

    @property
    def remaining_fen(self) -> int:
        """What the year's budget has left before this list."""
        return self.budget_fen - self.spent_before_fen

    @property
    def over_budget(self) -> bool:
        return self.has_budget and self.spent_before_fen + self.amount_fen > self.budget_fen


@dataclass
class SupplyBudget:
    """A department's supplies budget for a year, set by finance (F-01)."""

    id: str
    department_code: str
    year: int
    amount_fen: int
    set_by: str
    set_at: datetime
    spent_fen: int = 0

    @property
    def remaining_fen(self) -> int:
        return self.amount_fen - self.spent_fen


def budget_key(department_code: str, year: int) -> str:
    return f"{year}:{department_code}"


@dataclass
class DemandList:
    id: str
    month: str
    state: str
    lines: list[DemandListLine]
    requisition_ids: list[str]
    consolidated_by: str
    created_at: datetime
    approval_id: str = ""
    decided_at: datetime | None = None
    purchase_order_ids: list[str] = field(default_factory=list)
    departments: list[DepartmentDemand] = field(default_factory=list)

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    @property
    def over_budget(self) -> bool:
        return any(d.over_budget for d in self.departments)

    @property
    def year(self) -> int:
        return parse_month(self.month)[0]


@dataclass
class PurchaseOrderLine:
    item_code: str
    name: str
    unit: str
    quantity: int
    unit_price_fen: int
    received: int = 0

    @property
    def amount_fen(self) -> int:
        return self.quantity * self.unit_price_fen

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received


@dataclass
class PurchaseOrder:
    id: str
    number: str
    demand_list_id: str
    supplier: str
    lines: list[PurchaseOrderLine]
    delivery_date: date
    state: str
    placed_at: datetime
    received_at: datetime | None = None

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    def line(self, item_code: str) -> PurchaseOrderLine | None:
        return next((line for line in self.lines if line.item_code == item_code), None)


@dataclass(frozen=True)
class Wanted:
    """One source of demand for an item: a requisition line or a replenishment."""

    item: Item
    quantity: int
    requisition_id: str = ""
    replenishment_id: str = ""


MAX_PURPOSE = 500
BUDGET_YEARS = (2000, 2100)


def item_problems(code: str, price_fen: int, min_stock_override: int | None) -> list[Problem]:
    """A catalogue item's code (already upper case), agreed price and line override."""
    problems: list[Problem] = []
    if not CODE_PATTERN.match(code):
        problems.append(("code", "must be 1-40 letters, digits, - or _"))
    problems += amount_problems("agreed_price_fen", price_fen, positive=True)
    if min_stock_override is not None:
        if min_stock_override < 0:
            problems.append(("min_stock_override", "must not be negative"))
        bound = too_many(min_stock_override)
        if bound:
            problems.append(("min_stock_override", bound))
    return problems


def requisition_problems(purpose: str, lines: Sequence[tuple[str, int]]) -> list[Problem]:
    """SPEC F-01: at least one line, each item once, each quantity positive and
    bounded; whether the items exist is the catalogue's to say."""
    problems: list[Problem] = []
    if not lines:
        problems.append(("lines", "name at least one item and quantity"))
    if len(purpose) > MAX_PURPOSE:
        problems.append(("purpose", f"must be at most {MAX_PURPOSE} characters"))
    seen: set[str] = set()
    for index, (raw_code, quantity) in enumerate(lines):
        code = raw_code.strip().upper()
        if code in seen:
            problems.append((f"lines[{index}].item_code", f"{code} is listed twice"))
        seen.add(code)
        problems += quantity_problems(f"lines[{index}].quantity", quantity)
    return problems


def budget_problems(year: int, amount_fen: int) -> list[Problem]:
    """SPEC F-01: a budget is for a calendar year and a bounded, non-negative amount."""
    first, last = BUDGET_YEARS
    problems: list[Problem] = []
    if not first <= year <= last:
        problems.append(("year", f"must be a year between {first} and {last}"))
    return problems + amount_problems("amount_fen", amount_fen)


def parse_month(text: str) -> tuple[int, int]:
    match = MONTH_PATTERN.match(text)
    if match is None:
        raise ValueError("must be a month YYYY-MM")
    return int(match.group(1)), int(match.group(2))


def consolidate(wanted: Sequence[Wanted]) -> list[DemandListLine]:
    """SPEC F-01: one line per item, quantities summed, at the agreed price.

    Lines come out grouped by supplier, then by item code, so the list
    reads the way the purchase orders will be cut.
    """
    lines: dict[str, DemandListLine] = {}
    for want in wanted:
        line = lines.get(want.item.code)
        if line is None:
            line = DemandListLine(
                item_code=want.item.code,
                name=want.item.name,
                unit=want.item.unit,
                supplier=want.item.supplier,
                quantity=0,
                unit_price_fen=want.item.agreed_price_fen,
            )
            lines[want.item.code] = line
        line.quantity += want.quantity
        if want.requisition_id and want.requisition_id not in line.requisition_ids:
            line.requisition_ids.append(want.requisition_id)
        if want.replenishment_id and want.replenishment_id not in line.replenishment_ids:
            line.replenishment_ids.append(want.replenishment_id)
    return sorted(lines.values(), key=lambda line: (line.supplier, line.item_code))


class SignatureRefused(Exception):
    """The caller may not sign, or the requisition does not wait for a signature."""


MAX_SIGN_COMMENT = 1000


def signers_for(requester: str, head: str, supervising_leader: str) -> list[str]:
    """SPEC F-01 level 1: the requester's department head signs; a head's own
    requisition goes to the leader who supervises the department (nobody signs
    their own). Empty when nobody can."""
    if head and head != requester:
        return [head]
    if supervising_leader and supervising_leader != requester:
        return [supervising_leader]
    return []


def may_sign(requisition: Requisition, username: str, heads_department: bool) -> bool:
    """One of the signers named at submission, or whoever heads the department
    now (a head replaced meanwhile hands the signature on), never the requester."""
    if username == requisition.requester:
        return False
    return username in requisition.signers or heads_department


def sign(requisition: Requisition, signer: str, approve: bool, comment: str, now: datetime) -> None:
    """SPEC F-01 level 1: the head's signature; approved requisitions wait for the
    month's list, refused ones end here. A refusal says why."""
    if requisition.state != RequisitionState.PENDING_APPROVAL or not requisition.signed_alone:
        raise SignatureRefused(
            f"the requisition is {requisition.state}; only one awaiting its signature is signed"
        )
    comment = comment.strip()
    if not approve and not comment:
        raise ValueError("say why the requisition is refused")
    if len(comment) > MAX_SIGN_COMMENT:
        raise ValueError(f"must be at most {MAX_SIGN_COMMENT} characters")
    requisition.state = RequisitionState.APPROVED if approve else RequisitionState.REJECTED
    requisition.signed_by = signer
    requisition.signed_at = now
    requisition.sign_comment = comment
    requisition.decided_at = now


def budget_review(
    year: int,
    amounts: dict[str, int],
    budgets: dict[str, int],
    spent_before: dict[str, int],
) -> list[DepartmentDemand]:
    """SPEC F-01 level 2: each department's share of the list beside its year's
    supplies budget and what earlier approved lists of the year already took."""
    return [
        DepartmentDemand(
            department_code=code,
            amount_fen=amount,
            year=year,
            budget_fen=budgets.get(code, 0),
            has_budget=code in budgets,
            spent_before_fen=spent_before.get(code, 0),
        )
        for code, amount in sorted(amounts.items())
    ]


def flag_over_budget(
    lines: Sequence[DemandListLine],
    departments: Sequence[DepartmentDemand],
    department_of: dict[str, str],
) -> None:
    """Mark each line that a department over its budget asked for (shown to finance)."""
    over = {d.department_code for d in departments if d.over_budget}
    for line in lines:
        codes = sorted({department_of[r] for r in line.requisition_ids if r in department_of})
        line.over_budget_departments = [c for c in codes if c in over]
        line.over_budget = bool(line.over_budget_departments)


def orders_by_supplier(lines: Sequence[DemandListLine]) -> dict[str, list[PurchaseOrderLine]]:
    """SPEC F-02: one purchase order per contracted supplier, at the agreed prices."""
    grouped: dict[str, list[PurchaseOrderLine]] = {}
    for line in lines:
        grouped.setdefault(line.supplier, []).append(
            PurchaseOrderLine(
                item_code=line.item_code,
                name=line.name,
                unit=line.unit,
                quantity=line.quantity,
                unit_price_fen=line.unit_price_fen,
            )
        )
    return dict(sorted(grouped.items()))


def delivery_day_of(year: int, month: int, is_working_day: Callable[[date], bool]) -> date:
    """SPEC F-02: the 25th; when the 25th is not a working day, the last working day before it.

    Suppliers deliver on a working day and the office needs the goods before
    the month ends, so the date moves earlier, never into the next week.
    """
    day = date(year, month, DELIVERY_DAY)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def scheduled_delivery(
    list_month: str, today: date, is_working_day: Callable[[date], bool]
) -> date:
    """The delivery date of a purchase order cut today from the list of ``list_month``.

    The list's own month's delivery day; if that has already passed (the list
    was approved late), the delivery day of the first month still ahead.
    """
    year, month = parse_month(list_month)
    day = delivery_day_of(year, month, is_working_day)
    while day < today:
        year, month = next_month(year, month)
        day = delivery_day_of(year, month, is_working_day)
    return day


def receive(order: PurchaseOrder, received: dict[str, int], now: datetime) -> dict[str, int]:
    """Book a delivery against the order; return what was booked per item.

    ``received`` maps item codes to quantities; an empty mapping means
    everything outstanding arrived. Raises ValueError naming the item for
    unknown items, non-positive quantities or more than is outstanding.
    """
    if order.state == PurchaseOrderState.RECEIVED:
        raise ValueError("the order has been received in full")
    if not received:
        received = {line.item_code: line.outstanding for line in order.lines if line.outstanding}
    for code, quantity in received.items():
        line = order.line(code)
        if line is None:
            raise ValueError(f"{code} is not on purchase order {order.number}")
        if quantity <= 0:
            raise ValueError(f"{code}: the quantity must be positive")
        if quantity > line.outstanding:
            raise ValueError(f"{code}: only {line.outstanding} outstanding, {quantity} delivered")
    for code, quantity in received.items():
        line = order.line(code)
        assert line is not None
        line.received += quantity
    if all(line.outstanding == 0 for line in order.lines):
        order.state = PurchaseOrderState.RECEIVED
        order.received_at = now
    else:
        order.state = PurchaseOrderState.PARTIALLY_RECEIVED
    return received
