"""FIFO batches and costing (SPEC F-03) and the minimum-stock line (F-04), with
hypothesis property tests on random receipt/issue sequences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facilities.domain.inventory import (
    Batch,
    InsufficientStock,
    apply_draws,
    averaging_days,
    cost_of,
    is_below_line,
    line_in_force,
    minimum_stock_line,
    on_hand,
    plan_fifo,
    suggested_replenishment,
)

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def batch(n: int, quantity: int, cost: int, minutes: int = 0) -> Batch:
    return Batch(f"b{n}", "item", quantity, quantity, cost, T0 + timedelta(minutes=minutes), "t", n)


def test_f03_issue_takes_the_oldest_batches_first_and_costs_what_it_took() -> None:
    batches = [batch(2, 5, 300, minutes=10), batch(1, 4, 200, minutes=0)]
    draws = plan_fifo(batches, 6)
    assert [(d.batch_id, d.quantity, d.unit_cost_fen) for d in draws] == [
        ("b1", 4, 200),
        ("b2", 2, 300),
    ]
    assert cost_of(draws) == 4 * 200 + 2 * 300
    apply_draws(batches, draws)
    assert [b.remaining for b in batches] == [3, 0]


def test_f03_batches_booked_in_the_same_instant_keep_booking_order() -> None:
    batches = [batch(2, 1, 999), batch(1, 1, 100)]
    assert [d.batch_id for d in plan_fifo(batches, 1)] == ["b1"]


def test_f03_more_than_on_hand_draws_nothing() -> None:
    batches = [batch(1, 2, 100)]
    with pytest.raises(InsufficientStock) as caught:
        plan_fifo(batches, 3, "PEN")
    assert "only 2 of PEN" in str(caught.value)
    assert batches[0].remaining == 2
    with pytest.raises(ValueError, match="positive"):
        plan_fifo(batches, 0)


Op = tuple[str, int, int]
ops = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), st.integers(1, 50), st.integers(0, 10_000)),
        st.tuples(st.just("issue"), st.integers(1, 60), st.just(0)),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(ops)
def test_f03_property_issue_cost_is_the_cost_of_the_consumed_batches(sequence: list[Op]) -> None:
    """Replaying receipts and issues against a plain FIFO queue of units gives the same costs,
    and stock never goes negative: an issue beyond stock is refused and changes nothing."""
    batches: list[Batch] = []
    units: list[int] = []  # the cost of every unit in stock, oldest first
    for n, (kind, quantity, cost) in enumerate(sequence):
        if kind == "receive":
            batches.append(batch(n, quantity, cost, minutes=n))
            units.extend([cost] * quantity)
            continue
        before = [b.remaining for b in batches]
        if quantity > len(units):
            with pytest.raises(InsufficientStock):
                plan_fifo(batches, quantity)
            assert [b.remaining for b in batches] == before
            continue
        draws = plan_fifo(batches, quantity)
        apply_draws(batches, draws)
        consumed, units = units[:quantity], units[quantity:]
        assert cost_of(draws) == sum(consumed)
        assert sum(d.quantity for d in draws) == quantity
        assert all(b.remaining >= 0 for b in batches)
        assert on_hand(batches) == len(units)
        assert sum(b.remaining * b.unit_cost_fen for b in batches) == sum(units)


def test_f04_line_is_fourteen_days_of_average_daily_consumption() -> None:
    assert minimum_stock_line(90, window_days=90) == 14
    assert minimum_stock_line(100, window_days=90) == 16  # 15.6 rounded up
    assert minimum_stock_line(0) == 0
    assert minimum_stock_line(1) == 1


def test_f04_average_is_over_the_days_of_history_between_two_weeks_and_the_window() -> None:
    assert averaging_days(20) == 20
    assert averaging_days(400) == 90
    assert averaging_days(400, window_days=60) == 60
    assert averaging_days(3) == 14
    assert averaging_days(0) == 14


def test_f04_override_replaces_the_computed_line() -> None:
    assert line_in_force(14, None) == 14
    assert line_in_force(14, 40) == 40
    assert line_in_force(14, 0) == 0


def test_f04_below_means_strictly_under_the_line() -> None:
    assert is_below_line(13, 14)
    assert not is_below_line(14, 14)
    assert not is_below_line(0, 0)
    assert suggested_replenishment(10, 14) == 18


@given(st.integers(0, 100_000), st.integers(1, 365))
def test_f04_property_line_covers_two_weeks_of_the_average(issued: int, window: int) -> None:
    line = minimum_stock_line(issued, window)
    assert line >= issued * 14 / window
    assert line - 1 < issued * 14 / window or line == 0
