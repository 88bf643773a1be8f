"""Repairs (SPEC F-06) and incidents (F-10) with their timers fired by the
scheduler as the clock moves (X-02, X-05)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from facilities.adapters.orm import platform
from facilities.bootstrap import timer_handlers
from facilities_testkit import DIRECTOR, EMPLOYEE, IT, OTHER_EMPLOYEE, STOREKEEPER, Harness
from secretariat.facilities.v1.events_pb2 import IncidentChanged
from secretariat_shared.errors import (
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.timers import TimerScheduler

pytestmark = pytest.mark.integration


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_f06_response_due_two_hours_after_the_report(harness: Harness) -> None:
    repair = harness.repairs.report(EMPLOYEE, "空调不制冷", "", "3F 会议室", "minor")
    assert repair.response_due_at == harness.clock.now() + timedelta(hours=2)
    assert repair.resolve_due_at is None
    assert harness.notices("repair_reported")[0].recipients == ["it.engineer", "sec.store"]
    met_before = metric("secretariat_facilities_repair_response_total", outcome="met")
    harness.advance(minutes=30)
    responded = harness.repairs.respond(STOREKEEPER, repair.id, "马上到")
    assert (responded.state, responded.response_outcome) == ("responded", "met")
    assert metric("secretariat_facilities_repair_response_total", outcome="met") == met_before + 1
    harness.advance(hours=3)
    assert harness.scheduler.run_once() == 0  # the response timer was cancelled


def test_f06_unanswered_repair_breaches_once_by_timer(harness: Harness) -> None:
    repair = harness.repairs.report(EMPLOYEE, "打印机卡纸", "", "2F", "minor")
    breached_before = metric("secretariat_facilities_repair_response_total", outcome="breached")
    harness.advance(hours=2, seconds=1)
    assert harness.scheduler.run_once() == 1
    assert harness.repairs.get(EMPLOYEE, repair.id).response_outcome == "breached"
    assert "facilities.repair.response_breached" in harness.event_types()
    assert EMPLOYEE.username in harness.notices("repair_response_breached")[0].recipients
    late = harness.repairs.respond(IT, repair.id, "")
    assert late.response_outcome == "breached"
    assert (
        metric("secretariat_facilities_repair_response_total", outcome="breached")
        == breached_before + 1
    )


def test_x02_major_fault_clock_pauses_over_the_weekend(harness: Harness) -> None:
    harness.clock.set(datetime(2026, 3, 6, 9, 0, tzinfo=UTC))  # Friday 17:00 Beijing
    repair = harness.repairs.report(EMPLOYEE, "服务器机房断电", "", "B1 机房", "major")
    assert repair.resolve_due_at == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # Monday 17:00
    # The 2-hour response clock is wall-clock: Friday 19:00.
    assert repair.response_due_at == datetime(2026, 3, 6, 11, 0, tzinfo=UTC)


def test_f06_major_fault_unresolved_after_24_working_hours_is_breached(harness: Harness) -> None:
    harness.clock.set(datetime(2026, 3, 6, 9, 0, tzinfo=UTC))  # Friday 17:00 Beijing
    repair = harness.repairs.report(EMPLOYEE, "服务器机房断电", "", "B1 机房", "major")
    harness.repairs.respond(IT, repair.id, "")
    harness.clock.set(datetime(2026, 3, 9, 9, 0, 1, tzinfo=UTC))
    harness.scheduler.run_once()
    ticket = harness.repairs.get(EMPLOYEE, repair.id)
    assert ticket.resolution_outcome == "breached"
    assert "facilities.repair.resolution_breached" in harness.event_types()
    resolved = harness.repairs.resolve(IT, repair.id, "更换配电柜空开")
    assert resolved.result == "更换配电柜空开"


def test_f06_only_the_requester_accepts_or_reopens(harness: Harness) -> None:
    repair = harness.repairs.report(EMPLOYEE, "门禁失灵", "", "前台", "major")
    with pytest.raises(PermissionDenied):
        harness.repairs.respond(EMPLOYEE, repair.id, "")
    harness.repairs.respond(IT, repair.id, "")
    with pytest.raises(ValidationFailed):
        harness.repairs.resolve(IT, repair.id, "")
    harness.repairs.resolve(IT, repair.id, "重置控制器")
    for stranger in (OTHER_EMPLOYEE, IT):
        with pytest.raises(PermissionDenied):
            harness.repairs.accept(stranger, repair.id)
        with pytest.raises(PermissionDenied):
            harness.repairs.reopen(stranger, repair.id, "不行")
    assert harness.repairs.get(EMPLOYEE, repair.id).state == "resolved"
    reopened = harness.repairs.reopen(EMPLOYEE, repair.id, "下午又坏了")
    assert reopened.state == "reopened"
    assert reopened.resolve_due_at is not None
    assert harness.notices("repair_reopened")[0].recipients == [IT.username]
    harness.repairs.resolve(IT, repair.id, "更换读卡器")
    closed = harness.repairs.accept(EMPLOYEE, repair.id)
    assert closed.state == "closed"
    with pytest.raises(PreconditionFailed):
        harness.repairs.accept(EMPLOYEE, repair.id)
    with pytest.raises(NotFound):
        harness.repairs.get(OTHER_EMPLOYEE, repair.id)


def test_f06_bad_reports_are_refused(harness: Harness) -> None:
    with pytest.raises(ValidationFailed) as caught:
        harness.repairs.report(EMPLOYEE, "", "", "", "urgent")
    assert {e.field for e in caught.value.errors} == {"title", "location", "severity"}
    assert harness.repairs.list_repairs(STOREKEEPER, "", False).items == []


def test_f10_incident_plan_in_ten_minutes_and_restore_with_it_in_thirty(harness: Harness) -> None:
    incident = harness.incidents.report(EMPLOYEE, "power_cut", "整栋楼停电", "A 座")
    notice = harness.notices("incident_reported")[0]
    assert sorted(notice.recipients) == ["it.engineer", "off.director", "sec.store"]
    harness.advance(minutes=8)
    with pytest.raises(PermissionDenied):
        harness.incidents.start_plan(EMPLOYEE, incident.id, "")
    started = harness.incidents.start_plan(DIRECTOR, incident.id, "启动停电应急预案")
    assert started.plan_outcome == "met"
    with pytest.raises(PermissionDenied):
        harness.incidents.restore(DIRECTOR, incident.id, "")
    harness.advance(minutes=25)
    restored = harness.incidents.restore(IT, incident.id, "UPS 与发电机接管，核心交换机恢复")
    assert restored.restore_outcome == "breached"
    harness.incidents.close(DIRECTOR, incident.id, "供电恢复")
    assert harness.incidents.get(EMPLOYEE, incident.id).state == "closed"
    assert harness.scheduler.run_once() == 0


def test_f10_both_clocks_fire_when_nobody_acts(harness: Harness) -> None:
    incident = harness.incidents.report(EMPLOYEE, "network", "外网中断", "全楼")
    plan_before = metric("secretariat_facilities_incident_plan_total", outcome="breached")
    harness.advance(minutes=10, seconds=1)
    assert harness.scheduler.run_once() == 1
    harness.advance(minutes=20)
    assert harness.scheduler.run_once() == 1
    found = harness.incidents.get(EMPLOYEE, incident.id)
    assert (found.plan_outcome, found.restore_outcome) == ("breached", "breached")
    types = harness.event_types()
    assert "facilities.incident.plan_overdue" in types
    assert "facilities.incident.restore_overdue" in types
    assert (
        metric("secretariat_facilities_incident_plan_total", outcome="breached") == plan_before + 1
    )
    with pytest.raises(ValidationFailed):
        harness.incidents.report(EMPLOYEE, "meteor", "", "")


def test_x05_timers_fire_once_across_a_restart_and_each_outcome_is_an_event(
    harness: Harness,
) -> None:
    incident = harness.incidents.report(EMPLOYEE, "power_cut", "停电", "A 座")
    harness.advance(minutes=31)
    restarted = TimerScheduler(
        harness.db,
        platform,
        harness.clock,
        timer_handlers(
            harness.supplies, harness.repairs, harness.sites, harness.incidents, harness.travel
        ),
        harness.uow,
        "facilities",
    )
    assert restarted.run_once() == 2
    assert harness.scheduler.run_once() == 0
    assert restarted.run_once() == 0
    outcomes = [
        (t, e.payload_as(IncidentChanged).outcome)
        for t, e in harness.outbox()
        if t.startswith("facilities.incident.")
    ]
    assert outcomes == [
        ("facilities.incident.reported", ""),
        ("facilities.incident.plan_overdue", "breached"),
        ("facilities.incident.restore_overdue", "breached"),
    ]
    assert harness.incidents.get(EMPLOYEE, incident.id).plan_outcome == "breached"


def test_x06_notices_name_the_people_and_link_the_item(harness: Harness) -> None:
    repair = harness.repairs.report(EMPLOYEE, "灯管闪烁", "", "2F 走廊", "minor")
    harness.repairs.respond(STOREKEEPER, repair.id, "下午处理")
    harness.repairs.resolve(STOREKEEPER, repair.id, "更换灯管")
    (responded,) = harness.notices("repair_responded")
    (resolved,) = harness.notices("repair_resolved")
    for notice in (responded, resolved):
        assert list(notice.recipients) == [EMPLOYEE.username]
        assert notice.subject_ref == f"facilities/repairs/{repair.id}"
    assert "更换灯管" in resolved.body
    reported = harness.notices("repair_reported")[0]
    assert reported.due_at.ToDatetime(tzinfo=UTC) == repair.response_due_at
