"""Upper bounds a real office never exceeds (issue 13).

A typo must not book 2^40 reams of paper or a trillion-yuan expense: every
quantity and amount the service accepts is checked here, whoever calls
(the gateway's field rules say the same, but a direct gRPC caller is held
to these too). The bounds also keep every product and sum far inside a
64-bit integer: 100 lines x 100000 units x 10^10 fen < 2^63.
"""

from __future__ import annotations

MAX_QUANTITY = 100_000
"""Units of one item on one line: a requisition, delivery, issue, count or stock line."""

MAX_AMOUNT_FEN = 10_000_000_000
"""One amount in fen (10^8 yuan): a price, cost, budget or expense."""

MAX_HEADCOUNT = 100_000
"""People expected at one company event."""


def too_many(quantity: int) -> str | None:
    """What is wrong with a quantity of units above the bound, or None."""
    return f"must be at most {MAX_QUANTITY}" if quantity > MAX_QUANTITY else None


def too_much(amount_fen: int) -> str | None:
    """What is wrong with an amount in fen above the bound, or None."""
    return f"must be at most {MAX_AMOUNT_FEN} fen" if amount_fen > MAX_AMOUNT_FEN else None


def too_many_people(headcount: int) -> str | None:
    """What is wrong with a headcount above the bound, or None."""
    return f"must be at most {MAX_HEADCOUNT}" if headcount > MAX_HEADCOUNT else None


Problem = tuple[str, str]
"""(field, what is wrong): a rule broken by an input, found without any I/O."""


def quantity_problems(field: str, quantity: int) -> list[Problem]:
    """A quantity of units must be positive and within the bound."""
    if quantity <= 0:
        return [(field, "must be positive")]
    bound = too_many(quantity)
    return [(field, bound)] if bound else []


def amount_problems(field: str, amount_fen: int, positive: bool = False) -> list[Problem]:
    """An amount in fen must not be negative (or must be positive) and within the bound."""
    if positive and amount_fen <= 0:
        return [(field, "must be positive (fen)")]
    if amount_fen < 0:
        return [(field, "must not be negative")]
    bound = too_much(amount_fen)
    return [(field, bound)] if bound else []
