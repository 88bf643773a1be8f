"""Plain rules of F-01, F-02, F-05..F-10: consolidation, the delivery day,
collection codes, repair and incident state, rounds, travel lines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilities.domain import collection
from facilities.domain.incidents import Incident, IncidentRuleBroken
from facilities.domain.inventory import count_problems, movement_problems
from facilities.domain.repairs import NotTheRequester, Repair, RepairRuleBroken
from facilities.domain.sites import (
    CheckResult,
    check_results,
    first_round_day,
    next_round_day,
    parse_quarter,
    quarter_of,
)
from facilities.domain.supplies import (
    DemandListLine,
    Item,
    PurchaseOrder,
    PurchaseOrderLine,
    Requisition,
    RequisitionLine,
    SignatureRefused,
    Wanted,
    budget_problems,
    budget_review,
    consolidate,
    delivery_day_of,
    flag_over_budget,
    item_problems,
    may_sign,
    orders_by_supplier,
    receive,
    requisition_problems,
    scheduled_delivery,
    sign,
    signers_for,
)
from facilities.domain.travel import ExpenseLine, expense_line_problems
from secretariat_shared.calendar import BusinessCalendar

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CAL = BusinessCalendar()
KEY = b"unit-test-key"


def item(code: str, supplier: str, price: int) -> Item:
    return Item(code, code, code, "包", supplier, price, None)


def test_f01_consolidation_sums_quantities_per_item_at_the_agreed_price() -> None:
    paper, pen = item("A4", "晨光", 2500), item("PEN", "晨光", 150)
    toner = item("TONER", "惠普", 32000)
    lines = consolidate(
        [
            Wanted(paper, 3, requisition_id="r1"),
            Wanted(pen, 10, requisition_id="r1"),
            Wanted(paper, 2, requisition_id="r2"),
            Wanted(toner, 1, replenishment_id="p1"),
        ]
    )
    assert [(x.supplier, x.item_code, x.quantity, x.amount_fen) for x in lines] == [
        ("惠普", "TONER", 1, 32000),
        ("晨光", "A4", 5, 12500),
        ("晨光", "PEN", 10, 1500),
    ]
    assert lines[1].requisition_ids == ["r1", "r2"]
    assert lines[0].replenishment_ids == ["p1"]


def test_f02_one_order_per_supplier() -> None:
    lines = consolidate([Wanted(item("A4", "晨光", 2500), 3), Wanted(item("T", "惠普", 9), 1)])
    orders = orders_by_supplier(lines)
    assert list(orders) == ["惠普", "晨光"]
    assert [(x.item_code, x.quantity, x.unit_price_fen) for x in orders["晨光"]] == [
        ("A4", 3, 2500)
    ]


def test_f02_delivery_on_the_25th_when_it_is_a_working_day() -> None:
    assert delivery_day_of(2026, 3, CAL.is_working_day) == date(2026, 3, 25)  # Wednesday


def test_f02_delivery_moves_to_the_last_working_day_before_a_weekend_25th() -> None:
    # 2026-04-25 is a Saturday; 2026-10-25 a Sunday after the National Day week.
    assert delivery_day_of(2026, 4, CAL.is_working_day) == date(2026, 4, 24)
    assert delivery_day_of(2026, 10, CAL.is_working_day) == date(2026, 10, 23)


def test_f02_delivery_skips_a_holiday_25th_by_the_business_calendar() -> None:
    calendar = BusinessCalendar(extra_holidays=[date(2026, 3, 25), date(2026, 3, 24)])
    assert delivery_day_of(2026, 3, calendar.is_working_day) == date(2026, 3, 23)


def test_f02_list_approved_after_its_delivery_day_delivers_next_month() -> None:
    assert scheduled_delivery("2026-03", date(2026, 3, 26), CAL.is_working_day) == date(2026, 4, 24)
    assert scheduled_delivery("2026-03", date(2026, 3, 25), CAL.is_working_day) == date(2026, 3, 25)


@given(st.integers(2024, 2026), st.integers(1, 12))
def test_f02_property_delivery_is_a_working_day_within_the_week_before_the_25th(
    year: int, month: int
) -> None:
    day = delivery_day_of(year, month, CAL.is_working_day)
    assert CAL.is_working_day(day)
    assert date(year, month, 25) - timedelta(days=10) <= day <= date(year, month, 25)
    between = [day + timedelta(days=n) for n in range(1, (date(year, month, 25) - day).days + 1)]
    assert not any(CAL.is_working_day(d) for d in between)


def test_f02_receipt_checks_items_and_outstanding_quantities() -> None:
    order = PurchaseOrder(
        "po",
        "PO-1",
        "dl",
        "晨光",
        [PurchaseOrderLine("A4", "纸", "包", 5, 2500)],
        date(2026, 3, 25),
        "placed",
        NOW,
    )
    with pytest.raises(ValueError, match="not on purchase order"):
        receive(order, {"PEN": 1}, NOW)
    with pytest.raises(ValueError, match="outstanding"):
        receive(order, {"A4": 6}, NOW)
    with pytest.raises(ValueError, match="positive"):
        receive(order, {"A4": 0}, NOW)
    assert receive(order, {"A4": 2}, NOW) == {"A4": 2}
    assert order.state == "partially_received"
    assert receive(order, {}, NOW) == {"A4": 3}
    assert (order.state, order.received_at) == ("received", NOW)


def test_f05_code_carries_request_id_and_verifies_until_it_expires() -> None:
    code = collection.sign(KEY, "req-1", NOW + timedelta(hours=1))
    assert code.startswith("FAC1.req-1.")
    assert collection.verify(KEY, code, NOW) == "req-1"
    with pytest.raises(collection.ExpiredCode):
        collection.verify(KEY, code, NOW + timedelta(hours=1))


@given(st.text(min_size=1, max_size=80))
def test_f05_property_anything_but_an_issued_code_is_rejected(garbage: str) -> None:
    with pytest.raises(collection.CodeRejected):
        collection.verify(KEY, garbage, NOW)


def test_f05_altered_or_foreign_codes_are_forged() -> None:
    code = collection.sign(KEY, "req-1", NOW + timedelta(hours=1))
    _, rid, expires, signature = code.split(".")
    later = f"FAC1.{rid}.{int(expires) + 3600}.{signature}"
    other = f"FAC1.req-2.{expires}.{signature}"
    foreign = collection.sign(b"another-key", "req-1", NOW + timedelta(hours=1))
    for forged in (later, other, foreign):
        with pytest.raises(collection.ForgedCode):
            collection.verify(KEY, forged, NOW)


def repair(severity: str = "major") -> Repair:
    return Repair(
        "r1",
        "空调",
        "",
        "3F",
        severity,
        "reported",
        "alice",
        NOW,
        response_due_at=NOW + timedelta(hours=2),
        resolve_due_at=NOW + timedelta(hours=24) if severity == "major" else None,
    )


def test_f06_response_within_two_hours_is_met_later_is_breached() -> None:
    on_time = repair()
    assert on_time.respond("bob", NOW + timedelta(hours=2)) == "met"
    late = repair()
    assert late.respond("bob", NOW + timedelta(hours=2, seconds=1)) == "breached"


def test_f06_breach_counted_once_when_the_timer_fired_first() -> None:
    ticket = repair()
    assert ticket.response_breached(NOW + timedelta(hours=2))
    assert not ticket.response_breached(NOW + timedelta(hours=3))
    assert ticket.respond("bob", NOW + timedelta(hours=3)) is None
    assert ticket.response_outcome == "breached"


def test_f06_major_fault_needs_a_written_result_and_the_requester_accepts() -> None:
    ticket = repair()
    with pytest.raises(RepairRuleBroken):
        ticket.resolve("bob", NOW, "修好了")
    ticket.respond("bob", NOW)
    with pytest.raises(ValueError, match="written result"):
        ticket.resolve("bob", NOW, "  ")
    assert ticket.resolve("bob", NOW + timedelta(hours=5), "更换压缩机") == "met"
    with pytest.raises(NotTheRequester):
        ticket.accept("bob", NOW)
    ticket.accept("alice", NOW)
    assert ticket.state == "closed"
    assert [e.action for e in ticket.history] == ["responded", "resolved", "accepted"]


def test_f06_reopened_repair_gets_a_new_resolution_clock() -> None:
    ticket = repair()
    ticket.respond("bob", NOW)
    ticket.resolve("bob", NOW, "重启")
    with pytest.raises(NotTheRequester):
        ticket.reopen("bob", NOW, "还是坏的", None)
    ticket.reopen("alice", NOW, "还是坏的", NOW + timedelta(hours=30))
    assert (ticket.state, ticket.resolution_outcome) == ("reopened", "")
    assert ticket.resolve("bob", NOW + timedelta(hours=31), "换件") == "breached"


def test_f06_minor_fault_has_no_resolution_clock() -> None:
    ticket = repair("minor")
    ticket.respond("bob", NOW)
    assert ticket.resolve("bob", NOW + timedelta(days=5), "修好") is None


def test_f10_plan_within_ten_minutes_restore_within_thirty() -> None:
    incident = Incident.report("i1", "power_cut", "停电", "A座", "alice", NOW)
    assert incident.plan_due_at == NOW + timedelta(minutes=10)
    assert incident.restore_due_at == NOW + timedelta(minutes=30)
    with pytest.raises(IncidentRuleBroken):
        incident.restore("it", NOW, "")
    assert incident.start_plan("sec", NOW + timedelta(minutes=10)) == "met"
    assert incident.restore("it", NOW + timedelta(minutes=31), "UPS 切换") == "breached"
    incident.close(NOW + timedelta(minutes=40), "")
    assert incident.state == "closed"


def test_f10_timer_breach_is_not_counted_again_on_the_late_action() -> None:
    incident = Incident.report("i1", "power_cut", "停电", "A座", "alice", NOW)
    assert incident.plan_overdue()
    assert not incident.plan_overdue()
    assert incident.start_plan("sec", NOW + timedelta(minutes=12)) is None
    assert incident.plan_outcome == "breached"


def test_f07_round_answers_each_checklist_item_once() -> None:
    checklist = ["茶水间卫生", "绿植"]
    assert (
        check_results(checklist, [CheckResult("茶水间卫生", True), CheckResult("绿植", False)])
        == []
    )
    problems = check_results(
        checklist,
        [CheckResult("茶水间卫生", True), CheckResult("茶水间卫生", True), CheckResult("灯", True)],
    )
    assert problems == [
        "'茶水间卫生' is answered twice",
        "'灯' is not on the zone's checklist",
        "unanswered: 绿植",
    ]


def test_f07_rounds_fall_on_working_days() -> None:
    friday = date(2026, 3, 6)
    assert next_round_day(friday, CAL.is_working_day) == date(2026, 3, 9)
    morning = datetime(2026, 3, 2, 8, 0)
    assert first_round_day(morning, "09:00", CAL.is_working_day) == date(2026, 3, 2)
    assert first_round_day(morning.replace(hour=10), "09:00", CAL.is_working_day) == date(
        2026, 3, 3
    )


def test_f08_quarters() -> None:
    assert parse_quarter("2026-Q2") == (2026, 2)
    assert quarter_of(date(2026, 11, 3)) == "2026-Q4"
    with pytest.raises(ValueError, match="quarter"):
        parse_quarter("2026-Q5")


def test_f09_expense_lines_need_category_amount_and_receipt() -> None:
    assert expense_line_problems(0, ExpenseLine("transport", "高铁", 55300, "FP-001")) == []
    problems = expense_line_problems(2, ExpenseLine("gifts", "", 0, " "))
    assert [field for field, _ in problems] == [
        "lines[2].category",
        "lines[2].amount_fen",
        "lines[2].receipt",
    ]


def _requisition(**kw: object) -> Requisition:
    values: dict[str, object] = {
        "id": "r1",
        "requester": "hr.staff",
        "department_code": "HR",
        "purpose": "",
        "lines": [RequisitionLine("PEN", "中性笔", "支", 2, 150)],
        "state": "pending_approval",
        "submitted_at": datetime(2026, 3, 2, tzinfo=UTC),
        "signers": ["hr.head"],
    }
    values.update(kw)
    return Requisition(**values)  # type: ignore[arg-type]


def test_f01_the_head_signs_and_nobody_signs_their_own() -> None:
    assert signers_for("hr.staff", "hr.head", "leader.li") == ["hr.head"]
    assert signers_for("hr.head", "hr.head", "leader.li") == ["leader.li"]
    assert signers_for("hr.head", "hr.head", "") == []
    requisition = _requisition()
    assert may_sign(requisition, "hr.head", heads_department=True)
    assert may_sign(requisition, "new.head", heads_department=True)
    assert not may_sign(requisition, "hr.staff", heads_department=True)
    assert not may_sign(requisition, "fin.clerk", heads_department=False)


def test_f01_signature_approves_or_rejects_with_a_reason_once() -> None:
    now = datetime(2026, 3, 3, tzinfo=UTC)
    requisition = _requisition()
    with pytest.raises(ValueError, match="say why"):
        sign(requisition, "hr.head", False, " ", now)
    sign(requisition, "hr.head", True, "", now)
    assert (requisition.state, requisition.signed_by, requisition.signed_at) == (
        "approved",
        "hr.head",
        now,
    )
    with pytest.raises(SignatureRefused):
        sign(requisition, "hr.head", False, "改主意", now)
    legacy = _requisition(approval_id="approval-1")
    with pytest.raises(SignatureRefused):
        sign(legacy, "hr.head", True, "", now)


def test_f01_budget_review_flags_departments_and_their_lines_over_budget() -> None:
    review = budget_review(
        2026, {"HR": 5000, "IT": 9000, "OFF": 100}, {"HR": 10000, "IT": 10000}, {"HR": 6000}
    )
    by_code = {d.department_code: d for d in review}
    assert (by_code["HR"].over_budget, by_code["HR"].remaining_fen) == (True, 4000)
    assert (by_code["IT"].over_budget, by_code["IT"].remaining_fen) == (False, 10000)
    assert (by_code["OFF"].has_budget, by_code["OFF"].over_budget) == (False, False)
    lines = [
        DemandListLine("PEN", "笔", "支", "晨光", 3, 150, requisition_ids=["a", "b"]),
        DemandListLine("INK", "墨", "盒", "晨光", 1, 900, requisition_ids=["b"]),
        DemandListLine("TAPE", "胶带", "卷", "晨光", 1, 90, replenishment_ids=["p"]),
    ]
    flag_over_budget(lines, review, {"a": "HR", "b": "IT"})
    assert [(line.over_budget, line.over_budget_departments) for line in lines] == [
        (True, ["HR"]),
        (False, []),
        (False, []),
    ]


def test_f01_requisition_input_rules_need_no_catalogue() -> None:
    assert requisition_problems("", []) == [("lines", "name at least one item and quantity")]
    assert requisition_problems("x" * 501, [("PEN", 1)]) == [
        ("purpose", "must be at most 500 characters")
    ]
    assert [f for f, _ in requisition_problems("", [("PEN", 1), ("pen", 0), ("A4", 10**6)])] == [
        "lines[1].item_code",
        "lines[1].quantity",
        "lines[2].quantity",
    ]
    assert budget_problems(2026, 0) == []
    assert [f for f, _ in budget_problems(1999, -1)] == ["year", "amount_fen"]
    assert [f for f, _ in item_problems("a b", 0, -1)] == [
        "code",
        "agreed_price_fen",
        "min_stock_override",
    ]


def test_f03_f05_stock_input_rules_need_no_storeroom() -> None:
    assert movement_problems(1, 0) == []
    assert [f for f, _ in movement_problems(0, -1)] == ["quantity", "unit_cost_fen"]
    assert [f for f, _ in count_problems([("PEN", -1), ("pen", 2)])] == [
        "counts[0].counted",
        "counts[1].item_code",
    ]
    assert count_problems([]) == [("counts", "count at least one item")]
