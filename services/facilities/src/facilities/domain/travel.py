"""Trips, expense claims with receipts and reimbursement status, company
events (SPEC F-09)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from facilities.domain.limits import MAX_AMOUNT_FEN
from secretariat_shared.access import Item, SecurityClass
from secretariat_shared.roles import Role

HOME_COUNTRY = "CN"
"""Mainland China: a trip elsewhere (Hong Kong, Macao and Taiwan included, which
need an exit permit) is a trip abroad (出境) for approval purposes (F-09)."""
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")

EXPENSE_CATEGORIES = ("transport", "lodging", "meals", "visa", "other")
EVENT_KINDS = ("annual_meeting", "training", "team_building", "other")


class ApprovalState:
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ExpenseState(ApprovalState):
    REIMBURSED = "reimbursed"


OUTCOME_STATES = {
    "approved": ApprovalState.APPROVED,
    "rejected": ApprovalState.REJECTED,
    "withdrawn": ApprovalState.WITHDRAWN,
}


@dataclass
class Trip:
    id: str
    traveller: str
    department_code: str
    destination: str
    purpose: str
    start_date: date
    end_date: date
    needs_flight: bool
    needs_hotel: bool
    needs_visa: bool
    estimated_cost_fen: int
    state: str
    requested_at: datetime
    approval_id: str = ""
    decided_at: datetime | None = None
    destination_country: str = HOME_COUNTRY

    @property
    def international(self) -> bool:
        """SPEC F-09: abroad is decided by the destination country, not by a visa."""
        return is_abroad(self.destination_country)


def is_abroad(country: str) -> bool:
    return country != HOME_COUNTRY


def destination_country_problems(country: str, needs_visa: bool) -> list[tuple[str, str]]:
    """``country`` normalised (upper case, "" meaning mainland China) is an ISO 3166-1
    alpha-2 code; a visa only makes sense for a trip abroad."""
    if not COUNTRY_CODE.match(country):
        return [("destination_country", "must be a two-letter ISO 3166-1 country code, e.g. JP")]
    if needs_visa and not is_abroad(country):
        return [
            (
                "destination_country",
                "a trip that needs a visa goes abroad: name the destination country",
            )
        ]
    return []


def normal_country(country: str) -> str:
    return country.strip().upper() or HOME_COUNTRY


@dataclass
class ExpenseLine:
    category: str
    description: str
    amount_fen: int
    receipt: str


@dataclass
class Expense:
    id: str
    claimant: str
    department_code: str
    trip_id: str
    lines: list[ExpenseLine]
    state: str
    submitted_at: datetime
    approval_id: str = ""
    decided_at: datetime | None = None
    reimbursed_at: datetime | None = None
    reimbursed_by: str = ""

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    def reimburse(self, actor: str, now: datetime) -> None:
        if self.state != ExpenseState.APPROVED:
            raise ValueError(f"the claim is {self.state}; only an approved claim is reimbursed")
        self.state = ExpenseState.REIMBURSED
        self.reimbursed_at = now
        self.reimbursed_by = actor


@dataclass
class CompanyEvent:
    id: str
    title: str
    kind: str
    event_date: date
    venue: str
    catering: str
    plan: str
    headcount: int
    budget_fen: int
    organiser: str
    created_at: datetime


def expense_line_problems(index: int, line: ExpenseLine) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if line.category not in EXPENSE_CATEGORIES:
        problems.append(
            (f"lines[{index}].category", "must be one of " + ", ".join(EXPENSE_CATEGORIES))
        )
    if line.amount_fen <= 0:
        problems.append((f"lines[{index}].amount_fen", "must be positive"))
    elif line.amount_fen > MAX_AMOUNT_FEN:
        problems.append((f"lines[{index}].amount_fen", f"must be at most {MAX_AMOUNT_FEN} fen"))
    if not line.receipt.strip():
        problems.append((f"lines[{index}].receipt", "every line needs its receipt"))
    return problems


EXPENSE_READER_ROLES = frozenset({Role.FINANCE, Role.HR})
"""Who reads every expense claim: finance pays them, HR reads personal requests (X-03)."""


def expense_item(expense: Expense) -> Item:
    """SPEC X-03: an expense claim is a personal request, ``confidential``: its
    claimant, finance, HR and the class's audience of the claimant's department
    (its head, supervising leaders, the top leadership, confidential clerks)."""
    return Item(
        security_class=SecurityClass.CONFIDENTIAL,
        department_code=expense.department_code,
        named_readers=frozenset({expense.claimant}),
        reader_roles=EXPENSE_READER_ROLES,
    )
