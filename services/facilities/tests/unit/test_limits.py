"""Issue 13: the bounds a real office never exceeds, in the domain."""

from __future__ import annotations

import pytest

from facilities.domain.limits import MAX_AMOUNT_FEN, MAX_QUANTITY, too_many, too_much
from facilities.domain.travel import ExpenseLine, expense_line_problems

pytestmark = pytest.mark.unit


def test_issue13_quantity_of_2_to_the_40_is_too_many() -> None:
    assert too_many(2**40) == f"must be at most {MAX_QUANTITY}"
    assert too_many(MAX_QUANTITY) is None


def test_issue13_amount_over_10_to_the_10_fen_is_too_much() -> None:
    assert too_much(MAX_AMOUNT_FEN + 1) is not None
    assert too_much(MAX_AMOUNT_FEN) is None


def test_issue13_expense_line_over_the_bound_names_its_amount() -> None:
    line = ExpenseLine("meals", "", 2**40, "F-001")
    assert [field for field, _ in expense_line_problems(0, line)] == ["lines[0].amount_fen"]
