"""The performance use cases on a real database with a fake Directory and
approval engine: one test per SPEC rule (P-01..P-10, X-03, X-05)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from performance_testkit import ALICE, BOB, CAROL, DAN, DISCIPLINE, HEAD, HR, OUTSIDER, Harness
from sqlalchemy import func, select

from performance.adapters import orm
from performance.domain.grading import Rules
from secretariat.career.v1 import events_pb2 as career_events
from secretariat.documents.v1 import events_pb2 as documents
from secretariat.infohub.v1 import events_pb2 as infohub_events
from secretariat.meetings.v1 import events_pb2 as meetings
from secretariat.performance.v1 import events_pb2 as ev
from secretariat_shared.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.events import ReceivedEvent, make_envelope

pytestmark = pytest.mark.integration


def count(h: Harness, table: object) -> int:
    with h.db.reading() as s:
        return int(s.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def quarter_with_ratings(h: Harness) -> str:
    cycle = h.appraisals.create_cycle(HR, "quarterly", "2026-Q4")
    h.appraisals.submit_rating(HEAD, cycle.id, "ops.alice", "superior", 90, "稳定可靠")
    for rater in (BOB, CAROL, DAN):
        h.appraisals.submit_rating(rater, cycle.id, "ops.alice", "peer", 80, "")
    return str(cycle.id)


def test_p02_facts_keep_their_source_event_and_a_duplicate_changes_nothing(
    harness: Harness,
) -> None:
    event = harness.step_completed("ops.alice", True, event_id="evt-1")
    harness.step_completed("ops.alice", True, event_id="evt-1")
    _period, dept, indicators = harness.appraisals.indicators(ALICE, "ops.alice", "2026-Q4")
    timeliness = next(i for i in indicators if i.name == "document_timeliness")
    assert dept == "OPS"
    assert timeliness.value == 100.0
    assert [f.source_event_id for f in timeliness.facts] == [event.id]
    assert count(harness, orm.facts) == 1


def test_p02_department_indicators_include_preparation_warnings_x07(harness: Harness) -> None:
    harness.deliver(
        "meetings.meeting.preparation_warning",
        meetings.PreparationWarning(
            meeting=meetings.MeetingRef(
                meeting_id="m", topic="t", organiser="ops.bob", department_code="OPS"
            ),
            reason="short_notice",
            lead_time_hours=30,
        ),
    )
    _, indicators = harness.appraisals.department_indicators(HEAD, "OPS", "2026-11")
    warnings = next(i for i in indicators if i.name == "warnings")
    assert warnings.value == 1.0
    assert warnings.facts[0].source_event_type == "meetings.meeting.preparation_warning"
    with pytest.raises(NotFound):
        harness.appraisals.department_indicators(OUTSIDER, "OPS", "2026-11")


def test_p05_bad_ratings_are_refused_and_change_nothing(harness: Harness) -> None:
    cycle = harness.appraisals.create_cycle(HR, "quarterly", "2026-Q4")
    with pytest.raises(ValidationFailed):
        harness.appraisals.submit_rating(BOB, cycle.id, "ops.alice", "peer", 101, "")
    with pytest.raises(ValidationFailed):
        harness.appraisals.submit_rating(ALICE, cycle.id, "ops.alice", "peer", 80, "")
    with pytest.raises(PermissionDenied):
        harness.appraisals.submit_rating(BOB, cycle.id, "ops.alice", "superior", 80, "")
    harness.appraisals.submit_rating(BOB, cycle.id, "ops.alice", "peer", 80, "")
    with pytest.raises(Conflict):
        harness.appraisals.submit_rating(BOB, cycle.id, "ops.alice", "peer", 70, "")
    assert count(harness, orm.ratings) == 1


def test_p05_result_shows_the_renormalised_formula_and_folds_small_groups(harness: Harness) -> None:
    harness.step_completed("ops.alice", True)
    cycle_id = quarter_with_ratings(harness)
    harness.appraisals.publish(HR, cycle_id)
    view = harness.appraisals.result(ALICE, cycle_id, "ops.alice")
    explanation = view.row.explanation
    assert "renormalised: no ratings from recipient" in explanation["rating_formula"]
    groups = {g["group"]: g for g in explanation["groups"]}
    assert groups["superior"]["weight"] == 0.625
    assert groups["peer"]["mean"] == 80.0
    assert groups["recipient"]["weight"] == 0.0
    # 360 = 0.625×90 + 0.375×80 = 86.25; score = 0.4×100 + 0.6×86.25 = 91.75
    assert view.row.score == 91.75
    assert (
        explanation["formula"]
        == "score = 0.40 × quantitative 100.00 + 0.60 × rating_360 86.25 = 91.75"
    )
    assert [f.kind for f in view.facts] == ["document_step"]


def test_p07_publishing_twice_is_refused(harness: Harness) -> None:
    cycle_id = quarter_with_ratings(harness)
    harness.appraisals.publish(HR, cycle_id)
    with pytest.raises(Conflict):
        harness.appraisals.publish(HR, cycle_id)
    with pytest.raises(PreconditionFailed):
        harness.appraisals.submit_rating(HEAD, cycle_id, "ops.bob", "superior", 70, "")


def test_x03_results_are_read_only_by_the_person_superiors_hr_and_committee(
    harness: Harness,
) -> None:
    cycle_id = quarter_with_ratings(harness)
    harness.appraisals.publish(HR, cycle_id)
    for reader in (ALICE, HEAD, HR):
        assert harness.appraisals.result(reader, cycle_id, "ops.alice").row.username == "ops.alice"
    for stranger in (BOB, OUTSIDER):
        with pytest.raises(NotFound):
            harness.appraisals.result(stranger, cycle_id, "ops.alice")
        with pytest.raises(NotFound):
            harness.appraisals.indicators(stranger, "ops.alice", "2026-Q4")


def test_p06_a_monthly_bulletin_not_published_by_the_5th_is_an_sla_breach(harness: Harness) -> None:
    cycle = harness.appraisals.create_cycle(HR, "monthly", "2026-11")
    # 5 December 2026 is a Saturday: due by the end of Friday the 4th.
    assert harness.ctx.local(cycle.publication_due_at) == "2026-12-05 00:00"
    harness.set(datetime(2026, 12, 4, 17, 0, tzinfo=UTC))
    assert "performance.cycle.publication_overdue" in harness.event_types()
    harness.step_completed("ops.alice", True)
    published = harness.appraisals.publish(HR, cycle.id)
    assert published.publication_met == 0


def test_p03_a_recorded_leak_vetoes_the_appraisal_naming_the_record(harness: Harness) -> None:
    cycle_id = quarter_with_ratings(harness)
    fact = harness.appraisals.record_leak(
        DISCIPLINE, "ops.alice", harness.clock.now(), "纪检〔2026〕7号"
    )
    with pytest.raises(PermissionDenied):
        harness.appraisals.record_leak(HR, "ops.alice", harness.clock.now(), "x")
    harness.appraisals.publish(HR, cycle_id)
    row = harness.appraisals.result(HR, cycle_id, "ops.alice").row
    assert row.grade == "needs_improvement"
    assert row.veto_record == fact.source_event_id
    assert (
        f"vetoed by confidentiality leak record {fact.source_event_id}"
        in row.explanation["formula"]
    )


def test_p07_needs_improvement_opens_a_plan_with_weekly_check_ins_and_escalation(
    harness: Harness,
) -> None:
    harness.step_completed("ops.bob", False)
    cycle = harness.appraisals.create_cycle(HR, "quarterly", "2026-Q4")
    harness.appraisals.publish(HR, cycle.id)
    row = harness.appraisals.result(HR, cycle.id, "ops.bob").row
    assert row.grade == "needs_improvement"
    assert row.improvement_plan_id
    plan_id = row.improvement_plan_id
    harness.followups.check_in(BOB, plan_id, "完成两份公文的按时办理")
    harness.advance(days=7)
    assert harness.followups.plan(BOB, plan_id).missed_check_ins == 0
    harness.advance(days=7)
    harness.advance(days=7)
    plan = harness.followups.plan(HEAD, plan_id)
    assert plan.missed_check_ins == 2
    assert "performance.improvement_plan.escalated" in harness.event_types()
    assert any(
        "ops.head" in n.recipients for n in harness.notices("performance_check_in_escalated")
    )


def test_p07_two_failing_quarters_open_a_job_adjustment_case(harness: Harness) -> None:
    harness.set(datetime(2026, 8, 3, 2, 0, tzinfo=UTC))
    harness.step_completed("ops.bob", False)
    q3 = harness.appraisals.create_cycle(HR, "quarterly", "2026-Q3")
    harness.appraisals.publish(HR, q3.id)
    harness.set(datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    harness.step_completed("ops.bob", False)
    q4 = harness.appraisals.create_cycle(HR, "quarterly", "2026-Q4")
    harness.appraisals.publish(HR, q4.id)
    opened = [e for t, e in harness.outbox() if t == "performance.job_adjustment.opened"]
    assert len(opened) == 1
    assert list(opened[0].payload_as(ev.JobAdjustmentOpened).periods) == ["2026-Q3", "2026-Q4"]  # type: ignore[attr-defined]


def test_p07_c01_two_excellent_years_flag_promotion_priority(harness: Harness) -> None:
    for year in (2025, 2026):
        harness.set(datetime(year, 11, 2, 2, 0, tzinfo=UTC))
        harness.step_completed("ops.alice", True)
        cycle = harness.appraisals.create_cycle(HR, "annual", str(year))
        harness.appraisals.publish(HR, cycle.id)
        assert harness.appraisals.result(HR, cycle.id, "ops.alice").row.bonus_priority == 1
    flagged = [e for t, e in harness.outbox() if t == "performance.promotion_priority.flagged"]
    assert len(flagged) == 1
    assert list(flagged[0].payload_as(career_events.PromotionPriorityFlagged).years) == [2025, 2026]  # type: ignore[attr-defined]
    grades = [e for t, e in harness.outbox() if t == "performance.annual_grade.published"]
    assert [g.payload_as(career_events.AnnualGradePublished).year for g in grades] == [2025, 2026]  # type: ignore[attr-defined]


def test_p08_an_interview_not_recorded_within_5_working_days_is_overdue(harness: Harness) -> None:
    cycle_id = quarter_with_ratings(harness)
    harness.appraisals.publish(HR, cycle_id)
    row = harness.appraisals.result(HR, cycle_id, "ops.alice").row
    with pytest.raises(NotFound):
        harness.followups.record_interview(
            BOB, row.id, {"facts": "a", "gap": "b", "guidance": "c", "development_plan": "d"}
        )
    harness.advance(days=8)
    assert "performance.interview.overdue" in harness.event_types()
    interview = harness.followups.record_interview(
        HEAD,
        row.id,
        {
            "facts": "公文按时率 100%",
            "gap": "会议组织",
            "guidance": "提前筹备",
            "development_plan": "下季度主持两次例会",
        },
    )
    assert interview.met_deadline == 0


def test_p09_monthly_titles_go_to_the_best_indicator_with_the_facts(harness: Harness) -> None:
    harness.survey_closed("ops.alice", 92)
    harness.survey_closed("ops.bob", 88)
    for _ in range(3):
        harness.step_completed("ops.bob", True)
    cycle = harness.appraisals.create_cycle(HR, "monthly", "2026-11")
    harness.appraisals.publish(HR, cycle.id)
    assert harness.appraisals.result(HR, cycle.id, "ops.alice").row.titles == ["服务之星"]
    assert harness.appraisals.result(HR, cycle.id, "ops.bob").row.titles == ["效率之星"]


def test_p02_a_late_fact_recomputes_the_published_result(harness: Harness) -> None:
    harness.step_completed("ops.alice", True)
    cycle_id = quarter_with_ratings(harness)
    harness.appraisals.publish(HR, cycle_id)
    harness.step_completed("ops.alice", False)
    row = harness.appraisals.result(ALICE, cycle_id, "ops.alice").row
    assert row.version == 2
    assert row.score == pytest.approx(0.4 * 50 + 0.6 * 86.25)
    assert "performance.result.corrected" in harness.event_types()


def test_p10_appeal_within_3_working_days_the_4th_refused_naming_the_deadline(
    harness: Harness,
) -> None:
    # Published Monday 2 November 10:00: the deadline is the end of Thursday 5 November.
    harness.step_completed("ops.alice", True)
    harness.step_completed("ops.bob", True)
    cycle_id = quarter_with_ratings(harness)
    harness.appraisals.publish(HR, cycle_id)
    alice = harness.appraisals.result(ALICE, cycle_id, "ops.alice").row
    bob = harness.appraisals.result(BOB, cycle_id, "ops.bob").row
    harness.set(datetime(2026, 11, 5, 8, 0, tzinfo=UTC))
    with pytest.raises(NotFound):
        harness.appeals.file(BOB, alice.id, "not mine", [])
    appeal = harness.appeals.file(ALICE, alice.id, "评分有误", [])
    assert appeal.state == "filed"
    with pytest.raises(Conflict):
        harness.appeals.file(ALICE, alice.id, "again", [])
    harness.set(datetime(2026, 11, 6, 2, 0, tzinfo=UTC))
    with pytest.raises(PreconditionFailed) as refused:
        harness.appeals.file(BOB, bob.id, "too late", [])
    assert "2026-11-06 00:00" in str(refused.value)
    assert count(harness, orm.appeals) == 1
    # The approval starts after the commit, from a timer.
    assert harness.approvals.started[0][1].template == "appraisal_appeal"
    assert harness.approvals.started[0][1].source_ref == f"appeal:{appeal.id}"


def test_p10_an_upheld_appeal_strikes_the_disputed_fact_recomputes_and_republishes(
    harness: Harness,
) -> None:
    harness.step_completed("ops.bob", True)
    late = harness.step_completed("ops.bob", False)
    cycle = harness.appraisals.create_cycle(HR, "quarterly", "2026-Q4")
    harness.appraisals.publish(HR, cycle.id)
    row = harness.appraisals.result(BOB, cycle.id, "ops.bob").row
    assert row.grade == "needs_improvement"
    disputed = next(
        f.id
        for f in harness.appraisals.result(BOB, cycle.id, "ops.bob").facts
        if f.source_event_id == late.id
    )
    appeal = harness.appeals.file(BOB, row.id, "该步骤超时系系统故障", [disputed])
    harness.advance(seconds=2)
    harness.decide(appeal.id, "approved")
    decided = harness.appeals.get(BOB, appeal.id)
    assert decided.state == "upheld"
    assert "依据" in decided.decision
    corrected = harness.appraisals.result(BOB, cycle.id, "ops.bob")
    assert corrected.row.grade == "excellent"
    assert corrected.row.previous_grade == "needs_improvement"
    assert corrected.row.version == 2
    assert next(f for f in corrected.facts if f.id == disputed).struck_by_appeal == appeal.id
    stats = harness.appeals.statistics("2026-Q4")
    assert stats["filed"] == 1
    assert stats["upheld"] == 1


def test_p10_second_appeal_after_a_rejection_goes_to_the_committee_and_is_final(
    harness: Harness,
) -> None:
    harness.step_completed("ops.bob", False)
    cycle = harness.appraisals.create_cycle(HR, "quarterly", "2026-Q4")
    harness.appraisals.publish(HR, cycle.id)
    row = harness.appraisals.result(BOB, cycle.id, "ops.bob").row
    first = harness.appeals.file(BOB, row.id, "第一次", [])
    harness.advance(seconds=2)
    harness.decide(first.id, "rejected")
    second = harness.appeals.file(BOB, row.id, "第二次", [])
    harness.advance(seconds=2)
    assert second.second == 1
    assert harness.approvals.started[1][1].payload["second_appeal"] is True
    harness.decide(second.id, "rejected")
    with pytest.raises(Conflict):
        harness.appeals.file(BOB, row.id, "第三次", [])


def test_p07_rules_set_by_the_organisation_apply_to_the_next_publication(harness: Harness) -> None:
    with pytest.raises(PermissionDenied):
        harness.appraisals.set_rules(ALICE, Rules())
    harness.appraisals.set_rules(
        HR,
        Rules(
            excellent_from=99, good_from=95, pass_from=90, excellent_share=0.2, rating_weight=0.6
        ),
    )
    harness.step_completed("ops.alice", True)
    cycle_id = quarter_with_ratings(harness)
    harness.appraisals.publish(HR, cycle_id)
    assert harness.appraisals.result(HR, cycle_id, "ops.alice").row.grade == "pass"


def test_p10_hr_opens_the_review_within_2_working_days_or_it_is_a_breach(
    harness: Harness,
) -> None:
    harness.step_completed("ops.bob", False)
    cycle = harness.appraisals.create_cycle(HR, "quarterly", "2026-Q4")
    harness.appraisals.publish(HR, cycle.id)
    row = harness.appraisals.result(BOB, cycle.id, "ops.bob").row
    first = harness.appeals.file(BOB, row.id, "第一次", [])
    harness.advance(seconds=2)
    approval_id = harness.approvals.started[0][0]
    approved = documents.ApprovalStepApproved(
        approval=documents.ApprovalRef(
            approval_id=approval_id,
            template="appraisal_appeal",
            source_service="performance",
            source_ref=f"appeal:{first.id}",
        ),
        approver="hr.officer",
        met_deadline=True,
    )
    envelope = make_envelope(
        "documents.approval.approved", "documents", "a", approved, harness.clock.now()
    )
    with harness.uow() as uow:
        harness.appeals.on_approval_step_approved(
            uow, ReceivedEvent.from_bytes(envelope.SerializeToString())
        )
        uow.commit()
    assert harness.appeals.get(BOB, first.id).review_opened_at is not None
    harness.advance(days=4)
    assert "performance.appeal.review_overdue" not in harness.event_types()

    harness.decide(first.id, "rejected")
    second = harness.appeals.file(BOB, row.id, "第二次", [])
    harness.advance(days=6)
    assert harness.appeals.get(BOB, second.id).review_opened_at is None
    assert "performance.appeal.review_overdue" in harness.event_types()
    assert harness.notices("performance_appeal_review_overdue")[0].recipients == ["hr.officer"]


def test_p01_the_rating_window_closes_on_its_timer_and_later_ratings_are_refused(
    harness: Harness,
) -> None:
    cycle = harness.appraisals.create_cycle(HR, "monthly", "2026-11")
    # The bulletin is due Friday 4 December: ratings close at its start.
    assert harness.ctx.local(cycle.ratings_close_at) == "2026-12-04 00:00"
    harness.appraisals.submit_rating(HEAD, cycle.id, "ops.alice", "superior", 90, "")
    harness.set(datetime(2026, 12, 3, 16, 30, tzinfo=UTC))
    assert harness.notices("performance_ratings_closed")[0].recipients == ["hr.officer"]
    with pytest.raises(PreconditionFailed) as refused:
        harness.appraisals.submit_rating(BOB, cycle.id, "ops.alice", "peer", 80, "")
    assert "closed at 2026-12-04 00:00" in str(refused.value)


def test_p04_training_hours_and_certificates_come_from_career_events(harness: Harness) -> None:
    for hours, certificate in ((6.0, ""), (3.5, "公文写作证书")):
        harness.deliver(
            "career.training.completed",
            career_events.TrainingCompleted(
                completion_id=f"c-{hours}",
                username="ops.alice",
                course_title="公文写作",
                course_kind="mandatory",
                hours=hours,
                certificate=certificate,
                completed_on="2026-11-02",
            ),
        )
    _, _, indicators = harness.appraisals.indicators(ALICE, "ops.alice", "2026-Q4")
    named = {i.name: i for i in indicators}
    assert named["training_hours"].value == 9.5
    assert named["training_hours"].target_met
    assert named["certificates"].value == 1.0
    assert named["training_hours"].facts[0].source_event_type == "career.training.completed"


def test_p09_three_adopted_suggestions_in_a_quarter_earn_the_innovation_bonus(
    harness: Harness,
) -> None:
    for n in range(3):
        harness.deliver(
            "infohub.suggestion.adopted",
            infohub_events.SuggestionAdopted(
                item_id=f"s{n}", submitter="ops.alice", department_code="OPS", title=f"建议{n}"
            ),
        )
    harness.deliver(
        "infohub.suggestion.adopted",
        infohub_events.SuggestionAdopted(item_id="anon", submitter="", title="匿名"),
    )
    cycle_id = quarter_with_ratings(harness)
    harness.appraisals.publish(HR, cycle_id)
    row = harness.appraisals.result(ALICE, cycle_id, "ops.alice").row
    assert row.innovation_bonus == 1
    _, _, indicators = harness.appraisals.indicators(ALICE, "ops.alice", "2026-Q4")
    adopted = next(i for i in indicators if i.name == "adopted_suggestions")
    assert adopted.value == 3.0
    assert adopted.target_met is True
