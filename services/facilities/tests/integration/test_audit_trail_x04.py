"""SPEC X-04 with X-03: the facilities audit trail, searched by the secretariat and
the discipline office, reveals nothing of a trip or an expense claim the viewer
may not read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from facilities.adapters.audit_trail import FacilitiesAuditTrail
from facilities.domain.travel import ExpenseLine
from facilities.service_layer.travel import TripRequest
from facilities_testkit import EMPLOYEE, STOREKEEPER, Harness, person
from secretariat.common.v1 import audit_pb2
from secretariat_shared.errors import PermissionDenied
from secretariat_shared.identity import Identity

pytestmark = pytest.mark.integration

DISCIPLINE = person("off.wu", "OFF", "employee", "discipline")
DISCIPLINE_IN_HR = person("hr.wu", "HR", "employee", "discipline", heads=("HR",))


def test_x04_x03_trips_and_expense_claims_are_left_out_for_who_may_not_read_them(
    harness: Harness,
) -> None:
    start = (harness.clock.now() + timedelta(days=7)).date().isoformat()
    end = (harness.clock.now() + timedelta(days=9)).date().isoformat()
    trip = harness.travel.request_trip(
        EMPLOYEE, TripRequest("上海", "客户拜访", start, end, True, True, False, 350000)
    )
    harness.decide(f"trip:{trip.id}")
    expense = harness.travel.claim_expense(
        EMPLOYEE, trip.id, [ExpenseLine("transport", "高铁往返", 110600, "FP-001")]
    )
    trail = FacilitiesAuditTrail(harness.db)

    def seen(who: Identity, **filters: str) -> tuple[set[str], int]:
        answer = trail.search(who, audit_pb2.AuditSearchRequest(page_size=100, **filters))
        return {f"{e.entity_type}:{e.entity_id}" for e in answer.items}, answer.total

    everything, _ = seen(STOREKEEPER)  # the secretariat reads trips, not expense claims
    assert f"trip:{trip.id}" in everything
    assert f"expense:{expense.id}" not in everything
    assert seen(STOREKEEPER, entity_id=expense.id) == (set(), 0)
    # the discipline office of another department reads neither
    found, _ = seen(DISCIPLINE)
    assert not {f"trip:{trip.id}", f"expense:{expense.id}"} & found
    assert seen(DISCIPLINE, entity_type="trip")[1] == 0
    # the claimant's department head reads the (confidential) claim
    found, _ = seen(DISCIPLINE_IN_HR, entity_id=expense.id)
    assert found == {f"expense:{expense.id}"}
    with pytest.raises(PermissionDenied):
        trail.search(EMPLOYEE, audit_pb2.AuditSearchRequest())
