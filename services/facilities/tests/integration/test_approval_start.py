"""Facilities starts approvals (the month's demand list, trips, expense claims)
after its own commit (issue 11 item 6): a
failed commit cannot leave an approval behind, an engine that is down or an
answer that is lost is retried by a timer, and a retry never makes a second
approval (the engine is idempotent on the source reference)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from facilities.adapters import orm
from facilities.service_layer.ports import ApprovalRequest
from facilities.service_layer.travel import TripRequest
from facilities_testkit import EMPLOYEE, HR_HEAD, STOREKEEPER, Harness
from secretariat_shared.errors import ValidationFailed

pytestmark = pytest.mark.integration


@pytest.fixture
def catalogue(harness: Harness) -> Harness:
    harness.add_item("A4-PAPER", 2500, name="A4复印纸")
    harness.add_item("PEN", 150, name="中性笔", unit="支")
    return harness


def _fire_start_timers(harness: Harness) -> None:
    harness.advance(minutes=2)
    harness.scheduler.run_once()


def signed_requisition(harness: Harness) -> str:
    requisition = harness.supplies.submit_requisition(EMPLOYEE, "日常办公", [("PEN", 2)])
    harness.supplies.sign_requisition(HR_HEAD, requisition.id, "approve", "")
    return requisition.id


def test_the_approval_starts_only_once_the_demand_list_is_committed(catalogue: Harness) -> None:
    seen_committed: list[bool] = []

    def check(request: ApprovalRequest) -> None:
        list_id = request.source_ref.partition(":")[2]
        with catalogue.db.reading() as session:
            row = session.execute(
                select(orm.demand_lists).where(orm.demand_lists.c.id == list_id)
            ).first()
        seen_committed.append(row is not None)

    signed_requisition(catalogue)
    catalogue.approvals.on_start = check
    demand = catalogue.supplies.consolidate(STOREKEEPER, "2026-03")
    assert seen_committed == [True]
    assert demand.approval_id == catalogue.approvals.for_ref(f"demand-list:{demand.id}")[0]
    assert catalogue.event_types().count("facilities.demand_list.consolidated") == 1


def test_a_lost_answer_is_retried_by_the_timer_without_a_second_approval(
    catalogue: Harness,
) -> None:
    signed_requisition(catalogue)
    catalogue.approvals.unavailable = 1
    catalogue.approvals.lose_answers = True
    demand = catalogue.supplies.consolidate(STOREKEEPER, "2026-03")
    assert demand.approval_id == ""
    assert "facilities.demand_list.consolidated" not in catalogue.event_types()

    _fire_start_timers(catalogue)
    stored = catalogue.supplies.get_demand_list(STOREKEEPER, demand.id)
    assert len(catalogue.approvals.started) == 1
    assert stored.approval_id == catalogue.approvals.started[0][0]
    assert catalogue.event_types().count("facilities.demand_list.consolidated") == 1
    _fire_start_timers(catalogue)
    assert catalogue.approvals.calls == 2


def test_an_engine_that_is_down_gets_the_trip_started_when_it_is_back(
    catalogue: Harness,
) -> None:
    catalogue.approvals.unavailable = 2
    start = (catalogue.clock.now() + timedelta(days=7)).date().isoformat()
    trip = catalogue.travel.request_trip(
        EMPLOYEE, TripRequest("上海", "客户拜访", start, start, False, True, False, 100000)
    )
    assert trip.approval_id == ""
    _fire_start_timers(catalogue)  # still down: the timer backs off and retries
    assert catalogue.approvals.started == []
    catalogue.advance(hours=1)
    catalogue.scheduler.run_once()
    assert catalogue.travel.get_trip(EMPLOYEE, trip.id).approval_id == "approval-1"
    assert catalogue.event_types().count("facilities.trip.requested") == 1


def test_a_refusal_found_by_the_retry_removes_the_demand_list_and_frees_its_requisitions(
    catalogue: Harness,
) -> None:
    requisition_id = signed_requisition(catalogue)
    catalogue.approvals.unavailable = 1
    demand = catalogue.supplies.consolidate(STOREKEEPER, "2026-03")
    assert demand.approval_id == ""
    catalogue.approvals.refuse = "amount: over the budget line"
    _fire_start_timers(catalogue)
    assert catalogue.supplies.get_requisition(EMPLOYEE, requisition_id).demand_list_id == ""
    assert "facilities.demand_list.consolidated" not in catalogue.event_types()
    catalogue.approvals.refuse = ""
    again = catalogue.supplies.consolidate(STOREKEEPER, "2026-03")
    assert again.approval_id
    assert again.requisition_ids == [requisition_id]


def test_an_immediate_refusal_leaves_no_trip(catalogue: Harness) -> None:
    catalogue.approvals.refuse = "amount: must be a number"
    start = (catalogue.clock.now() + timedelta(days=7)).date().isoformat()
    with pytest.raises(ValidationFailed):
        catalogue.travel.request_trip(
            EMPLOYEE, TripRequest("上海", "客户拜访", start, start, False, True, False, 100000)
        )
    assert catalogue.travel.list_trips(EMPLOYEE, True, "").items == []
    _fire_start_timers(catalogue)
    assert catalogue.approvals.calls == 1
