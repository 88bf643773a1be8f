"""Supplies end to end inside the service: requisition → three approvals →
monthly list → purchase orders → receipt → scan-to-collect (SPEC F-01..F-05)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from facilities.domain import collection
from facilities.service_layer.supplies import PutItem, StockCount
from facilities_testkit import (
    CODE_KEY,
    DIRECTOR,
    EMPLOYEE,
    FINANCE,
    HR_HEAD,
    OTHER_EMPLOYEE,
    OUTSIDER,
    STOREKEEPER,
    Harness,
)
from secretariat_shared.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)

pytestmark = pytest.mark.integration


def approved_requisition(harness: Harness, lines: list[tuple[str, int]] | None = None) -> str:
    requisition = harness.supplies.submit_requisition(
        EMPLOYEE, "部门日常办公", lines or [("A4-PAPER", 3), ("PEN", 10)]
    )
    harness.decide(f"requisition:{requisition.id}")
    return requisition.id


def ordered_list(harness: Harness) -> str:
    demand = harness.supplies.consolidate(STOREKEEPER, "2026-03")
    harness.decide(f"demand-list:{demand.id}")
    return demand.id


@pytest.fixture
def catalogue(harness: Harness) -> Harness:
    harness.add_item("A4-PAPER", 2500, name="A4复印纸", supplier="晨光文具")
    harness.add_item("PEN", 150, name="中性笔", unit="支", supplier="晨光文具")
    harness.add_item("TONER", 32000, name="硒鼓", unit="个", supplier="惠普办公")
    return harness


def test_f01_requisition_runs_as_a_supply_requisition_approval(catalogue: Harness) -> None:
    requisition = catalogue.supplies.submit_requisition(EMPLOYEE, "日常", [("a4-paper", 2)])
    approval_id, request = catalogue.approvals.for_ref(f"requisition:{requisition.id}")
    assert request.template == "supply_requisition"
    assert request.requester_username == "hr.staff"
    assert request.payload["items"][0]["quantity"] == 2
    assert request.payload["amount"] == 50.0
    assert requisition.approval_id == approval_id
    assert requisition.state == "pending_approval"
    assert "facilities.requisition.submitted" in catalogue.event_types()


def test_f01_outcome_event_decides_the_requisition_once(catalogue: Harness) -> None:
    requisition = catalogue.supplies.submit_requisition(EMPLOYEE, "", [("PEN", 5)])
    event = catalogue.decide(f"requisition:{requisition.id}", "approved")
    catalogue.deliver(event)
    assert catalogue.supplies.get_requisition(EMPLOYEE, requisition.id).state == "approved"
    assert catalogue.event_types().count("facilities.requisition.approved") == 1
    assert len(catalogue.notices("supply_requisition_approved")) == 1


def test_f01_rejected_requisition_never_reaches_the_list(catalogue: Harness) -> None:
    requisition = catalogue.supplies.submit_requisition(EMPLOYEE, "", [("PEN", 5)])
    catalogue.decide(f"requisition:{requisition.id}", "rejected")
    assert catalogue.supplies.get_requisition(EMPLOYEE, requisition.id).state == "rejected"
    with pytest.raises(PreconditionFailed, match="nothing to consolidate"):
        catalogue.supplies.consolidate(STOREKEEPER, "2026-03")


def test_f01_bad_requisitions_are_refused_and_change_nothing(catalogue: Harness) -> None:
    for lines in ([("A4-PAPER", 0)], [("A4-PAPER", -2)], [("NO-SUCH", 1)], []):
        with pytest.raises(ValidationFailed):
            catalogue.supplies.submit_requisition(EMPLOYEE, "", lines)
    with pytest.raises(ValidationFailed) as caught:
        catalogue.supplies.submit_requisition(EMPLOYEE, "", [("PEN", 1), ("pen", 2)])
    assert caught.value.errors[0].field == "lines[1].item_code"
    assert catalogue.approvals.started == []
    assert catalogue.supplies.list_requisitions(STOREKEEPER, "", False).items == []


def test_f01_requisitions_are_visible_to_requester_head_and_overseers_only(
    catalogue: Harness,
) -> None:
    requisition = catalogue.supplies.submit_requisition(EMPLOYEE, "", [("PEN", 1)])
    for reader in (EMPLOYEE, HR_HEAD, STOREKEEPER, FINANCE, DIRECTOR):
        assert catalogue.supplies.get_requisition(reader, requisition.id).id == requisition.id
    for stranger in (OTHER_EMPLOYEE, OUTSIDER):
        with pytest.raises(NotFound):
            catalogue.supplies.get_requisition(stranger, requisition.id)
    assert [r.id for r in catalogue.supplies.list_requisitions(HR_HEAD, "", False).items] == [
        requisition.id
    ]
    assert catalogue.supplies.list_requisitions(OUTSIDER, "", False).items == []


def test_f01_month_list_sums_approved_requisitions_per_item_for_finance_and_director(
    catalogue: Harness,
) -> None:
    first = approved_requisition(catalogue, [("A4-PAPER", 3), ("PEN", 10)])
    second = approved_requisition(catalogue, [("A4-PAPER", 2)])
    pending = catalogue.supplies.submit_requisition(EMPLOYEE, "", [("TONER", 1)])
    demand = catalogue.supplies.consolidate(STOREKEEPER, "2026-03")
    assert {(line.item_code, line.quantity) for line in demand.lines} == {
        ("A4-PAPER", 5),
        ("PEN", 10),
    }
    assert sorted(demand.requisition_ids) == sorted([first, second])
    assert demand.total_fen == 5 * 2500 + 10 * 150
    _, request = catalogue.approvals.for_ref(f"demand-list:{demand.id}")
    assert request.template == "purchase"
    assert request.requester_username == STOREKEEPER.username
    assert catalogue.supplies.get_requisition(EMPLOYEE, pending.id).demand_list_id == ""
    with pytest.raises(Conflict):
        catalogue.supplies.consolidate(STOREKEEPER, "2026-03")


def test_f01_only_the_secretariat_consolidates(catalogue: Harness) -> None:
    approved_requisition(catalogue)
    with pytest.raises(PermissionDenied):
        catalogue.supplies.consolidate(EMPLOYEE, "2026-03")
    with pytest.raises(ValidationFailed):
        catalogue.supplies.consolidate(STOREKEEPER, "2026-13")


def test_f01_rejected_list_returns_its_requisitions_for_the_next_list(catalogue: Harness) -> None:
    requisition_id = approved_requisition(catalogue)
    demand = catalogue.supplies.consolidate(STOREKEEPER, "2026-03")
    catalogue.decide(f"demand-list:{demand.id}", "rejected")
    assert catalogue.supplies.get_requisition(EMPLOYEE, requisition_id).demand_list_id == ""
    again = catalogue.supplies.consolidate(STOREKEEPER, "2026-03")
    assert again.requisition_ids == [requisition_id]


def test_f02_approved_list_becomes_orders_per_supplier_at_agreed_prices(
    catalogue: Harness,
) -> None:
    approved_requisition(catalogue, [("A4-PAPER", 3), ("PEN", 10), ("TONER", 1)])
    demand = catalogue.supplies.consolidate(STOREKEEPER, "2026-03")
    catalogue.add_item("A4-PAPER", 9999, name="A4复印纸", supplier="晨光文具")
    catalogue.decide(f"demand-list:{demand.id}")
    list_id = demand.id
    demand = catalogue.supplies.get_demand_list(STOREKEEPER, list_id)
    assert demand.state == "ordered"
    orders = catalogue.supplies.list_purchase_orders(STOREKEEPER, list_id, "").items
    assert {o.supplier: o.number for o in orders} == {
        "惠普办公": "PO-202603-001",
        "晨光文具": "PO-202603-002",
    }
    stationer = next(o for o in orders if o.supplier == "晨光文具")
    assert {(line.item_code, line.quantity, line.unit_price_fen) for line in stationer.lines} == {
        ("A4-PAPER", 3, 2500),
        ("PEN", 10, 150),
    }
    # 2026-03-25 is a Wednesday: a working day.
    assert {o.delivery_date for o in orders} == {date(2026, 3, 25)}
    assert catalogue.event_types().count("facilities.purchase_order.placed") == 2


def test_f02_receipt_books_batches_at_the_order_price_and_once(catalogue: Harness) -> None:
    approved_requisition(catalogue, [("A4-PAPER", 3)])
    order = catalogue.supplies.list_purchase_orders(STOREKEEPER, ordered_list(catalogue), "").items[
        0
    ]
    with pytest.raises(ValidationFailed):
        catalogue.supplies.receive_delivery(STOREKEEPER, order.id, [("A4-PAPER", 4)])
    with pytest.raises(ValidationFailed):
        catalogue.supplies.receive_delivery(STOREKEEPER, order.id, [("PEN", 1)])
    assert catalogue.stock("A4-PAPER") == 0
    partly = catalogue.supplies.receive_delivery(STOREKEEPER, order.id, [("A4-PAPER", 1)])
    assert partly.state == "partially_received"
    received = catalogue.supplies.receive_delivery(STOREKEEPER, order.id, [])
    assert received.state == "received"
    level = catalogue.supplies.list_stock(STOREKEEPER, "A4-PAPER").items[0]
    assert level.on_hand == 3
    assert [b.unit_cost_fen for b in level.batches] == [2500, 2500]
    with pytest.raises(ValidationFailed):
        catalogue.supplies.receive_delivery(STOREKEEPER, order.id, [])
    assert len(catalogue.notices("supplies_ready_for_collection")) == 1


def test_f02_delivery_not_received_by_the_25th_is_overdue(catalogue: Harness) -> None:
    approved_requisition(catalogue, [("PEN", 1)])
    ordered_list(catalogue)
    catalogue.clock.set(datetime(2026, 3, 25, 17, 0, tzinfo=UTC))
    catalogue.scheduler.run_once()
    assert "facilities.purchase_order.delivery_overdue" in catalogue.event_types()
    assert catalogue.notices("purchase_order_overdue")


def test_f05_scan_issues_the_goods_once_fifo_costed(catalogue: Harness) -> None:
    catalogue.supplies.book_in(STOREKEEPER, "A4-PAPER", 2, 2000, "期初库存")
    requisition_id = approved_requisition(catalogue, [("A4-PAPER", 3)])
    order = catalogue.supplies.list_purchase_orders(STOREKEEPER, ordered_list(catalogue), "").items[
        0
    ]
    catalogue.supplies.receive_delivery(STOREKEEPER, order.id, [])
    code, expires, png = catalogue.supplies.collection_code(EMPLOYEE, requisition_id, True)
    assert png.startswith(b"\x89PNG")
    assert expires > catalogue.clock.now()
    issue = catalogue.supplies.scan(STOREKEEPER, code)
    assert issue.recipient == EMPLOYEE.username
    assert issue.total_cost_fen == 2 * 2000 + 1 * 2500
    assert [(d.quantity, d.unit_cost_fen) for d in issue.lines[0].draws] == [(2, 2000), (1, 2500)]
    assert catalogue.stock("A4-PAPER") == 2
    assert catalogue.supplies.get_requisition(EMPLOYEE, requisition_id).state == "collected"
    with pytest.raises(Conflict, match="already collected"):
        catalogue.supplies.scan(STOREKEEPER, code)
    assert catalogue.stock("A4-PAPER") == 2
    assert len(catalogue.supplies.list_issues(STOREKEEPER, "", requisition_id).items) == 1


def test_f05_forged_or_expired_codes_are_refused_and_change_nothing(catalogue: Harness) -> None:
    catalogue.supplies.book_in(STOREKEEPER, "PEN", 50, 150, "期初库存")
    requisition_id = approved_requisition(catalogue, [("PEN", 5)])
    code, _, _ = catalogue.supplies.collection_code(EMPLOYEE, requisition_id, False)
    forged = collection.sign(
        b"someone-elses-key", requisition_id, catalogue.clock.now().replace(year=2027)
    )
    tampered = code[:-2] + ("AA" if not code.endswith("AA") else "BB")
    for bad in (forged, tampered, "hello", ""):
        with pytest.raises(ValidationFailed):
            catalogue.supplies.scan(STOREKEEPER, bad)
    catalogue.advance(days=8)
    with pytest.raises(ValidationFailed, match="expired"):
        catalogue.supplies.scan(STOREKEEPER, code)
    assert catalogue.stock("PEN") == 50
    assert catalogue.supplies.get_requisition(EMPLOYEE, requisition_id).state == "approved"
    fresh, _, _ = catalogue.supplies.collection_code(EMPLOYEE, requisition_id, False)
    assert collection.verify(CODE_KEY, fresh, catalogue.clock.now()) == requisition_id
    catalogue.supplies.scan(STOREKEEPER, fresh)
    assert catalogue.stock("PEN") == 45


def test_f05_only_requester_gets_a_code_and_only_once_approved(catalogue: Harness) -> None:
    pending = catalogue.supplies.submit_requisition(EMPLOYEE, "", [("PEN", 1)])
    with pytest.raises(PreconditionFailed):
        catalogue.supplies.collection_code(EMPLOYEE, pending.id, False)
    catalogue.decide(f"requisition:{pending.id}")
    with pytest.raises(PermissionDenied):
        catalogue.supplies.collection_code(HR_HEAD, pending.id, False)
    with pytest.raises(NotFound):
        catalogue.supplies.collection_code(OTHER_EMPLOYEE, pending.id, False)


def test_f05_scan_without_enough_stock_changes_nothing(catalogue: Harness) -> None:
    catalogue.supplies.book_in(STOREKEEPER, "A4-PAPER", 5, 2500, "期初库存")
    catalogue.supplies.book_in(STOREKEEPER, "PEN", 1, 150, "期初库存")
    requisition_id = approved_requisition(catalogue, [("A4-PAPER", 3), ("PEN", 2)])
    code, _, _ = catalogue.supplies.collection_code(EMPLOYEE, requisition_id, False)
    with pytest.raises(PreconditionFailed, match="not enough stock"):
        catalogue.supplies.scan(STOREKEEPER, code)
    assert (catalogue.stock("A4-PAPER"), catalogue.stock("PEN")) == (5, 1)
    assert catalogue.supplies.get_requisition(EMPLOYEE, requisition_id).state == "approved"
    assert catalogue.supplies.list_issues(STOREKEEPER, "", "").items == []


def test_f03_issuing_more_than_stock_or_nothing_is_refused(catalogue: Harness) -> None:
    catalogue.supplies.book_in(STOREKEEPER, "PEN", 3, 150, "期初库存")
    for quantity in (4, 0, -1):
        with pytest.raises(ValidationFailed):
            catalogue.supplies.issue(STOREKEEPER, "PEN", quantity, "hr.staff", "借用")
    with pytest.raises(ValidationFailed):
        catalogue.supplies.issue(STOREKEEPER, "NOPE", 1, "hr.staff", "借用")
    with pytest.raises(PermissionDenied):
        catalogue.supplies.issue(EMPLOYEE, "PEN", 1, "hr.staff", "借用")
    assert catalogue.stock("PEN") == 3


def test_f04_falling_below_the_line_raises_one_replenishment_request(catalogue: Harness) -> None:
    catalogue.supplies.book_in(STOREKEEPER, "PEN", 200, 150, "期初库存")
    # 90 units issued over the item's 81 days of history: 14 days of that average is 16.
    for _ in range(9):
        catalogue.supplies.issue(STOREKEEPER, "PEN", 10, "hr.staff", "领用")
        catalogue.advance(days=9)
    level = catalogue.supplies.list_stock(STOREKEEPER, "PEN").items[0]
    assert (level.on_hand, level.computed_line, level.min_stock_line) == (110, 16, 16)
    assert catalogue.supplies.list_replenishments(STOREKEEPER, "open").items == []
    catalogue.supplies.issue(STOREKEEPER, "PEN", 100, "hr.staff", "大量领用")
    catalogue.supplies.issue(STOREKEEPER, "PEN", 1, "hr.staff", "领用")
    catalogue.supplies.issue(STOREKEEPER, "PEN", 1, "hr.staff", "领用")
    open_requests = catalogue.supplies.list_replenishments(STOREKEEPER, "open").items
    assert len(open_requests) == 1
    assert open_requests[0].on_hand == 10
    assert catalogue.event_types().count("facilities.replenishment.requested") == 1
    assert len(catalogue.notices("replenishment_requested")) == 1


def test_f04_line_averages_over_the_days_the_item_has_history(catalogue: Harness) -> None:
    """A pen stocked 20 days ago, 2 a day since: the line is two weeks of that (28),
    not 40 spread over 90 days it never had (7)."""
    catalogue.supplies.book_in(STOREKEEPER, "PEN", 500, 150, "期初库存")
    for _ in range(10):
        catalogue.advance(days=2)
        catalogue.supplies.issue(STOREKEEPER, "PEN", 4, "hr.staff", "领用")
    level = catalogue.supplies.list_stock(STOREKEEPER, "PEN").items[0]
    assert level.computed_line == 28
    # Before two weeks of history the issues count as two weeks' worth.
    catalogue.supplies.book_in(STOREKEEPER, "A4-PAPER", 100, 2500, "期初库存")
    catalogue.advance(days=3)
    catalogue.supplies.issue(STOREKEEPER, "A4-PAPER", 6, "hr.staff", "领用")
    assert catalogue.supplies.list_stock(STOREKEEPER, "A4-PAPER").items[0].computed_line == 6


def test_f04_replenishment_joins_the_month_list_and_closes_on_receipt(catalogue: Harness) -> None:
    catalogue.supplies.put_item(
        STOREKEEPER,
        PutItem("PEN", "中性笔", "支", "晨光文具", 150, min_stock_override=20),
    )
    catalogue.supplies.book_in(STOREKEEPER, "PEN", 25, 150, "期初库存")
    catalogue.supplies.issue(STOREKEEPER, "PEN", 10, "hr.staff", "领用")
    (request,) = catalogue.supplies.list_replenishments(STOREKEEPER, "open").items
    assert (request.line, request.on_hand, request.suggested_quantity) == (20, 15, 25)
    list_id = ordered_list(catalogue)
    demand = catalogue.supplies.get_demand_list(STOREKEEPER, list_id)
    assert [(line.item_code, line.quantity) for line in demand.lines] == [("PEN", 25)]
    order = catalogue.supplies.list_purchase_orders(STOREKEEPER, list_id, "").items[0]
    catalogue.supplies.receive_delivery(STOREKEEPER, order.id, [])
    assert catalogue.supplies.list_replenishments(STOREKEEPER, "open").items == []
    assert catalogue.supplies.list_replenishments(STOREKEEPER, "closed").items[0].id == request.id
    catalogue.supplies.issue(STOREKEEPER, "PEN", 25, "hr.staff", "领用")
    assert len(catalogue.supplies.list_replenishments(STOREKEEPER, "open").items) == 1


def test_f04_item_override_sets_the_line_in_the_stock_view(catalogue: Harness) -> None:
    catalogue.supplies.book_in(STOREKEEPER, "TONER", 5, 32000, "期初库存")
    assert catalogue.supplies.list_stock(STOREKEEPER, "TONER").items[0].min_stock_line == 0
    catalogue.supplies.put_item(
        STOREKEEPER, PutItem("TONER", "硒鼓", "个", "惠普办公", 32000, min_stock_override=8)
    )
    level = catalogue.supplies.list_stock(STOREKEEPER, "TONER").items[0]
    assert (level.min_stock_line, level.computed_line, level.below_line) == (8, 0, True)


def test_f05_stock_take_posts_differences_with_reasons(catalogue: Harness) -> None:
    catalogue.supplies.book_in(STOREKEEPER, "PEN", 10, 100, "期初库存")
    catalogue.supplies.book_in(STOREKEEPER, "PEN", 10, 200, "补货")
    catalogue.supplies.book_in(STOREKEEPER, "A4-PAPER", 4, 2500, "期初库存")
    with pytest.raises(ValidationFailed) as caught:
        catalogue.supplies.stock_take(STOREKEEPER, [StockCount("PEN", 17)], "")
    assert caught.value.errors[0].field == "counts[0].reason"
    assert catalogue.stock("PEN") == 20
    take = catalogue.supplies.stock_take(
        STOREKEEPER,
        [
            StockCount("PEN", 8, "丢失"),
            StockCount("A4-PAPER", 6, "盘盈：上次漏记"),
            StockCount("TONER", 0),
        ],
        "季度盘点",
    )
    by_code = {line.item_code: line for line in take.lines}
    assert (by_code["PEN"].booked, by_code["PEN"].counted, by_code["PEN"].difference) == (
        20,
        8,
        -12,
    )
    assert by_code["PEN"].cost_fen == -(10 * 100 + 2 * 200)
    assert by_code["A4-PAPER"].cost_fen == 2 * 2500
    assert by_code["TONER"].difference == 0
    assert (catalogue.stock("PEN"), catalogue.stock("A4-PAPER")) == (8, 6)
    assert catalogue.event_types().count("facilities.stock.adjusted") == 2
    with pytest.raises(ValidationFailed):
        catalogue.supplies.stock_take(STOREKEEPER, [StockCount("PEN", -1, "x")], "")
