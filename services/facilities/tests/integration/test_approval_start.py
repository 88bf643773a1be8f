"""Facilities starts approvals after its own commit (issue 11 item 6): a
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
from facilities_testkit import EMPLOYEE, STOREKEEPER, Harness
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


def test_the_approval_starts_only_once_the_requisition_is_committed(catalogue: Harness) -> None:
    seen_committed: list[bool] = []

    def check(request: ApprovalRequest) -> None:
        requisition_id = request.source_ref.partition(":")[2]
        with catalogue.db.reading() as session:
            row = session.execute(
                select(orm.requisitions).where(orm.requisitions.c.id == requisition_id)
            ).first()
        seen_committed.append(row is not None)

    catalogue.approvals.on_start = check
    requisition = catalogue.supplies.submit_requisition(EMPLOYEE, "日常办公", [("PEN", 2)])
    assert seen_committed == [True]
    assert (
        requisition.approval_id == catalogue.approvals.for_ref(f"requisition:{requisition.id}")[0]
    )
    assert catalogue.event_types().count("facilities.requisition.submitted") == 1


def test_a_lost_answer_is_retried_by_the_timer_without_a_second_approval(
    catalogue: Harness,
) -> None:
    catalogue.approvals.unavailable = 1
    catalogue.approvals.lose_answers = True
    requisition = catalogue.supplies.submit_requisition(EMPLOYEE, "日常办公", [("PEN", 2)])
    assert requisition.approval_id == ""
    assert "facilities.requisition.submitted" not in catalogue.event_types()

    _fire_start_timers(catalogue)
    stored = catalogue.supplies.get_requisition(EMPLOYEE, requisition.id)
    assert len(catalogue.approvals.started) == 1
    assert stored.approval_id == catalogue.approvals.started[0][0]
    assert catalogue.event_types().count("facilities.requisition.submitted") == 1
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
    requisition = catalogue.supplies.submit_requisition(EMPLOYEE, "日常办公", [("PEN", 2)])
    catalogue.decide(f"requisition:{requisition.id}")
    catalogue.approvals.unavailable = 1
    demand = catalogue.supplies.consolidate(STOREKEEPER, "2026-03")
    assert demand.approval_id == ""
    catalogue.approvals.refuse = "amount: over the budget line"
    _fire_start_timers(catalogue)
    assert catalogue.supplies.get_requisition(EMPLOYEE, requisition.id).demand_list_id == ""
    assert "facilities.demand_list.consolidated" not in catalogue.event_types()
    catalogue.approvals.refuse = ""
    again = catalogue.supplies.consolidate(STOREKEEPER, "2026-03")
    assert again.approval_id
    assert again.requisition_ids == [requisition.id]


def test_an_immediate_refusal_leaves_no_requisition(catalogue: Harness) -> None:
    catalogue.approvals.refuse = "amount: must be a number"
    with pytest.raises(ValidationFailed):
        catalogue.supplies.submit_requisition(EMPLOYEE, "日常办公", [("PEN", 2)])
    assert catalogue.supplies.list_requisitions(EMPLOYEE, "", mine=True).items == []
    _fire_start_timers(catalogue)
    assert catalogue.approvals.calls == 1
