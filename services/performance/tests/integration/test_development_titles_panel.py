"""P-04 required skills, P-09 titles by the organisation's rules, P-10's panel,
written decision and quarterly statistics, and P-02 ingestion in batches:
the use cases on a real database with a fake Directory and approval engine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from performance_testkit import ALICE, BOB, HR, OUTSIDER, Harness
from sqlalchemy import select

from performance.adapters.orm import platform
from performance.domain.titles import TitleRule
from secretariat.career.v1 import events_pb2 as career_events
from secretariat.documents.v1 import events_pb2 as documents
from secretariat.performance.v1 import events_pb2 as ev
from secretariat_shared.errors import PermissionDenied, ValidationFailed
from secretariat_shared.events import ReceivedEvent, make_envelope

pytestmark = pytest.mark.integration


def training(h: Harness, who: str, hours: float, day: str, kind: str = "mandatory") -> None:
    h.deliver(
        "career.training.completed",
        career_events.TrainingCompleted(
            completion_id=f"c-{who}-{day}-{kind}",
            username=who,
            course_id=f"course-{day}-{kind}",
            course_title=f"{kind} 课程 {day}",
            course_kind=kind,
            hours=hours,
            completed_on=day,
            mandatory=kind in ("mandatory", "onboarding"),
        ),
    )


def named(indicators: list) -> dict:  # type: ignore[type-arg]
    return {i.name: i for i in indicators}


def test_p04_required_skills_passed_count_per_year_with_their_facts(harness: Harness) -> None:
    training(harness, "ops.alice", 24, "2026-03-10")
    training(harness, "ops.alice", 16, "2026-11-01")
    training(harness, "ops.alice", 8, "2026-11-02", kind="elective")

    _, _, q1 = harness.appraisals.indicators(ALICE, "ops.alice", "2026-Q1")
    required = named(q1)["required_training_passed"]
    assert required.value == 60.0
    assert required.target == 100.0
    assert required.target_met is False
    assert "24 = 24 of 40" in required.formula

    _, _, q4 = harness.appraisals.indicators(ALICE, "ops.alice", "2026-Q4")
    required = named(q4)["required_training_passed"]
    assert required.value == 100.0
    assert required.target_met is True
    assert "2026-01-01 – 2026-12-31" in required.formula
    assert [f.value for f in required.facts] == [24.0, 16.0]
    assert {f.source_event_type for f in required.facts} == {"career.training.completed"}
    assert named(q4)["training_hours"].value == 24.0


def test_p04_the_annual_review_checks_100_percent_and_names_who_is_short(
    harness: Harness,
) -> None:
    training(harness, "ops.alice", 40, "2026-06-01")
    training(harness, "ops.bob", 8, "2026-06-01")
    harness.step_completed("ops.alice", True)
    harness.step_completed("ops.bob", True)
    cycle = harness.appraisals.create_cycle(HR, "annual", "2026")
    harness.appraisals.publish(HR, cycle.id)

    bob = harness.appraisals.result(BOB, cycle.id, "ops.bob")
    check = next(
        d for d in bob.row.explanation["development"] if d["name"] == "required_training_passed"
    )
    assert check["value"] == 20.0
    assert check["target_met"] is False
    assert all(i in bob.development_facts for i in check["fact_ids"])
    short = harness.notices("performance_required_training_short")
    assert [n.recipients for n in short] == [["hr.officer", "ops.bob"]]
    assert "20%" in short[0].title


def test_p09_title_rules_set_by_hr_choose_the_titles_with_their_facts(harness: Harness) -> None:
    rule = TitleRule("meeting_star", "会务之星", "Meeting Star", "meeting_satisfaction", 2, True, 1)
    with pytest.raises(PermissionDenied):
        harness.appraisals.set_title_rules(ALICE, [rule])
    with pytest.raises(ValidationFailed) as bad:
        harness.appraisals.set_title_rules(
            HR, [TitleRule("x", "", "", "typing_speed", 0, False, 0)]
        )
    fields = {v.field for v in bad.value.errors}
    assert {"rules[0].code", "rules[0].name", "rules[0].indicator"} <= fields
    assert [r.code for r in harness.appraisals.title_rules()] == ["service_star", "efficiency_star"]

    harness.appraisals.set_title_rules(HR, [rule])
    harness.survey_closed("ops.alice", 99)  # one meeting only: below the rule's 2 facts
    harness.survey_closed("ops.bob", 90)
    harness.survey_closed("ops.bob", 88)
    cycle = harness.appraisals.create_cycle(HR, "monthly", "2026-11")
    harness.appraisals.publish(HR, cycle.id)

    assert harness.appraisals.result(HR, cycle.id, "ops.bob").row.titles == ["会务之星"]
    assert harness.appraisals.result(HR, cycle.id, "ops.alice").row.titles == []
    [(award, facts)] = harness.appraisals.cycle_titles(HR, cycle.id)
    assert (award.username, award.code, award.value) == ("ops.bob", "meeting_star", 89.0)
    assert award.rule["min_facts"] == 2
    assert "≥ 2 facts" in award.formula
    assert "target ≥ 85 met" in award.formula
    assert sorted(f.value for f in facts) == [88.0, 90.0]
    [(_, hidden)] = harness.appraisals.cycle_titles(OUTSIDER, cycle.id)
    assert hidden == []
    awarded = [e for t, e in harness.outbox() if t == "performance.title.awarded"]
    assert awarded[0].payload_as(ev.TitleAwarded).title == "会务之星"


def appealed(h: Harness, disputed_late: bool = True) -> tuple[str, str, str]:
    """Bob's published quarter with one late step he disputes; returns
    (cycle id, appeal id, disputed fact id)."""
    h.step_completed("ops.bob", True)
    late = h.step_completed("ops.bob", False)
    cycle = h.appraisals.create_cycle(HR, "quarterly", "2026-Q4")
    h.appraisals.publish(HR, cycle.id)
    view = h.appraisals.result(BOB, cycle.id, "ops.bob")
    disputed = next(f.id for f in view.facts if f.source_event_id == late.id)
    appeal = h.appeals.file(BOB, view.row.id, "该步骤超时系系统故障", [disputed])
    h.advance(seconds=2)
    return cycle.id, appeal.id, disputed


def test_p10_the_panel_gets_the_case_to_decide_on(harness: Harness) -> None:
    _, appeal_id, disputed = appealed(harness)
    [(_, request)] = harness.approvals.started
    payload = request.payload
    assert request.template == "appraisal_appeal"
    assert request.requester_username == "ops.bob"
    assert payload["second_appeal"] is False
    assert payload["panel"] == ["department_head", "hr", "employee_representative", "discipline"]
    assert payload["appellant"] == "ops.bob"
    assert payload["department_code"] == "OPS"
    assert payload["grade"] == "needs_improvement"
    assert [f["id"] for f in payload["disputed_facts"]] == [disputed]
    assert payload["disputed_facts"][0]["source_event_type"] == "documents.step.completed"
    assert payload["appeal_id"] == appeal_id


def test_p10_an_upheld_decision_states_the_process_and_the_basis(harness: Harness) -> None:
    _, appeal_id, _ = appealed(harness)
    harness.panel_approves(appeal_id, "hr.officer")
    harness.panel_approves(appeal_id, "ops.head")
    harness.panel_approves(appeal_id, "ops.carol")
    harness.panel_approves(appeal_id, "dis.officer")
    harness.decide(appeal_id, "approved")

    appeal = harness.appeals.get(BOB, appeal_id)
    assert appeal.state == "upheld"
    assert [(e["role"], e["action"]) for e in appeal.panel_trail] == [
        ("hr", "approved"),
        ("department_head", "approved"),
        ("employee_representative", "approved"),
        ("discipline", "approved"),
    ]
    assert appeal.review_opened_at is not None
    decision = appeal.decision
    assert decision.startswith("处理过程：")
    for words in (
        "ops.bob 提出申诉",
        "approval-1",
        "人力资源部于",
        "职工代表 ops.carol",
        "纪检监察 dis.officer",
    ):
        assert words in decision
    assert "依据" in decision
    assert "超时完成" in decision
    assert "重新计算" in decision


def test_p10_a_rejection_states_the_panel_reason_and_the_second_appeal_deadline(
    harness: Harness,
) -> None:
    _, appeal_id, _ = appealed(harness)
    harness.panel_approves(appeal_id, "hr.officer")
    harness.panel_rejects(appeal_id, "ops.head", "系统日志显示步骤确属超时")
    harness.decide(appeal_id, "rejected")

    appeal = harness.appeals.get(BOB, appeal_id)
    assert appeal.state == "rejected"
    assert "部门负责人：系统日志显示步骤确属超时" in appeal.decision
    assert "向绩效考核委员会提出再申诉" in appeal.decision
    second = harness.appeals.file(BOB, appeal.result_id, "再申诉", [])
    harness.advance(seconds=2)
    request = harness.approvals.started[1][1]
    assert request.payload["second_appeal"] is True
    assert request.payload["panel"] == ["committee"]
    assert request.payload["first_decision"] == appeal.decision
    harness.panel_rejects(second.id, "committee.chair", "维持复核小组意见", step=1)
    harness.decide(second.id, "rejected")
    final = harness.appeals.get(BOB, second.id)
    assert final.panel_trail[0]["role"] == "committee"
    assert "绩效考核委员会" in final.decision
    assert "终局" in final.decision


def test_p10_appeal_statistics_are_published_each_quarter(harness: Harness) -> None:
    harness.appeals.seed_statistics()
    _, appeal_id, _ = appealed(harness)
    harness.decide(appeal_id, "approved")
    # 2027-01-04 is the first working day after Q4: statistics at 09:00 Beijing.
    harness.set(datetime(2027, 1, 4, 1, 30, tzinfo=UTC))
    published = [e for t, e in harness.outbox() if t == "performance.appeal_statistics.published"]
    assert len(published) == 1
    stats = published[0].payload_as(ev.AppealStatisticsPublished)
    assert (stats.period, stats.filed, stats.upheld) == ("2026-Q4", 1, 1)
    notice = harness.notices("performance_appeal_statistics")[0]
    assert notice.recipients == ["committee.chair", "hr.officer"]
    assert "ops.bob" not in notice.body
    with harness.db.reading() as s:
        keys = {r.key for r in s.execute(select(platform.timers.c.key))}
    assert "appeal-statistics:2027-Q1" in keys


def test_p02_a_batch_of_late_events_is_applied_once_and_recomputes_a_result_once(
    harness: Harness,
) -> None:
    harness.step_completed("ops.bob", True)
    cycle = harness.appraisals.create_cycle(HR, "quarterly", "2026-Q4")
    harness.appraisals.publish(HR, cycle.id)
    events = []
    for n in range(3):
        payload = documents.StepCompleted(
            document_id="d",
            step_id=f"late-{n}",
            step_kind="circulation",
            completed_by="ops.bob",
            met_deadline=False,
        )
        envelope = make_envelope(
            "documents.step.completed", "documents", "d", payload, harness.clock.now()
        )
        events.append(ReceivedEvent.from_bytes(envelope.SerializeToString()))
    handler = harness.intake.handlers()["documents.step.completed"]
    with harness.uow() as uow:  # one transaction, as the batched consumer runs it
        for event in events:
            handler(uow, event)
        uow.commit()
    row = harness.appraisals.result(BOB, cycle.id, "ops.bob").row
    assert row.version == 2
    assert row.correction.count("document_step") == 3
    with harness.uow() as uow:
        handler(uow, events[0])
        uow.commit()
    assert harness.appraisals.result(BOB, cycle.id, "ops.bob").row.version == 2


def test_p02_the_weekly_digest_gives_each_department_its_delayed_share(harness: Harness) -> None:
    from secretariat.meetings.v1 import events_pb2 as meetings

    digest = meetings.ActionItemsWeeklyDigest(
        week_of="2026-11-02",
        departments=[
            meetings.DepartmentActionCounts(
                department_code="OPS", in_progress=18, delayed=2, completed=5, cross_department=3
            ),
            meetings.DepartmentActionCounts(department_code="FIN", in_progress=10, delayed=0),
        ],
    )
    event = harness.deliver("meetings.action_items.weekly_digest", digest)
    harness.deliver("meetings.action_items.weekly_digest", digest, event_id=event.id)
    _, ops = harness.appraisals.department_indicators(HR, "OPS", "2026-Q4")
    delayed = named(ops)["open_action_items_delayed"]
    assert delayed.value == 10.0
    assert delayed.target_met is False
    assert len(delayed.facts) == 1
    assert "逾期 2" in delayed.facts[0].detail
    _, fin = harness.appraisals.department_indicators(HR, "FIN", "2026-Q4")
    assert named(fin)["open_action_items_delayed"].value == 0.0
