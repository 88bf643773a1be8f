"""Supplies end to end inside the service: requisition → the head's signature →
monthly list (finance, office director) → purchase orders → receipt →
scan-to-collect (SPEC F-01..F-05)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from facilities.domain import collection
from facilities.domain.supplies import Requisition, RequisitionLine
from facilities.service_layer.ports import ApprovalRequest
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
    person,
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
    """Submitted and signed by the head (F-01 level 1)."""
    requisition = harness.supplies.submit_requisition(
        EMPLOYEE, "部门日常办公", lines or [("A4-PAPER", 3), ("PEN", 10)]
    )
    harness.supplies.sign_requisition(HR_HEAD, requisition.id, "approve", "同意")
    return requisition.id


def ordered_list(harness: Harness, month: str = "2026-03") -> str:
    """The month's list consolidated and approved by finance and the office director."""
    demand = harness.supplies.consolidate(STOREKEEPER, month)
    harness.decide(f"demand-list:{demand.id}")
    return demand.id


@pytest.fixture
def catalogue(harness: Harness) -> Harness:
    harness.add_item("A4-PAPER", 2500, name="A4复印纸", supplier="晨光文具")
    harness.add_item("PEN", 150, name="中性笔", unit="支", supplier="晨光文具")
    harness.add_item("TONER", 32000, name="硒鼓", unit="个", supplier="惠普办公")
    return harness


def test_f01_requisition_waits_for_its_department_heads_signature_alone(
    catalogue: Harness,
) -> None:
    requisition = catalogue.supplies.submit_requisition(EMPLOYEE, "日常", [("a4-paper", 2)])
    assert (requisition.state, requisition.signers) == ("pending_approval", ["hr.head"])
    assert requisition.total_fen == 5000
    # No approval per requisition: finance and the director see the month's list only.
    assert catalogue.approvals.started == []
    assert "facilities.requisition.submitted" in catalogue.event_types()
    (ask,) = catalogue.notices("supply_requisition_to_sign")
    assert list(ask.recipients) == ["hr.head"]
    assert "物品申领待签批" in ask.title
    assert "人力资源部" in ask.title
    assert ask.subject_ref == f"facilities/requisitions/{requisition.id}"
    assert catalogue.supplies.get_requisition(HR_HEAD, requisition.id).id == requisition.id


def test_f01_the_heads_signature_approves_the_requisition_once(catalogue: Harness) -> None:
    requisition = catalogue.supplies.submit_requisition(EMPLOYEE, "", [("PEN", 5)])
    for not_signer in (EMPLOYEE, STOREKEEPER, FINANCE, DIRECTOR):
        with pytest.raises(PermissionDenied):
            catalogue.supplies.sign_requisition(not_signer, requisition.id, "approve", "")
    with pytest.raises(NotFound):
        catalogue.supplies.sign_requisition(OTHER_EMPLOYEE, requisition.id, "approve", "")
    signed = catalogue.supplies.sign_requisition(HR_HEAD, requisition.id, "approve", "同意领用")
    assert (signed.state, signed.signed_by, signed.sign_comment) == (
        "approved",
        "hr.head",
        "同意领用",
    )
    assert signed.signed_at == catalogue.clock.now()
    with pytest.raises(Conflict):
        catalogue.supplies.sign_requisition(HR_HEAD, requisition.id, "reject", "不同意")
    assert catalogue.supplies.get_requisition(EMPLOYEE, requisition.id).state == "approved"
    assert catalogue.event_types().count("facilities.requisition.approved") == 1
    assert len(catalogue.notices("supply_requisition_signed")) == 1
    # Signed is not yet collectable: the month's list still needs finance and the director.
    with pytest.raises(PreconditionFailed, match="demand list"):
        catalogue.supplies.collection_code(EMPLOYEE, requisition.id, False)


def test_f01_head_rejects_with_a_reason_and_it_never_reaches_the_list(
    catalogue: Harness,
) -> None:
    requisition = catalogue.supplies.submit_requisition(EMPLOYEE, "", [("PEN", 5)])
    with pytest.raises(ValidationFailed) as caught:
        catalogue.supplies.sign_requisition(HR_HEAD, requisition.id, "reject", "  ")
    assert caught.value.errors[0].field == "comment"
    assert catalogue.supplies.get_requisition(EMPLOYEE, requisition.id).state == "pending_approval"
    catalogue.supplies.sign_requisition(HR_HEAD, requisition.id, "reject", "本月已领过")
    assert catalogue.supplies.get_requisition(EMPLOYEE, requisition.id).state == "rejected"
    assert "本月已领过" in catalogue.notices("supply_requisition_rejected")[0].body
    with pytest.raises(PreconditionFailed, match="nothing to consolidate"):
        catalogue.supplies.consolidate(STOREKEEPER, "2026-03")


def test_f01_a_heads_own_requisition_is_signed_by_the_supervising_leader(
    catalogue: Harness,
) -> None:
    catalogue.directory.add_person("leader.li", "OFF")
    leader = person("leader.li", "OFF", "employee", "leader")
    own = catalogue.supplies.submit_requisition(HR_HEAD, "", [("PEN", 2)])
    assert own.signers == ["leader.li"]
    with pytest.raises(PermissionDenied):
        catalogue.supplies.sign_requisition(HR_HEAD, own.id, "approve", "")
    assert catalogue.supplies.sign_requisition(leader, own.id, "approve", "").state == "approved"


def test_f01_unsigned_requisition_reminds_the_head_when_due(catalogue: Harness) -> None:
    requisition = catalogue.supplies.submit_requisition(EMPLOYEE, "", [("PEN", 5)])
    catalogue.advance(hours=23)
    catalogue.scheduler.run_once()
    assert catalogue.notices("supply_requisition_signature_overdue") == []
    catalogue.advance(hours=2)  # Monday 09:00 + 24 working hours: Tuesday 09:00
    catalogue.scheduler.run_once()
    catalogue.scheduler.run_once()
    (reminder,) = catalogue.notices("supply_requisition_signature_overdue")
    assert list(reminder.recipients) == ["hr.head"]
    assert "facilities.requisition.signature_overdue" in catalogue.event_types()
    catalogue.supplies.sign_requisition(HR_HEAD, requisition.id, "approve", "")


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


def test_f01_three_sign_offs_in_all_head_then_finance_and_director_on_the_list(
    catalogue: Harness,
) -> None:
    """Two requisitions of the month: each signed by the head (level 1), then one
    approval for the whole list (finance level 2, office director level 3)."""
    first = approved_requisition(catalogue, [("PEN", 10)])
    second = approved_requisition(catalogue, [("PEN", 5), ("A4-PAPER", 1)])
    assert catalogue.approvals.started == []
    demand = catalogue.supplies.consolidate(STOREKEEPER, "2026-03")
    ((approval_id, request),) = catalogue.approvals.started
    assert (request.template, request.source_ref) == ("purchase", f"demand-list:{demand.id}")
    assert demand.approval_id == approval_id
    assert sorted(demand.requisition_ids) == sorted([first, second])
    for requisition_id in (first, second):
        with pytest.raises(PreconditionFailed):
            catalogue.supplies.collection_code(EMPLOYEE, requisition_id, False)
    catalogue.decide(f"demand-list:{demand.id}")
    assert len(catalogue.notices("supply_requisition_approved")) == 2
    catalogue.supplies.book_in(STOREKEEPER, "PEN", 20, 150, "期初库存")
    catalogue.supplies.book_in(STOREKEEPER, "A4-PAPER", 1, 2500, "期初库存")
    for requisition_id in (first, second):
        code, _, _ = catalogue.supplies.collection_code(EMPLOYEE, requisition_id, False)
        catalogue.supplies.scan(STOREKEEPER, code)
    assert catalogue.stock("PEN") == 5


def test_f01_finance_reviews_the_list_against_each_departments_budget(
    catalogue: Harness,
) -> None:
    catalogue.directory.add_department("IT", "信息技术部", "it.head")
    catalogue.directory.add_person("it.head", "IT")
    catalogue.directory.add_person("it.dev", "IT")
    it_dev = person("it.dev", "IT")
    it_head = person("it.head", "IT", "employee", heads=("IT",))
    catalogue.supplies.put_supply_budget(FINANCE, "hr", 2026, 10_000)
    # HR: 8 × 25 yuan = 200 yuan against a 100 yuan budget; IT has no budget set.
    hr = approved_requisition(catalogue, [("A4-PAPER", 4)])
    approved_requisition(catalogue, [("A4-PAPER", 4), ("PEN", 2)])
    it = catalogue.supplies.submit_requisition(it_dev, "", [("TONER", 1), ("PEN", 1)])
    catalogue.supplies.sign_requisition(it_head, it.id, "approve", "")
    demand = catalogue.supplies.consolidate(STOREKEEPER, "2026-03")
    shares = {d.department_code: d for d in demand.departments}
    assert (shares["HR"].amount_fen, shares["HR"].budget_fen, shares["HR"].over_budget) == (
        8 * 2500 + 2 * 150,
        10_000,
        True,
    )
    assert (shares["IT"].amount_fen, shares["IT"].has_budget, shares["IT"].over_budget) == (
        32000 + 150,
        False,
        False,
    )
    assert demand.over_budget
    flagged = {line.item_code: line.over_budget_departments for line in demand.lines}
    assert flagged == {"A4-PAPER": ["HR"], "PEN": ["HR"], "TONER": []}
    _, request = catalogue.approvals.for_ref(f"demand-list:{demand.id}")
    assert "超预算" in request.subject
    assert request.payload["over_budget"] is True
    assert {d["department_code"]: d["over_budget"] for d in request.payload["departments"]} == {
        "HR": True,
        "IT": False,
    }
    assert "超预算" in request.payload["description"]
    assert catalogue.supplies.get_demand_list(FINANCE, demand.id).departments == demand.departments
    # Approved, the list counts against the year: the next list starts from what is left.
    catalogue.decide(f"demand-list:{demand.id}")
    (budget,) = catalogue.supplies.list_supply_budgets(FINANCE, 2026).items
    assert (budget.department_code, budget.spent_fen, budget.remaining_fen) == (
        "HR",
        20_300,
        10_000 - 20_300,
    )
    catalogue.supplies.put_supply_budget(FINANCE, "HR", 2026, 50_000)
    catalogue.supplies.sign_requisition(
        HR_HEAD,
        catalogue.supplies.submit_requisition(EMPLOYEE, "", [("PEN", 1)]).id,
        "approve",
        "",
    )
    april = catalogue.supplies.consolidate(STOREKEEPER, "2026-04")
    (share,) = april.departments
    assert (share.spent_before_fen, share.remaining_fen, share.over_budget) == (
        20_300,
        50_000 - 20_300,
        False,
    )
    assert catalogue.supplies.get_requisition(EMPLOYEE, hr).demand_list_id == demand.id


def test_f01_only_finance_sets_budgets_and_bad_ones_change_nothing(catalogue: Harness) -> None:
    for not_finance in (EMPLOYEE, HR_HEAD, STOREKEEPER, DIRECTOR):
        with pytest.raises(PermissionDenied):
            catalogue.supplies.put_supply_budget(not_finance, "HR", 2026, 1)
    for code, year, amount, field in (
        ("NOPE", 2026, 1, "department_code"),
        ("HR", 1999, 1, "year"),
        ("HR", 2026, -1, "amount_fen"),
        ("HR", 2026, 10**11, "amount_fen"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            catalogue.supplies.put_supply_budget(FINANCE, code, year, amount)
        assert caught.value.errors[0].field == field
    assert catalogue.supplies.list_supply_budgets(FINANCE, 2026).items == []
    with pytest.raises(PermissionDenied):
        catalogue.supplies.list_supply_budgets(EMPLOYEE, 2026)
    catalogue.supplies.put_supply_budget(FINANCE, "HR", 2026, 100)
    catalogue.supplies.put_supply_budget(FINANCE, "HR", 2026, 300)
    (budget,) = catalogue.supplies.list_supply_budgets(DIRECTOR, 2026).items
    assert (budget.amount_fen, budget.set_by) == (300, "fin.clerk")
    assert catalogue.event_types().count("facilities.supply_budget.set") == 2


def test_f01_requisition_under_the_former_approval_still_settles_by_its_outcome(
    catalogue: Harness,
) -> None:
    """Requisitions submitted before the three sign-offs keep their approval: its
    outcome decides them and they are collected without waiting for a list."""
    legacy = Requisition(
        id="legacy-1",
        requester=EMPLOYEE.username,
        department_code="HR",
        purpose="",
        lines=[RequisitionLine("PEN", "中性笔", "支", 2, 150)],
        state="pending_approval",
        submitted_at=catalogue.clock.now(),
        approval_id="approval-legacy",
    )
    with catalogue.uow() as uow:
        uow.requisitions.add(legacy)
        uow.commit()
    catalogue.approvals.started.append(
        (
            "approval-legacy",
            ApprovalRequest(
                template="supply_requisition",
                subject="物品申领",
                payload={},
                requester_username="hr.staff",
                source_ref="requisition:legacy-1",
            ),
        )
    )
    catalogue.decide("requisition:legacy-1")
    assert catalogue.supplies.get_requisition(EMPLOYEE, "legacy-1").state == "approved"
    with pytest.raises(Conflict):
        catalogue.supplies.sign_requisition(HR_HEAD, "legacy-1", "approve", "")
    catalogue.supplies.book_in(STOREKEEPER, "PEN", 2, 150, "期初库存")
    code, _, _ = catalogue.supplies.collection_code(EMPLOYEE, "legacy-1", False)
    assert catalogue.supplies.scan(STOREKEEPER, code).recipient == EMPLOYEE.username


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
    ordered_list(catalogue)
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
    catalogue.supplies.sign_requisition(HR_HEAD, pending.id, "approve", "")
    with pytest.raises(PreconditionFailed):
        catalogue.supplies.collection_code(EMPLOYEE, pending.id, False)
    ordered_list(catalogue)
    assert catalogue.supplies.collection_code(EMPLOYEE, pending.id, False)[0]
    with pytest.raises(PermissionDenied):
        catalogue.supplies.collection_code(HR_HEAD, pending.id, False)
    with pytest.raises(NotFound):
        catalogue.supplies.collection_code(OTHER_EMPLOYEE, pending.id, False)


def test_f05_scan_without_enough_stock_changes_nothing(catalogue: Harness) -> None:
    catalogue.supplies.book_in(STOREKEEPER, "A4-PAPER", 5, 2500, "期初库存")
    catalogue.supplies.book_in(STOREKEEPER, "PEN", 1, 150, "期初库存")
    requisition_id = approved_requisition(catalogue, [("A4-PAPER", 3), ("PEN", 2)])
    ordered_list(catalogue)
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
