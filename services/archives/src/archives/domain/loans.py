"""Loans of archive records (SPEC A-03)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
OUT = "out"
RETURNED = "returned"
# A record is unavailable while a loan of it is in one of these states.
HOLDING = (PENDING, APPROVED, OUT)
REMIND_AT = time(9, 0)


class LoanRefused(ValueError):
    """The loan cannot move as asked; ``field`` names the culprit when there is one."""

    def __init__(self, message: str, field_name: str = "") -> None:
        super().__init__(message)
        self.field = field_name


def check_due_date(due: date, today: date) -> None:
    if due < today:
        raise LoanRefused("the due date is in the past", "due_date")


def check_transition(state: str, target: str) -> None:
    allowed = {APPROVED: (PENDING,), REJECTED: (PENDING,), OUT: (APPROVED,), RETURNED: (OUT,)}
    if state not in allowed.get(target, ()):
        raise LoanRefused(f"a {state} loan cannot become {target}")


def reminder_at(due: date, zone: tzinfo) -> datetime:
    """The due-date reminder: 09:00 on the due date, local time."""
    return datetime.combine(due, REMIND_AT, tzinfo=zone)


def overdue_at(due: date, zone: tzinfo) -> datetime:
    """Overdue once the due date has ended: midnight after it, local time."""
    return datetime.combine(due + timedelta(days=1), time(0, 0), tzinfo=zone)
