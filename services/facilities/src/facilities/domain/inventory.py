"""Stock kept per batch, issued first-in-first-out (SPEC F-03), and the
minimum-stock line (F-04).

Money is integer fen throughout, so the cost of an issue is exactly the sum
of what it drew from each batch and nothing is lost to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from facilities.domain.limits import Problem, amount_problems, quantity_problems, too_many

COVER_DAYS = 14
"""F-04: the line covers two weeks of average consumption."""

DEFAULT_WINDOW_DAYS = 90
"""Longest trailing window over which the average daily consumption is taken."""


class InsufficientStock(Exception):
    """An issue asked for more than the batches hold; nothing was drawn."""

    def __init__(self, item_code: str, wanted: int, on_hand: int) -> None:
        super().__init__(f"only {on_hand} of {item_code} in stock, {wanted} asked for")
        self.item_code = item_code
        self.wanted = wanted
        self.on_hand = on_hand


@dataclass
class Batch:
    id: str
    item_id: str
    quantity_received: int
    remaining: int
    unit_cost_fen: int
    received_at: datetime
    source: str
    seq: int = 0

    @property
    def value_fen(self) -> int:
        return self.remaining * self.unit_cost_fen


@dataclass(frozen=True)
class Draw:
    """What one issue took from one batch."""

    batch_id: str
    quantity: int
    unit_cost_fen: int

    @property
    def cost_fen(self) -> int:
        return self.quantity * self.unit_cost_fen


def fifo_order(batches: Sequence[Batch]) -> list[Batch]:
    """Oldest first; batches booked in the same instant keep their booking order."""
    return sorted(batches, key=lambda b: (b.received_at, b.seq, b.id))


def on_hand(batches: Sequence[Batch]) -> int:
    return sum(b.remaining for b in batches)


def plan_fifo(batches: Sequence[Batch], quantity: int, item_code: str = "") -> list[Draw]:
    """SPEC F-03: the draws that issue ``quantity`` from the oldest batches first.

    Raises :class:`InsufficientStock` (and draws nothing) when the batches
    hold less than ``quantity``; ``quantity`` must be positive.
    """
    if quantity <= 0:
        raise ValueError("an issue takes a positive quantity")
    available = on_hand(batches)
    if available < quantity:
        raise InsufficientStock(item_code, quantity, available)
    draws: list[Draw] = []
    left = quantity
    for batch in fifo_order(batches):
        if left == 0:
            break
        take = min(batch.remaining, left)
        if take > 0:
            draws.append(Draw(batch.id, take, batch.unit_cost_fen))
            left -= take
    return draws


def apply_draws(batches: Sequence[Batch], draws: Sequence[Draw]) -> None:
    by_id = {b.id: b for b in batches}
    for draw in draws:
        batch = by_id[draw.batch_id]
        if draw.quantity > batch.remaining:
            raise ValueError(f"batch {batch.id} holds {batch.remaining}, not {draw.quantity}")
        batch.remaining -= draw.quantity


def cost_of(draws: Sequence[Draw]) -> int:
    """SPEC F-03: the cost of an issue is the cost of the batches it consumed."""
    return sum(d.cost_fen for d in draws)


def minimum_stock_line(
    issued_in_window: int, window_days: int = DEFAULT_WINDOW_DAYS, cover_days: int = COVER_DAYS
) -> int:
    """SPEC F-04: ``cover_days`` of average daily consumption, rounded up.

    The average is what was issued over the trailing ``window_days``
    divided by ``window_days``; an item never issued has line 0.
    """
    if window_days <= 0:
        raise ValueError("the window must be at least one day")
    if issued_in_window <= 0:
        return 0
    return math.ceil(issued_in_window * cover_days / window_days)


def averaging_days(history_days: int, window_days: int = DEFAULT_WINDOW_DAYS) -> int:
    """SPEC F-04: the days the average is taken over: the days the item has
    history (since it was first booked in), at most ``window_days`` and at
    least the two weeks the line covers.

    An item stocked 20 days ago is averaged over those 20 days, not over 90 it
    never had (which would put its line at a fraction of real consumption);
    before it has two weeks of history its issues count as two weeks' worth.
    """
    return max(COVER_DAYS, min(window_days, history_days))


def line_in_force(computed: int, override: int | None) -> int:
    """An item's override, when it has one, replaces the computed line (F-04)."""
    return computed if override is None else override


def is_below_line(stock: int, line: int) -> bool:
    return stock < line


def suggested_replenishment(stock: int, line: int) -> int:
    """Enough to stand at twice the line again: two more weeks on top of the reserve."""
    return max(2 * line - stock, 1)


@dataclass(frozen=True)
class BatchDraw:
    """A draw as the ledger keeps it."""

    batch_id: str
    quantity: int
    unit_cost_fen: int

    @property
    def cost_fen(self) -> int:
        return self.quantity * self.unit_cost_fen


@dataclass
class IssueLine:
    item_code: str
    quantity: int
    cost_fen: int
    draws: list[BatchDraw]


@dataclass
class Issue:
    id: str
    recipient: str
    issued_by: str
    lines: list[IssueLine]
    issued_at: datetime
    requisition_id: str | None = None
    reason: str = ""

    @property
    def total_cost_fen(self) -> int:
        return sum(line.cost_fen for line in self.lines)


@dataclass
class StockTakeLine:
    item_code: str
    booked: int
    counted: int
    reason: str = ""
    cost_fen: int = 0

    @property
    def difference(self) -> int:
        return self.counted - self.booked


@dataclass
class StockTake:
    id: str
    taken_by: str
    taken_at: datetime
    lines: list[StockTakeLine]
    note: str = ""


@dataclass
class Replenishment:
    id: str
    item_id: str
    item_code: str
    line: int
    on_hand: int
    suggested_quantity: int
    state: str
    raised_at: datetime
    closed_at: datetime | None = None
    demand_list_id: str = ""


@dataclass
class StockLevel:
    item_code: str
    name: str
    unit: str
    on_hand: int
    value_fen: int
    min_stock_line: int
    computed_line: int
    batches: list[Batch]

    @property
    def below_line(self) -> bool:
        return is_below_line(self.on_hand, self.min_stock_line)


def movement_problems(quantity: int, unit_cost_fen: int | None = None) -> list[Problem]:
    """Stock booked in or issued: a positive, bounded quantity at a bounded cost."""
    problems = quantity_problems("quantity", quantity)
    if unit_cost_fen is not None:
        problems += amount_problems("unit_cost_fen", unit_cost_fen)
    return problems


def count_problems(counts: Sequence[tuple[str, int]]) -> list[Problem]:
    """SPEC F-05: a stock-take counts at least one item, each once, never below zero."""
    problems: list[Problem] = []
    if not counts:
        problems.append(("counts", "count at least one item"))
    seen: set[str] = set()
    for index, (raw_code, counted) in enumerate(counts):
        if counted < 0:
            problems.append((f"counts[{index}].counted", "must not be negative"))
        bound = too_many(counted)
        if bound:
            problems.append((f"counts[{index}].counted", bound))
        code = raw_code.strip().upper()
        if code in seen:
            problems.append((f"counts[{index}].item_code", f"{code} is counted twice"))
        seen.add(code)
    return problems
