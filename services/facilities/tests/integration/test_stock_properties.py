"""FIFO stock against the real database (SPEC F-03): random receipt/issue
sequences keep cost and stock exact, and concurrent issues of the same item
never overdraw it (row locks on PostgreSQL, serialised writers on SQLite)."""

from __future__ import annotations

import threading
import uuid
from collections import deque

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilities_testkit import STOREKEEPER, Harness
from secretariat_shared.errors import ValidationFailed

pytestmark = pytest.mark.integration

Op = tuple[str, int, int]
sequences = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), st.integers(1, 20), st.integers(1, 5000)),
        st.tuples(st.just("issue"), st.integers(1, 25), st.just(0)),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=sequences)
def test_f03_property_stock_and_cost_follow_fifo_in_the_database(
    harness: Harness, sequence: list[Op]
) -> None:
    code = f"P{uuid.uuid4().hex[:10].upper()}"
    harness.add_item(code, 100)
    units: deque[int] = deque()
    for kind, quantity, cost in sequence:
        harness.advance(seconds=1)
        if kind == "receive":
            harness.supplies.book_in(STOREKEEPER, code, quantity, cost, "入库")
            units.extend([cost] * quantity)
            continue
        if quantity > len(units):
            with pytest.raises(ValidationFailed):
                harness.supplies.issue(STOREKEEPER, code, quantity, "hr.staff", "领用")
        else:
            issue = harness.supplies.issue(STOREKEEPER, code, quantity, "hr.staff", "领用")
            assert issue.total_cost_fen == sum(units.popleft() for _ in range(quantity))
        level = harness.supplies.list_stock(STOREKEEPER, code).items[0]
        assert level.on_hand == len(units) >= 0
        assert level.value_fen == sum(units)
        assert all(b.remaining >= 0 for b in level.batches)


def test_f03_concurrent_issues_never_overdraw_an_item(harness: Harness) -> None:
    harness.add_item("PEN", 150)
    harness.supplies.book_in(STOREKEEPER, "PEN", 25, 100, "期初")
    harness.supplies.book_in(STOREKEEPER, "PEN", 25, 200, "补货")
    issued: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(4):
            try:
                issue = harness.supplies.issue(STOREKEEPER, "PEN", 2, "hr.staff", "领用")
            except ValidationFailed:
                with lock:
                    refused.append(2)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            else:
                with lock:
                    issued.append(issue.total_cost_fen)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(issued) == 25  # 50 pens, 2 at a time
    assert len(refused) == 7
    assert sum(issued) == 25 * 100 + 25 * 200
    level = harness.supplies.list_stock(STOREKEEPER, "PEN").items[0]
    assert level.on_hand == 0
    ledger = harness.supplies.list_issues(STOREKEEPER, "PEN", "").items
    assert sum(line.quantity for issue in ledger for line in issue.lines) == 50


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    receipts=st.lists(st.tuples(st.integers(1, 15), st.integers(1, 900)), min_size=1, max_size=4),
    wanted=st.lists(st.integers(1, 12), min_size=2, max_size=8),
)
def test_f03_property_concurrent_issues_cost_the_oldest_units_and_never_overdraw(
    harness: Harness, receipts: list[tuple[int, int]], wanted: list[int]
) -> None:
    """Whatever order concurrent issues commit in, together they consume the oldest units."""
    code = f"C{uuid.uuid4().hex[:10].upper()}"
    harness.add_item(code, 100)
    units: list[int] = []
    for quantity, cost in receipts:
        harness.advance(seconds=1)
        harness.supplies.book_in(STOREKEEPER, code, quantity, cost, "入库")
        units.extend([cost] * quantity)
    done: list[tuple[int, int]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(wanted))

    def issue(quantity: int) -> None:
        start.wait()
        try:
            made = harness.supplies.issue(STOREKEEPER, code, quantity, "hr.staff", "领用")
        except ValidationFailed:
            return
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
            return
        with lock:
            done.append((quantity, made.total_cost_fen))

    threads = [threading.Thread(target=issue, args=(q,)) for q in wanted]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    taken = sum(q for q, _ in done)
    assert taken <= len(units)
    assert sum(cost for _, cost in done) == sum(units[:taken])
    level = harness.supplies.list_stock(STOREKEEPER, code).items[0]
    assert level.on_hand == len(units) - taken
    assert level.value_fen == sum(units[taken:])
