"""Zones and daily rounds (SPEC F-07), safety inspections and rectification
items (F-08), trips, expenses and company events (F-09)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from facilities.domain.sites import CheckResult
from facilities.domain.travel import ExpenseLine
from facilities.service_layer.sites import FindingIn, PutZone
from facilities.service_layer.travel import EventPlan, TripRequest
from facilities_testkit import (
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

TEA_ROOM = PutZone(
    "TEA-2F", "2F 茶水间", "tea_room", "hr.staff", ["卫生", "绿植", "饮水机"], "09:00"
)


def answers(*failed: str) -> list[CheckResult]:
    return [
        CheckResult(item, item not in failed, "缺水" if item in failed else "")
        for item in TEA_ROOM.checklist
    ]


def test_f07_zone_round_on_time_and_failures_alert_the_owner(harness: Harness) -> None:
    harness.clock.set(datetime(2026, 3, 2, 0, 30, tzinfo=UTC))  # Monday 08:30 Beijing
    zone = harness.sites.put_zone(STOREKEEPER, TEA_ROOM)
    assert zone.next_round_due_at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    harness.advance(minutes=40)
    walked = harness.sites.record_round(EMPLOYEE, "tea-2f", answers("饮水机"))
    assert (walked.on_time, walked.failed) == (True, 1)
    assert harness.notices("inspection_issues")[0].body == "饮水机：缺水"
    with pytest.raises(Conflict):
        harness.sites.record_round(EMPLOYEE, "TEA-2F", answers())
    harness.advance(hours=1)
    harness.scheduler.run_once()
    assert "facilities.inspection.round_missed" not in harness.event_types()
    assert harness.sites.list_zones().items[0].next_round_due_at == datetime(
        2026, 3, 3, 1, 0, tzinfo=UTC
    )


def test_f07_missed_round_is_flagged_and_the_next_one_scheduled(harness: Harness) -> None:
    harness.clock.set(datetime(2026, 3, 6, 0, 0, tzinfo=UTC))  # Friday 08:00 Beijing
    harness.sites.put_zone(STOREKEEPER, TEA_ROOM)
    harness.clock.set(datetime(2026, 3, 6, 2, 1, tzinfo=UTC))  # 10:01, past the grace hour
    assert harness.scheduler.run_once() == 1
    assert "facilities.inspection.round_missed" in harness.event_types()
    assert harness.notices("inspection_round_missed")[0].recipients == ["hr.staff"]
    # Next round: Monday.
    assert harness.sites.list_zones().items[0].next_round_due_at == datetime(
        2026, 3, 9, 1, 0, tzinfo=UTC
    )


def test_f07_bad_zones_and_rounds_are_refused(harness: Harness) -> None:
    with pytest.raises(PermissionDenied):
        harness.sites.put_zone(EMPLOYEE, TEA_ROOM)
    with pytest.raises(ValidationFailed) as caught:
        harness.sites.put_zone(
            STOREKEEPER, PutZone("X", "", "garden", "nobody", ["a", "a"], "25:00")
        )
    assert {e.field for e in caught.value.errors} == {
        "name",
        "kind",
        "owner",
        "checklist",
        "round_time",
    }
    harness.sites.put_zone(STOREKEEPER, TEA_ROOM)
    with pytest.raises(ValidationFailed):
        harness.sites.record_round(EMPLOYEE, "TEA-2F", answers()[:1])
    with pytest.raises(PermissionDenied):
        harness.sites.record_round(OTHER_EMPLOYEE, "TEA-2F", answers())


def test_f08_findings_become_rectification_items_tracked_to_closure(harness: Harness) -> None:
    inspection = harness.sites.record_safety_inspection(
        DIRECTOR,
        "2026-Q1",
        "消防通道与线路检查",
        [
            FindingIn("安全出口指示灯损坏", "B1 楼梯间", "hr.staff", "2026-03-10"),
            FindingIn("配电箱线路老化", "3F 弱电间", "sec.store", "2026-03-05"),
        ],
    )
    assert [r.owner for r in inspection.rectifications] == ["hr.staff", "sec.store"]
    assert {n.recipients[0] for n in harness.notices("rectification_assigned")} == {
        "hr.staff",
        "sec.store",
    }
    first, second = inspection.rectifications
    with pytest.raises(PermissionDenied):
        harness.sites.close_rectification(OTHER_EMPLOYEE, first.id, "已更换")
    with pytest.raises(ValidationFailed):
        harness.sites.close_rectification(EMPLOYEE, first.id, "")
    closed = harness.sites.close_rectification(EMPLOYEE, first.id, "已更换指示灯")
    assert (closed.state, closed.closed_by) == ("closed", "hr.staff")
    with pytest.raises(PreconditionFailed):
        harness.sites.close_rectification(EMPLOYEE, first.id, "again")
    harness.clock.set(datetime(2026, 3, 5, 16, 0, 1, tzinfo=UTC))  # after 2026-03-05 24:00 Beijing
    harness.scheduler.run_once()
    reread = harness.sites.get_safety_inspection(inspection.id)
    assert [(r.state, r.overdue) for r in reread.rectifications] == [
        ("closed", False),
        ("open", True),
    ]
    assert reread.open_items == 1
    assert "facilities.rectification.overdue" in harness.event_types()
    assert second.id in harness.notices("rectification_overdue")[0].subject_ref


def test_f08_bad_inspections_are_refused(harness: Harness) -> None:
    with pytest.raises(PermissionDenied):
        harness.sites.record_safety_inspection(EMPLOYEE, "2026-Q1", "x", [])
    with pytest.raises(ValidationFailed) as caught:
        harness.sites.record_safety_inspection(
            DIRECTOR, "2026-Q9", "x", [FindingIn("", "B1", "ghost", "2020-01-01")]
        )
    assert {e.field for e in caught.value.errors} == {
        "quarter",
        "findings[0].description",
        "findings[0].owner",
        "findings[0].due_date",
    }
    assert harness.sites.list_safety_inspections("").items == []


def trip(harness: Harness) -> str:
    start = (harness.clock.now() + timedelta(days=7)).date().isoformat()
    end = (harness.clock.now() + timedelta(days=9)).date().isoformat()
    requested = harness.travel.request_trip(
        EMPLOYEE, TripRequest("上海", "客户拜访", start, end, True, True, False, 350000)
    )
    return requested.id


def test_f09_trip_request_runs_as_a_travel_approval(harness: Harness) -> None:
    trip_id = trip(harness)
    _, request = harness.approvals.for_ref(f"trip:{trip_id}")
    assert (request.template, request.payload["days"], request.payload["amount"]) == (
        "travel",
        3,
        3500.0,
    )
    harness.decide(f"trip:{trip_id}", "approved")
    assert harness.travel.get_trip(EMPLOYEE, trip_id).state == "approved"
    assert "需办理：机票、酒店" in harness.notices("trip_approved")[0].body
    with pytest.raises(NotFound):
        harness.travel.get_trip(OTHER_EMPLOYEE, trip_id)
    with pytest.raises(ValidationFailed):
        harness.travel.request_trip(EMPLOYEE, TripRequest("", "", "2026-03-10", "2026-03-01"))


def test_f09_a_trip_abroad_is_decided_by_its_destination_country_not_a_visa(
    harness: Harness,
) -> None:
    start = (harness.clock.now() + timedelta(days=7)).date().isoformat()
    end = (harness.clock.now() + timedelta(days=9)).date().isoformat()
    # Singapore needs no visa for Chinese citizens: still a trip abroad.
    abroad = harness.travel.request_trip(
        EMPLOYEE,
        TripRequest("新加坡", "展会", start, end, True, True, False, 900000, "sg"),
    )
    _, request = harness.approvals.for_ref(f"trip:{abroad.id}")
    assert (request.payload["international"], request.payload["destination_country"]) == (
        True,
        "SG",
    )
    assert harness.travel.get_trip(EMPLOYEE, abroad.id).international
    home = harness.travel.request_trip(
        EMPLOYEE, TripRequest("上海", "客户拜访", start, end, True, True, False, 350000)
    )
    _, request = harness.approvals.for_ref(f"trip:{home.id}")
    assert request.payload["international"] is False
    assert harness.travel.get_trip(EMPLOYEE, home.id).destination_country == "CN"
    for country, visa in (("CN", True), ("JPN", False), ("1X", False)):
        with pytest.raises(ValidationFailed) as caught:
            harness.travel.request_trip(
                EMPLOYEE, TripRequest("某地", "出差", start, end, False, False, visa, 0, country)
            )
        assert caught.value.errors[0].field == "destination_country"
    assert len(harness.travel.list_trips(EMPLOYEE, True, "").items) == 2


def test_f09_expense_claim_with_receipts_and_reimbursement_status(harness: Harness) -> None:
    trip_id = trip(harness)
    with pytest.raises(ValidationFailed):  # the trip is not approved yet
        harness.travel.claim_expense(EMPLOYEE, trip_id, [ExpenseLine("transport", "", 100, "FP1")])
    harness.decide(f"trip:{trip_id}")
    with pytest.raises(ValidationFailed) as caught:
        harness.travel.claim_expense(EMPLOYEE, trip_id, [ExpenseLine("transport", "", 55300, "")])
    assert caught.value.errors[0].field == "lines[0].receipt"
    expense = harness.travel.claim_expense(
        EMPLOYEE,
        trip_id,
        [
            ExpenseLine("transport", "高铁往返", 110600, "FP-001"),
            ExpenseLine("lodging", "酒店两晚", 90000, "FP-002"),
        ],
    )
    assert expense.total_fen == 200600
    _, request = harness.approvals.for_ref(f"expense:{expense.id}")
    assert (request.template, request.payload["amount"]) == ("expense", 2006.0)
    with pytest.raises(PreconditionFailed):
        harness.travel.mark_reimbursed(FINANCE, expense.id)
    harness.decide(f"expense:{expense.id}")
    assert harness.notices("expense_to_reimburse")[0].recipients == ["fin.clerk"]
    with pytest.raises(PermissionDenied):
        harness.travel.mark_reimbursed(EMPLOYEE, expense.id)
    paid = harness.travel.mark_reimbursed(FINANCE, expense.id)
    assert (paid.state, paid.reimbursed_by) == ("reimbursed", "fin.clerk")
    assert harness.notices("expense_reimbursed")


def test_x03_an_expense_claim_is_confidential_to_claimant_finance_hr_and_its_head(
    harness: Harness,
) -> None:
    trip_id = trip(harness)
    harness.decide(f"trip:{trip_id}")
    expense = harness.travel.claim_expense(
        EMPLOYEE, trip_id, [ExpenseLine("transport", "高铁往返", 110600, "FP-001")]
    )
    for reader in (EMPLOYEE, FINANCE, HR_HEAD):
        assert harness.travel.get_expense(reader, expense.id).id == expense.id
        listed = harness.travel.list_expenses(reader, False, "")
        assert ([e.id for e in listed.items], listed.total) == ([expense.id], 1)
    for outsider in (STOREKEEPER, DIRECTOR, OTHER_EMPLOYEE, OUTSIDER):
        with pytest.raises(NotFound):
            harness.travel.get_expense(outsider, expense.id)
        hidden = harness.travel.list_expenses(outsider, False, "")
        assert (hidden.items, hidden.total) == ([], 0)


def test_f09_company_event_with_plan_venue_catering(harness: Harness) -> None:
    plan = EventPlan(
        "2026 年会",
        "annual_meeting",
        "2026-12-20",
        "国际会议中心",
        "自助餐",
        "节目与颁奖",
        200,
        8000000,
    )
    with pytest.raises(PermissionDenied):
        harness.travel.plan_event(EMPLOYEE, plan)
    event = harness.travel.plan_event(STOREKEEPER, plan)
    assert harness.travel.list_events().items[0].id == event.id
    assert "facilities.company_event.planned" in harness.event_types()
    with pytest.raises(ValidationFailed):
        harness.travel.plan_event(
            STOREKEEPER, EventPlan("", "party", "2020-01-01", "", "", "", 0, -1)
        )


def test_approval_engine_refusal_changes_nothing(harness: Harness) -> None:
    harness.approvals.refuse = "amount: must be a number"
    with pytest.raises(ValidationFailed):
        trip(harness)
    assert harness.travel.list_trips(EMPLOYEE, True, "").items == []


def test_outcomes_of_other_services_and_unknown_refs_are_ignored(harness: Harness) -> None:
    trip_id = trip(harness)
    event = harness.decide(f"trip:{trip_id}", "rejected")
    harness.deliver(event)
    assert harness.travel.get_trip(EMPLOYEE, trip_id).state == "rejected"
    assert harness.event_types().count("facilities.trip.rejected") == 1
