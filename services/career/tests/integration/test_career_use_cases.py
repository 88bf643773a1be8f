"""The career use cases against a real database (SQLite by default), the
timer scheduler and the fake Directory and approval engine."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from career_testkit import HEAD, HR, LEAD, LEADER, NEWBIE, OUTSIDER, STAFF, Harness, make_harness
from sqlalchemy import select

from career.adapters.orm import platform
from career.domain.ladders import Criteria
from career.domain.succession import Successor
from secretariat.career.v1 import events_pb2 as career_events
from secretariat.directory.v1 import events_pb2 as directory_events
from secretariat_shared.calendar_sync import CALENDAR_UPDATED, year_to_proto
from secretariat_shared.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.holiday_schedule import LOADED, YearSchedule
from secretariat_shared.paging import page_of

pytestmark = pytest.mark.integration


def _lead_in_post(h: Harness, started_on: str = "2022-09-01") -> None:
    h.cases.promotions.put_post(
        HR, LEAD.username, "management", "specialist", "文件管理专员", started_on
    )


def test_c01_eligibility_turns_true_after_two_excellent_years_with_each_criterion(
    harness: Harness,
) -> None:
    h = harness
    _lead_in_post(h)
    before = h.cases.promotions.eligibility(LEAD, LEAD.username)
    assert before["target_rung"] == "supervisor"
    assert not before["eligible"]
    assert {c["key"]: c["held"] for c in before["criteria"]} == {
        "tenure_in_post": True,
        "annual_grade": False,
        "teamwork": False,
        "team_size": True,
    }
    h.grade(LEAD.username, 2024, "excellent", 93)
    h.grade(LEAD.username, 2025, "excellent", 95)
    after = h.cases.promotions.eligibility(HEAD, LEAD.username)
    assert after["eligible"]
    assert all(c["held"] for c in after["criteria"])
    assert after["promotion_priority"]
    assert "career.promotion.flagged" in h.event_types()
    assert (
        h.notices("promotion_priority")[0].recipients[:1] == [LEAD.username]
        or LEAD.username in h.notices("promotion_priority")[0].recipients
    )


def test_c01_team_size_comes_from_the_directory(harness: Harness) -> None:
    h = harness
    h.cases.promotions.put_post(HR, STAFF.username, "management", "specialist", "", "2020-01-01")
    h.grade(STAFF.username, 2025, "excellent", 99)
    result = h.cases.promotions.eligibility(HR, STAFF.username)
    team = next(c for c in result["criteria"] if c["key"] == "team_size")
    assert team["actual"] == "0 people"
    assert not team["held"]
    assert not result["eligible"]


def test_c01_edited_criteria_apply_to_eligibility(harness: Harness) -> None:
    h = harness
    _lead_in_post(h, "2025-03-01")
    h.grade(LEAD.username, 2025, "good", 85)
    assert not h.cases.promotions.eligibility(HR, LEAD.username)["eligible"]
    with pytest.raises(PermissionDenied):
        h.cases.promotions.put_rung(LEAD, "management", "supervisor", Criteria(1, "good", 80, 5))
    h.cases.promotions.put_rung(HR, "management", "supervisor", Criteria(1, "good", 80, 5))
    assert h.cases.promotions.eligibility(HR, LEAD.username)["eligible"]


def test_c01_exceptional_promotion_needs_reasons_and_goes_through_approval(
    harness: Harness,
) -> None:
    h = harness
    _lead_in_post(h, "2025-09-01")
    with pytest.raises(ValidationFailed):
        h.cases.promotions.propose(HEAD, LEAD.username, "supervisor", "太短")
    promotion = h.cases.promotions.propose(
        HEAD,
        LEAD.username,
        "supervisor",
        "主导年度重大会议筹备，跨部门协调成效突出，特申请破格提拔。",
    )
    assert promotion["state"] == "pending"
    assert not h.approvals.started
    h.run_timers()
    __, request = h.approvals.for_ref(f"promotion:{promotion['id']}")
    assert request.template == "general"
    assert request.requester_username == HEAD.username
    h.decide(f"promotion:{promotion['id']}")
    assert h.cases.promotions.get_promotion(HR, promotion["id"])["state"] == "approved"
    assert h.cases.promotions.eligibility(HR, LEAD.username)["current_rung"] == "supervisor"


def test_c01_approval_start_is_retried_when_the_engine_is_down(harness: Harness) -> None:
    h = harness
    _lead_in_post(h)
    h.approvals.unreachable = True
    promotion = h.cases.promotions.propose(HR, LEAD.username, "supervisor", "x" * 30)
    h.run_timers()
    assert h.cases.promotions.get_promotion(HR, promotion["id"])["approval_id"] == ""
    h.approvals.unreachable = False
    h.advance(minutes=10)
    assert h.cases.promotions.get_promotion(HR, promotion["id"])["approval_id"] == "approval-1"


def test_x03_eligibility_of_another_person_is_not_found(harness: Harness) -> None:
    _lead_in_post(harness)
    with pytest.raises(NotFound):
        harness.cases.promotions.eligibility(OUTSIDER, LEAD.username)
    with pytest.raises(NotFound):
        harness.cases.promotions.eligibility(STAFF, LEAD.username)


def _vacancy(h: Harness) -> str:
    return h.cases.transfers.create_vacancy(HR, "会议组织专员", "FIN", "2026-Q1", "")["id"]


def test_c02_ineligible_applicant_gets_the_failing_criteria_and_nothing_changes(
    harness: Harness,
) -> None:
    h = harness
    vacancy = _vacancy(h)
    h.cases.promotions.put_post(HR, STAFF.username, "professional", "junior", "", "2025-06-01")
    h.grade(STAFF.username, 2025, "pass")
    with pytest.raises(ValidationFailed) as refused:
        h.cases.transfers.apply(STAFF, vacancy, "想尝试会议组织")
    fields = {e.field for e in refused.value.errors}
    assert fields == {
        "eligibility.tenure_in_post",
        "eligibility.annual_grade",
        "eligibility.transfer_assessment",
    }
    listed, _ = h.cases.transfers.list_vacancies(False, page_of())
    assert listed[0]["applications"] == 0


def test_c02_eligible_application_goes_to_job_transfer_then_a_3_month_plan(
    harness: Harness,
) -> None:
    h = harness
    vacancy = _vacancy(h)
    h.cases.promotions.put_post(HR, STAFF.username, "professional", "junior", "", "2023-06-01")
    h.grade(STAFF.username, 2025, "good")
    h.cases.transfers.put_assessment(HR, STAFF.username, True, "2026-02-20")
    application = h.cases.transfers.apply(STAFF, vacancy, "想尝试会议组织")
    with pytest.raises(Conflict):
        h.cases.transfers.apply(STAFF, vacancy, "again")
    h.run_timers()
    _, request = h.approvals.for_ref(f"application:{application['id']}")
    assert request.template == "job_transfer"
    assert request.payload["to_department"] == "FIN"
    h.decide(f"application:{application['id']}")
    got = h.cases.transfers.get_application(STAFF, application["id"])
    assert got["state"] == "in_training"
    assert [c["due_on"] for c in got["check_ins"]] == [
        "2026-04-02",
        "2026-05-02",
        "2026-06-02",
    ]
    h.advance(days=32)
    assert h.notices("transfer_check_in_due")[0].recipients == ["fin.head", STAFF.username]
    for _ in range(3):
        got = h.cases.transfers.check_in(STAFF, application["id"], "回顾完成")
    assert got["state"] == "completed"


def test_c02_application_to_a_closed_vacancy_is_refused(harness: Harness) -> None:
    h = harness
    vacancy = _vacancy(h)
    h.cases.transfers.close_vacancy(HR, vacancy)
    with pytest.raises(PreconditionFailed):
        h.cases.transfers.apply(STAFF, vacancy, "")


def _vacancy_reminders(h: Harness) -> list[tuple[str, list[str]]]:
    return [(n.subject_ref, list(n.recipients)) for n in h.notices("vacancies_due")]


def test_c02_hr_is_reminded_each_quarter_on_its_first_working_day(harness: Harness) -> None:
    h = harness  # Monday 2026-03-02: Q1's reminder day (Sunday 4 January, a make-up day) is past
    h.cases.transfers.ensure_vacancy_reminder()
    h.cases.transfers.ensure_vacancy_reminder()  # a restart schedules nothing twice
    h.advance(days=29, hours=23)  # Wednesday 1 April 08:00 Beijing time
    assert _vacancy_reminders(h) == []
    h.advance(hours=1)
    assert _vacancy_reminders(h) == [("career/vacancies/2026-Q2", ["hr.officer"])]
    notice = h.notices("vacancies_due")[0]
    assert notice.title == "请发布2026年第2季度内部岗位空缺"
    h.advance(days=91)  # Wednesday 1 July: Q3
    assert [ref for ref, _ in _vacancy_reminders(h)] == [
        "career/vacancies/2026-Q2",
        "career/vacancies/2026-Q3",
    ]
    h.advance(days=92)  # 1 October is the National Day holiday: not yet
    assert len(_vacancy_reminders(h)) == 2
    h.advance(days=7)  # Thursday 8 October, the first working day after it
    assert [ref for ref, _ in _vacancy_reminders(h)][-1] == "career/vacancies/2026-Q4"
    fired = [
        event.payload_as(career_events.ReminderFired)
        for event_type, event in h.outbox()
        if event_type == "career.reminder.fired"
    ]
    assert [f.outcome for f in fired if f.kind == "career.vacancies.quarterly"] == [
        "reminded",
        "reminded",
        "reminded",
    ]


def test_c02_x02_the_vacancy_reminder_moves_when_the_new_holiday_year_arrives(
    database_url: str,
) -> None:
    h = make_harness(database_url, datetime(2026, 12, 15, 1, 0, tzinfo=UTC))
    try:
        h.cases.transfers.ensure_vacancy_reminder()  # 2027 has no holiday data yet

        def due() -> datetime:
            with h.db.reading() as session:
                at: datetime = session.execute(
                    select(platform.timers.c.due_at).where(
                        platform.timers.c.key == "vacancies:2027-Q1"
                    )
                ).scalar_one()
            return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)

        assert due() == datetime(2027, 1, 1, 1, 0, tzinfo=UTC)  # a Friday, by weekdays only
        schedule = YearSchedule(
            2027, holidays={date(2027, 1, 1): "元旦"}, workdays={}, source=LOADED
        )
        h.deliver(
            h.cases.transfers.on_calendar_updated,
            CALENDAR_UPDATED,
            directory_events.CalendarUpdated(year=year_to_proto(schedule)),
            source="gateway",
        )
        assert due() == datetime(2027, 1, 4, 1, 0, tzinfo=UTC)  # Monday, 09:00 Beijing
    finally:
        h.db.dispose()


def test_c02_no_reminder_when_the_quarters_vacancies_are_posted(harness: Harness) -> None:
    h = harness
    h.cases.transfers.ensure_vacancy_reminder()
    h.cases.transfers.create_vacancy(HR, "会务专员", "FIN", "2026-Q2", "")
    h.advance(days=31)
    assert _vacancy_reminders(h) == []
    fired = [
        event.payload_as(career_events.ReminderFired)
        for event_type, event in h.outbox()
        if event_type == "career.reminder.fired"
    ]
    assert [(f.subject_ref, f.outcome) for f in fired] == [("career/vacancies/2026-Q2", "met")]
    h.advance(days=91)  # the next quarter is still reminded
    assert [ref for ref, _ in _vacancy_reminders(h)] == ["career/vacancies/2026-Q3"]


def test_c03_x03_career_file_scored_reviewed_reminded_and_reads_audited(harness: Harness) -> None:
    h = harness
    answers = [3] * 40
    answers[0:5] = [6] * 5
    file = h.cases.files.put(
        STAFF, STAFF.username, ["会议策划"], ["公文写作"], ["三年内成为高级秘书"], answers
    )
    assert file["dominant_anchor"] == "TF"
    assert len(file["anchors"]) == 8
    assert file["next_review_due"] == "2026-09-01T16:00:00Z"
    assert h.cases.files.get(LEAD, STAFF.username)["skills"] == ["公文写作"]  # superior
    assert h.cases.files.get(HR, STAFF.username)["goals"]
    with pytest.raises(NotFound):
        h.cases.files.get(OUTSIDER, STAFF.username)
    with pytest.raises(NotFound):
        h.cases.files.get(NEWBIE, STAFF.username)  # a peer
    with h.db.reading() as session:
        readers = (
            session.execute(
                select(platform.audit_log.c.actor).where(
                    platform.audit_log.c.action == "read_career_file"
                )
            )
            .scalars()
            .all()
        )
    assert sorted(readers) == [HR.username, LEAD.username]
    h.advance(days=184)
    notice = h.notices("career_file_review_due")[0]
    assert notice.recipients == sorted([STAFF.username, "sec.lead"])


def test_c04_completion_emits_hours_for_performance_and_counts_mandatory(harness: Harness) -> None:
    h = harness
    course = h.cases.training.create_course(HR, "保密制度培训", "mandatory", 16, "保密证书")
    with pytest.raises(PermissionDenied):
        h.cases.training.complete(STAFF, course["id"], STAFF.username, 0, "")
    done = h.cases.training.complete(HR, course["id"], STAFF.username, 0, "")
    assert done["hours"] == 16
    assert done["certificate"] == "保密证书"
    with pytest.raises(Conflict):
        h.cases.training.complete(HR, course["id"], STAFF.username, 0, "")
    event = next(e for t, e in h.outbox() if t == "career.training.completed")
    payload = event.payload_as(career_events.TrainingCompleted)
    assert payload.hours == 16
    assert payload.mandatory
    assert payload.username == STAFF.username
    summary = h.cases.training.hours(STAFF, STAFF.username, 2026)
    assert summary["mandatory_hours"] == 16
    assert summary["certificates"] == ["保密证书"]


def test_c04_short_of_40_mandatory_hours_is_reminded(harness: Harness) -> None:
    h = harness
    course = h.cases.training.create_course(HR, "公文规范", "mandatory", 8, "")
    h.cases.training.enrol(STAFF, course["id"], "")
    h.clock.set(h.clock.now().replace(month=9, day=30, hour=17))
    h.run_timers()
    assert h.notices("mandatory_training_short")[0].recipients == [STAFF.username]


def test_c04_everyone_in_a_post_is_reminded_of_40_mandatory_hours_every_year(
    harness: Harness,
) -> None:
    h = harness  # STAFF never enrols in anything: the hours are still tracked
    h.cases.promotions.put_post(HR, STAFF.username, "professional", "junior", "", "2024-06-01")
    h.advance(days=213)  # 1 October 2026
    assert [n.recipients[0] for n in h.notices("mandatory_training_short")] == [STAFF.username]
    course = h.cases.training.create_course(HR, "保密制度培训", "mandatory", 40, "")
    h.cases.training.complete(HR, course["id"], STAFF.username, 0, "")
    h.advance(days=61)  # 1 December: 40 hours done, no reminder
    assert len(h.notices("mandatory_training_short")) == 1
    h.advance(days=304)  # 1 October 2027: a new year, 0 hours again
    reminded = h.notices("mandatory_training_short")
    assert len(reminded) == 2
    assert reminded[-1].title == "2027年必修培训学时不足"


def test_c05_short_week_reminds_mentor_and_mentee(harness: Harness) -> None:
    h = harness
    m = h.cases.mentoring.create(HR, LEAD.username, NEWBIE.username, "", "2026-03-02")
    assert m["ends_on"] == "2026-09-01"
    with pytest.raises(ValidationFailed):
        h.cases.mentoring.log_session(LEAD, m["id"], "2026-03-02", -1, "")
    with pytest.raises(NotFound):
        h.cases.mentoring.log_session(OUTSIDER, m["id"], "2026-03-02", 1, "")
    h.cases.mentoring.log_session(LEAD, m["id"], "2026-03-02", 1.5, "工作复盘")
    h.advance(days=6)
    assert not h.notices("mentoring_week_short")
    h.advance(days=1)
    short = h.notices("mentoring_week_short")
    assert len(short) == 1
    assert list(short[0].recipients) == sorted([LEAD.username, NEWBIE.username])
    h.cases.mentoring.log_session(NEWBIE, m["id"], "2026-03-09", 2, "技能答疑")
    h.advance(days=7)
    assert len(h.notices("mentoring_week_short")) == 1
    assert "career.reminder.fired" in h.event_types()
    got = h.cases.mentoring.get(NEWBIE, m["id"])
    assert [(w["week"], w["met"]) for w in got["weeks"][:2]] == [(1, False), (2, True)]


def test_c05_gold_mentor_titles_from_logs_and_feedback(harness: Harness) -> None:
    h = harness
    h.clock.set(h.clock.now().replace(month=7, day=1))
    m = h.cases.mentoring.create(HR, LEAD.username, NEWBIE.username, "", "2026-03-30")
    day = 6
    import datetime as dt

    start = dt.date(2026, 4, day)
    for week in range(13):
        h.cases.mentoring.log_session(
            LEAD, m["id"], (start + dt.timedelta(days=7 * week)).isoformat(), 2, ""
        )
    with pytest.raises(PermissionDenied):
        h.cases.mentoring.rate(LEAD, m["id"], 5)
    h.cases.mentoring.rate(NEWBIE, m["id"], 5)
    assert [g["mentor"] for g in h.cases.mentoring.gold("2026-Q2")] == [LEAD.username]
    h.run_timers()  # Q1 ended: no full week in it, no title; Q2 is scheduled
    h.run_timers()  # 1 July: Q2 ended, its titles are awarded
    assert [n.recipients[0] for n in h.notices("gold_mentor")] == [LEAD.username]
    awarded = [e for t, e in h.outbox() if t == "career.gold_mentor.awarded"]
    assert len(awarded) == 1


def test_c06_rotation_names_the_business_mentor_files_the_report_and_is_due_in_3_years(
    harness: Harness,
) -> None:
    h = harness
    rotation = h.cases.mentoring.start_rotation(
        HR, STAFF.username, "FIN", "预算助理", "掌握预算编制", "2026-03-02"
    )
    assert rotation["business_mentor"] == "fin.head"
    mentorship = h.cases.mentoring.get(HR, rotation["mentorship_id"])
    assert mentorship["kind"] == "business"
    assert mentorship["mentor"] == "fin.head"
    with pytest.raises(Conflict):
        h.cases.mentoring.start_rotation(HR, STAFF.username, "HR", "x", "y", "2027-01-01")
    h.cases.mentoring.file_report(STAFF, rotation["id"], "轮岗成长报告：掌握了预算编制")
    assert h.cases.files.get(STAFF, STAFF.username)["rotation_reports"][0]["to_department"] == "FIN"
    assert "career.rotation.completed" in h.event_types()
    h.clock.set(h.clock.now().replace(year=2029, month=3, day=2))
    h.run_timers()
    assert h.notices("rotation_due")[0].recipients == sorted([HR.username, STAFF.username])


def test_c07_talent_grid_names_only_whom_the_viewer_may_see(harness: Harness) -> None:
    h = harness
    h.grade(LEAD.username, 2026, "excellent")
    h.cases.talent.place(HR, 2026, LEAD.username, 3)
    h.cases.talent.place(HR, 2026, STAFF.username, 2)
    review = h.cases.talent.review(HR, 2026)
    lead = next(p for p in review["placements"] if p["username"] == LEAD.username)
    assert (lead["box"], lead["tier"]) == (3, "core")
    assert sum(b["count"] for b in review["boxes"]) == 2
    own = h.cases.talent.review(STAFF, 2026)
    assert [p["username"] for p in own["placements"]] == [STAFF.username]
    svg = h.cases.talent.grid(STAFF, 2026)
    assert "姓名sec.staff1" in svg
    assert "姓名sec.lead" not in svg
    assert "姓名sec.lead" in h.cases.talent.grid(HR, 2026)


def test_c08_successor_who_is_the_holder_is_refused_and_unready_post_flagged(
    harness: Harness,
) -> None:
    h = harness
    with pytest.raises(ValidationFailed):
        h.cases.talent.put_succession(
            HR, "SEC-HEAD", "秘书长", HEAD.username, [Successor(HEAD.username, "ready_now")]
        )
    with pytest.raises(NotFound):
        h.cases.talent.get_succession(HR, "SEC-HEAD")  # nothing was stored
    put = h.cases.talent.put_succession(
        HR,
        "SEC-HEAD",
        "秘书长",
        HEAD.username,
        [Successor(STAFF.username, "two_years"), Successor(LEAD.username, "one_year")],
    )
    assert [s["username"] for s in put["successors"]] == [LEAD.username, STAFF.username]
    assert not put["flagged"]
    h.cases.talent.put_succession(
        HR, "FIN-HEAD", "财务部经理", "fin.head", [Successor(STAFF.username, "two_years")]
    )
    flagged, total = h.cases.talent.list_successions(LEADER, True, page_of())
    assert total == 1
    assert flagged[0]["post"] == "FIN-HEAD"
    with pytest.raises(NotFound):
        h.cases.talent.get_succession(OUTSIDER, "SEC-HEAD")
    h.cases.talent.file_growth_plan(LEAD, "SEC-HEAD", "2026-Q1", "学习统筹管理")
    h.clock.set(h.clock.now().replace(month=3, day=17, hour=17))
    h.run_timers()
    reminded = {n.recipients[0] for n in h.notices("growth_plan_due")}
    assert reminded == {STAFF.username}


def test_c08_dashboard_counts_key_posts_without_a_ready_successor(harness: Harness) -> None:
    h = harness
    h.cases.talent.put_succession(
        HR, "A", "", HEAD.username, [Successor(LEAD.username, "ready_now")]
    )
    h.cases.talent.put_succession(HR, "B", "", "fin.head", [Successor(STAFF.username, "two_years")])
    h.cases.talent.put_succession(HR, "C", "", "hr.head", [])
    assert h.cases.talent.unready_count() == 2


def test_p10_a_corrected_grade_withdraws_the_priority_flag(harness: Harness) -> None:
    h = harness
    h.grade(LEAD.username, 2024, "excellent", 93)
    h.grade(LEAD.username, 2025, "excellent", 95)
    assert h.cases.promotions.priority(LEAD.username)
    h.grade(LEAD.username, 2025, "good", 95)  # an upheld appeal's correction republished
    assert not h.cases.promotions.priority(LEAD.username)
