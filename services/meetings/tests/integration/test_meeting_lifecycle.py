"""Holding a meeting and what follows it: check-in and room release, the speaking timer
(M-04), minutes and their SLAs (M-05), action items (M-06), the survey and the report
(M-07), against a real database and the timer scheduler."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from meetings.adapters.orm import platform, room_bookings, survey_answers
from meetings.domain.minutes import ActionStatus, MinutesState, SlaOutcome
from meetings.domain.model import Meeting, MeetingState
from meetings.service_layer.commands import (
    ActionItemInput,
    AgendaItemInput,
    AnswerSurvey,
    ListActionItems,
    SectionInput,
    SubmitMinutes,
    UpdateActionItem,
)
from meetings_testkit import (
    DIRECTOR,
    FIN_CLERK,
    HR_CLERK,
    HR_HEAD,
    HR_STAFF,
    OUTSIDER,
    Harness,
    local,
    person,
)
from secretariat.meetings.v1 import events_pb2
from secretariat_shared.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)

pytestmark = pytest.mark.integration


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def held(harness: Harness, **kw: Any) -> Meeting:
    """A meeting at 2026-03-12 09:00-10:00 in a room, recorder hr.staff, checked in."""
    room = harness.room()
    values: dict[str, Any] = {"room_id": room.id, "recorder": "hr.staff"}
    values.update(kw)
    meeting = harness.schedule(**values)
    harness.at(meeting.start_at)
    harness.uc.conduct.check_in(HR_CLERK, meeting.id)
    return meeting


def ended(harness: Harness, **kw: Any) -> Meeting:
    meeting = held(harness, **kw)
    harness.at(meeting.end_at)
    return meeting


def minutes_of(
    meeting: Meeting, due: date = date(2026, 3, 20), owner: str = "fin.clerk"
) -> SubmitMinutes:
    return SubmitMinutes(
        meeting_id=meeting.id,
        sections=[
            SectionInput(
                agenda_item_id=meeting.agenda[0].id,
                key_points=["一季度重点任务确定为制度修订和人才盘点"],
            ),
            SectionInput(key_points=["下次会议4月初召开"]),
        ],
        action_items=[
            ActionItemInput(title="提交预算调整方案", owner=owner, due_date=due.isoformat()),
        ],
    )


# -- check-in and the room (beyond the anchors) ------------------------------------------


def test_a_room_nobody_checked_into_15_minutes_after_the_start_is_released(
    harness: Harness,
) -> None:
    room = harness.room()
    meeting = harness.schedule(room_id=room.id)
    harness.at(local(2026, 3, 12, 9, 14))
    assert harness.events("meetings.room.released", events_pb2.RoomReleased) == []
    harness.at(local(2026, 3, 12, 9, 15))
    [released] = harness.events("meetings.room.released", events_pb2.RoomReleased)
    assert released.meeting.meeting_id == meeting.id
    assert harness.notified("meeting_room_released") == ["hr.clerk"]
    assert harness.uc.planner.get(HR_CLERK, meeting.id).room_released
    with harness.db.reading() as s:
        assert s.execute(select(room_bookings.c.state)).scalars().all() == ["released"]
    # Someone else may take the room for the rest of the hour.
    harness.schedule(
        FIN_CLERK,
        room_id=room.id,
        start_at=local(2026, 3, 12, 9, 30),
        duration_minutes=30,
        agenda=[],
        participants=[],
    )


def test_m04_check_in_opens_with_the_buffer_and_keeps_the_room(harness: Harness) -> None:
    room = harness.room()
    meeting = harness.schedule(room_id=room.id)
    harness.at(local(2026, 3, 12, 8, 44))
    with pytest.raises(PreconditionFailed):
        harness.uc.conduct.check_in(HR_STAFF, meeting.id)
    harness.at(local(2026, 3, 12, 8, 45))
    with pytest.raises(PermissionDenied):
        harness.uc.conduct.check_in(person("hr.other", "HR"), meeting.id)
    checked = harness.uc.conduct.check_in(HR_STAFF, meeting.id)
    assert checked.state is MeetingState.IN_PROGRESS
    harness.at(local(2026, 3, 12, 9, 30))
    assert harness.events("meetings.room.released", events_pb2.RoomReleased) == []
    with pytest.raises(PreconditionFailed):
        harness.uc.conduct.check_in(HR_STAFF, meeting.id)


# -- M-04 speaking timer -------------------------------------------------------------------


def test_m04_the_speaking_timer_flags_an_overrun_at_3_minutes_by_default(harness: Harness) -> None:
    meeting = held(harness)
    before = sample("secretariat_meetings_speaker_overruns_total")
    with pytest.raises(PermissionDenied):
        harness.uc.conduct.start_speaker(FIN_CLERK, meeting.id, "hr.head")
    turn = harness.uc.conduct.start_speaker(HR_STAFF, meeting.id, "hr.head", meeting.agenda[0].id)
    assert turn.limit_seconds == 180
    harness.advance(seconds=180)
    assert harness.events("meetings.speaker.overran", events_pb2.SpeakingTurnEvent) == []
    harness.advance(seconds=1)
    [overran] = harness.events("meetings.speaker.overran", events_pb2.SpeakingTurnEvent)
    assert (overran.speaker, overran.overrun) == ("hr.head", True)
    assert sample("secretariat_meetings_speaker_overruns_total") == before + 1
    # The next speaker's start stops the overrunning one.
    harness.advance(seconds=20)
    second = harness.uc.conduct.start_speaker(HR_CLERK, meeting.id, "fin.clerk", limit_seconds=300)
    harness.advance(seconds=200)
    stopped = harness.uc.conduct.stop_speaker(HR_CLERK, meeting.id)
    assert stopped.id == second.id
    assert not stopped.overrun
    turns = harness.uc.conduct.turns(HR_STAFF, meeting.id)
    assert [(t.speaker, t.overrun, t.elapsed_seconds(harness.clock.now())) for t in turns] == [
        ("hr.head", True, 201),
        ("fin.clerk", False, 200),
    ]
    assert sample("secretariat_meetings_speaker_overruns_total") == before + 1
    with pytest.raises(PreconditionFailed):
        harness.uc.conduct.stop_speaker(HR_CLERK, meeting.id)
    with pytest.raises(ValidationFailed):
        harness.uc.conduct.start_speaker(HR_CLERK, meeting.id, "leader.li")


def test_m04_the_speaking_timer_runs_only_during_the_meeting(harness: Harness) -> None:
    meeting = harness.schedule(video_link="https://meet.example/1")
    with pytest.raises(PreconditionFailed):
        harness.uc.conduct.start_speaker(HR_CLERK, meeting.id, "hr.head")


# -- M-05 minutes ----------------------------------------------------------------------------


def test_m05_a_draft_within_2_hours_of_the_end_meets_the_sla(harness: Harness) -> None:
    met = sample("secretariat_meetings_minutes_draft_total", outcome="met")
    meeting = held(harness)
    harness.at(local(2026, 3, 12, 9, 50))
    harness.uc.conduct.end(HR_CLERK, meeting.id)
    [ended_event] = harness.events("meetings.meeting.ended", events_pb2.MeetingEnded)
    assert ended_event.ended_by == "hr.clerk"
    assert ended_event.minutes_draft_due_at.ToDatetime().isoformat() == "2026-03-12T03:50:00"
    assert harness.notified("meeting_minutes_due") == ["hr.staff"]
    harness.at(local(2026, 3, 12, 11, 40))
    view = harness.uc.minutes.submit(HR_STAFF, minutes_of(meeting))
    assert view.minutes is not None
    assert view.minutes.state is MinutesState.SUBMITTED
    assert view.minutes.draft_outcome is SlaOutcome.MET
    [submitted] = harness.events("meetings.minutes.submitted", events_pb2.MinutesSubmitted)
    assert submitted.met_deadline
    assert submitted.hours_after_end == pytest.approx(1 + 5 / 6, abs=1e-3)
    assert harness.notified("meeting_minutes_review") == ["hr.clerk"]
    assert sample("secretariat_meetings_minutes_draft_total", outcome="met") == met + 1
    harness.at(local(2026, 3, 12, 14))
    assert harness.events("meetings.minutes.draft_overdue", events_pb2.MinutesDraftOverdue) == []


def test_m05_no_draft_2_hours_after_the_end_breaches_the_sla_and_warns(harness: Harness) -> None:
    breached = sample("secretariat_meetings_minutes_draft_total", outcome="breached")
    meeting = ended(harness)
    [ended_event] = harness.events("meetings.meeting.ended", events_pb2.MeetingEnded)
    assert ended_event.ended_by == "system"  # the duration limit was reached
    harness.at(local(2026, 3, 12, 11, 59))
    assert harness.events("meetings.minutes.draft_overdue", events_pb2.MinutesDraftOverdue) == []
    harness.at(local(2026, 3, 12, 12, 0))
    [overdue] = harness.events("meetings.minutes.draft_overdue", events_pb2.MinutesDraftOverdue)
    assert sorted(overdue.notified) == ["hr.clerk", "hr.staff"]
    assert harness.notified("meeting_minutes_draft_overdue") == ["hr.clerk", "hr.staff"]
    assert sample("secretariat_meetings_minutes_draft_total", outcome="breached") == breached + 1
    view = harness.uc.minutes.submit(HR_STAFF, minutes_of(meeting))
    assert view.minutes is not None
    assert view.minutes.draft_outcome is SlaOutcome.BREACHED
    assert sample("secretariat_meetings_minutes_draft_total", outcome="breached") == breached + 1


def test_m05_minutes_are_written_by_the_recorder_after_the_end_only(harness: Harness) -> None:
    meeting = held(harness)
    with pytest.raises(PreconditionFailed):
        harness.uc.minutes.submit(HR_STAFF, minutes_of(meeting))
    harness.at(meeting.end_at)
    with pytest.raises(PermissionDenied):
        harness.uc.minutes.submit(FIN_CLERK, minutes_of(meeting))
    bad = SubmitMinutes(
        meeting_id=meeting.id,
        sections=[SectionInput(key_points=["  "])],
        action_items=[
            ActionItemInput(title="x", owner="nobody.known", due_date="2026-03-20"),
            ActionItemInput(title="y", owner="fin.clerk", due_date="20-03-2026"),
            ActionItemInput(title="z", owner="fin.clerk", due_date="2026-03-01"),
        ],
    )
    with pytest.raises(ValidationFailed) as refused:
        harness.uc.minutes.submit(HR_STAFF, bad)
    assert {e.field for e in refused.value.errors} == {
        "sections[0].key_points",
        "action_items[0].owner",
        "action_items[1].due_date",
        "action_items[2].due_date",
    }
    view = harness.uc.minutes.get(HR_CLERK, meeting.id)
    assert view.minutes is not None
    assert view.minutes.state is MinutesState.AWAITING_DRAFT


def test_m05_the_host_approves_and_the_minutes_are_distributed(harness: Harness) -> None:
    distributed = sample("secretariat_meetings_minutes_distribution_total", outcome="met")
    meeting = ended(harness)
    with pytest.raises(PreconditionFailed):
        harness.uc.minutes.approve(HR_CLERK, meeting.id)
    harness.uc.minutes.submit(HR_STAFF, minutes_of(meeting))
    # Before approval only those who write and approve see the draft.
    assert harness.uc.minutes.get(FIN_CLERK, meeting.id).sections == []
    with pytest.raises(PermissionDenied):
        harness.uc.minutes.approve(HR_STAFF, meeting.id)
    harness.at(local(2026, 3, 12, 16))
    view = harness.uc.minutes.approve(HR_CLERK, meeting.id)
    assert view.minutes is not None
    assert view.minutes.state is MinutesState.APPROVED
    assert view.minutes.distribution_outcome is SlaOutcome.MET
    [event] = harness.events("meetings.minutes.distributed", events_pb2.MinutesDistributed)
    assert event.met_deadline
    assert event.action_items == 1
    assert harness.notified("meeting_minutes_distributed") == sorted(meeting.people())
    assert harness.notified("meeting_action_item_assigned") == ["fin.clerk"]
    assert (
        sample("secretariat_meetings_minutes_distribution_total", outcome="met") == distributed + 1
    )
    seen = harness.uc.minutes.get(FIN_CLERK, meeting.id)
    assert [s.key_points for s in seen.sections] == [
        ["一季度重点任务确定为制度修订和人才盘点"],
        ["下次会议4月初召开"],
    ]
    with pytest.raises(PreconditionFailed):
        harness.uc.minutes.approve(HR_CLERK, meeting.id)
    with pytest.raises(PreconditionFailed):
        harness.uc.minutes.submit(HR_STAFF, minutes_of(meeting))


def test_m05_distribution_is_due_24_working_hours_after_the_end(harness: Harness) -> None:
    """X-02: a meeting ending Friday 17:00 must be distributed by Monday 17:00."""
    breached = sample("secretariat_meetings_minutes_distribution_total", outcome="breached")
    meeting = ended(harness, start_at=local(2026, 3, 13, 16), duration_minutes=60, agenda=[])
    [ended_event] = harness.events("meetings.meeting.ended", events_pb2.MeetingEnded)
    due = ended_event.minutes_distribution_due_at.ToDatetime().isoformat()
    assert due == "2026-03-16T09:00:00"  # Monday 17:00 in Beijing
    harness.uc.minutes.submit(
        HR_STAFF, SubmitMinutes(meeting_id=meeting.id, sections=[SectionInput(["纪要要点"])])
    )
    harness.at(local(2026, 3, 16, 16, 59))
    assert (
        harness.events(
            "meetings.minutes.distribution_overdue", events_pb2.MinutesDistributionOverdue
        )
        == []
    )
    harness.at(local(2026, 3, 16, 17, 0))
    assert (
        len(
            harness.events(
                "meetings.minutes.distribution_overdue", events_pb2.MinutesDistributionOverdue
            )
        )
        == 1
    )
    assert harness.notified("meeting_minutes_distribution_overdue") == ["hr.clerk"]
    assert (
        sample("secretariat_meetings_minutes_distribution_total", outcome="breached")
        == breached + 1
    )
    view = harness.uc.minutes.approve(HR_CLERK, meeting.id)
    assert view.minutes is not None
    assert view.minutes.distribution_outcome is SlaOutcome.BREACHED


def test_m04_closed_door_minutes_are_read_only_by_their_attendees(harness: Harness) -> None:
    agenda = [
        AgendaItemInput(
            title="人事调整", presenter="hr.head", closed_door=True, minutes_allotted=20
        ),
        AgendaItemInput(title="公开议题", presenter="fin.clerk", minutes_allotted=20),
    ]
    meeting = ended(harness, agenda=agenda)
    closed, open_item = meeting.agenda
    harness.uc.minutes.submit(
        HR_STAFF,
        SubmitMinutes(
            meeting_id=meeting.id,
            sections=[
                SectionInput(agenda_item_id=closed.id, key_points=["拟调整两名科长岗位"]),
                SectionInput(agenda_item_id=open_item.id, key_points=["预算执行良好"]),
            ],
            action_items=[
                ActionItemInput("起草岗位调整方案", "hr.head", "2026-03-20", closed.id),
                ActionItemInput("更新预算台账", "fin.clerk", "2026-03-20", open_item.id),
            ],
        ),
    )
    harness.uc.minutes.approve(HR_CLERK, meeting.id)
    participant = harness.uc.minutes.get(FIN_CLERK, meeting.id)
    assert [s.title for s in participant.sections] == ["公开议题"]
    assert participant.withheld_sections == 1
    assert [a.title for a in participant.action_items] == ["更新预算台账"]
    attendee = harness.uc.minutes.get(HR_HEAD, meeting.id)
    assert [s.title for s in attendee.sections] == ["人事调整", "公开议题"]
    assert attendee.sections[0].closed_door
    [distribution_notice] = harness.notices("meeting_minutes_distributed")
    assert "拟调整" not in distribution_notice.body
    assert "预算执行良好" in distribution_notice.body
    listed, total = harness.uc.minutes.action_items(
        FIN_CLERK, ListActionItems(meeting_id=meeting.id)
    )
    assert [v.item.title for v in listed] == ["更新预算台账"]
    assert total == 1
    own, _ = harness.uc.minutes.action_items(HR_HEAD, ListActionItems())
    assert [v.item.title for v in own] == ["起草岗位调整方案"]


# -- M-06 tracking -------------------------------------------------------------------------


def test_m06_an_action_item_becomes_delayed_when_its_due_date_passes(harness: Harness) -> None:
    meeting = ended(harness)
    harness.uc.minutes.submit(HR_STAFF, minutes_of(meeting, due=date(2026, 3, 20)))
    harness.uc.minutes.approve(HR_CLERK, meeting.id)
    [view], _ = harness.uc.minutes.action_items(FIN_CLERK, ListActionItems())
    assert view.status is ActionStatus.IN_PROGRESS
    assert view.item.due_at == local(2026, 3, 21, 0)
    harness.clock.set(local(2026, 3, 20, 23, 59))
    assert harness.uc.minutes.action_items(FIN_CLERK, ListActionItems())[0][0].status is (
        ActionStatus.IN_PROGRESS
    )
    harness.clock.set(local(2026, 3, 21, 0, 0))
    [late], _ = harness.uc.minutes.action_items(FIN_CLERK, ListActionItems(status="delayed"))
    assert late.item.id == view.item.id
    with pytest.raises(ValidationFailed):
        harness.uc.minutes.update_action_item(FIN_CLERK, UpdateActionItem(view.item.id, "delayed"))
    with pytest.raises(PermissionDenied):
        harness.uc.minutes.update_action_item(HR_STAFF, UpdateActionItem(view.item.id, "completed"))
    with pytest.raises(NotFound):
        harness.uc.minutes.update_action_item(OUTSIDER, UpdateActionItem(view.item.id, "completed"))
    done = harness.uc.minutes.update_action_item(
        FIN_CLERK, UpdateActionItem(view.item.id, "completed", "方案已报送")
    )
    assert done.status is ActionStatus.COMPLETED
    assert done.item.progress_note == "方案已报送"
    updated = harness.events("meetings.action_item.updated", events_pb2.ActionItemUpdated)
    assert (updated[-1].status, updated[-1].completed_on_time) == ("completed", False)
    reopened = harness.uc.minutes.update_action_item(
        HR_CLERK, UpdateActionItem(view.item.id, "in_progress")
    )
    assert reopened.status is ActionStatus.DELAYED


def test_m06_the_weekly_digest_goes_out_every_monday(harness: Harness) -> None:
    meeting = ended(harness)
    harness.uc.minutes.submit(HR_STAFF, minutes_of(meeting, due=date(2026, 3, 13)))
    harness.uc.minutes.approve(HR_CLERK, meeting.id)
    harness.uc.minutes.ensure_weekly_digest()
    harness.uc.minutes.ensure_weekly_digest()
    harness.at(local(2026, 3, 16, 8, 59))
    assert (
        harness.events("meetings.action_items.weekly_digest", events_pb2.ActionItemsWeeklyDigest)
        == []
    )
    harness.at(local(2026, 3, 16, 9, 0))
    [digest] = harness.events(
        "meetings.action_items.weekly_digest", events_pb2.ActionItemsWeeklyDigest
    )
    assert digest.week_of == "2026-03-16"
    assert (digest.in_progress, digest.delayed, digest.completed) == (0, 1, 0)
    [fin] = digest.departments
    assert (fin.department_code, fin.delayed, fin.cross_department) == ("FIN", 1, 1)
    [notice] = harness.notices("meeting_action_items_digest")
    assert list(notice.recipients) == ["fin.clerk"]
    assert "1 项已延期" in notice.title
    harness.at(local(2026, 3, 23, 9, 0))
    assert (
        len(
            harness.events(
                "meetings.action_items.weekly_digest", events_pb2.ActionItemsWeeklyDigest
            )
        )
        == 2
    )


def test_m06_cross_department_items_are_listed_for_the_monthly_coordination_meeting(
    harness: Harness,
) -> None:
    meeting = ended(harness)
    harness.uc.minutes.submit(
        HR_STAFF,
        SubmitMinutes(
            meeting_id=meeting.id,
            sections=[SectionInput(["分工"])],
            action_items=[
                ActionItemInput("财务口径统一", "fin.clerk", "2026-04-10"),
                ActionItemInput("人事制度修订", "hr.staff", "2026-03-25"),
            ],
        ),
    )
    harness.uc.minutes.approve(HR_CLERK, meeting.id)
    march = harness.uc.minutes.coordination_items(HR_CLERK, "2026-03")
    assert [(v.item.title, v.item.owner_department) for v in march] == [("财务口径统一", "FIN")]
    assert march[0].item.cross_department
    assert harness.uc.minutes.coordination_items(HR_CLERK, "") == march
    with pytest.raises(ValidationFailed):
        harness.uc.minutes.coordination_items(HR_CLERK, "March")
    item_id = march[0].item.id
    harness.uc.minutes.update_action_item(FIN_CLERK, UpdateActionItem(item_id, "completed"))
    assert [v.item.id for v in harness.uc.minutes.coordination_items(HR_CLERK, "2026-03")] == [
        item_id
    ]
    assert harness.uc.minutes.coordination_items(HR_CLERK, "2026-05") == []


# -- M-07 effectiveness ----------------------------------------------------------------------


def test_m07_the_survey_opens_at_the_end_and_closes_3_days_later(harness: Harness) -> None:
    meeting = held(harness)
    with pytest.raises(PreconditionFailed):
        harness.uc.effectiveness.answer(HR_STAFF, AnswerSurvey(meeting.id, 90, 90, 90))
    harness.at(meeting.end_at)
    [opened] = harness.events("meetings.survey.opened", events_pb2.SurveyOpened)
    assert opened.closes_at.ToDatetime().isoformat() == "2026-03-15T02:00:00"
    assert set(harness.notified("meeting_survey_opened")) == set(meeting.people())
    with pytest.raises(ValidationFailed) as refused:
        harness.uc.effectiveness.answer(HR_STAFF, AnswerSurvey(meeting.id, 101, -1, 50))
    assert [e.field for e in refused.value.errors] == ["agenda", "materials"]
    results = harness.uc.effectiveness.answer(HR_STAFF, AnswerSurvey(meeting.id, 90, 80, 100, "好"))
    assert results.answered_by_me
    assert results.summary.satisfaction == 90.0
    with pytest.raises(Conflict):
        harness.uc.effectiveness.answer(HR_STAFF, AnswerSurvey(meeting.id, 10, 10, 10))
    with pytest.raises(PermissionDenied):
        harness.uc.effectiveness.answer(person("hr.other", "HR"), AnswerSurvey(meeting.id, 1, 1, 1))
    harness.uc.effectiveness.answer(FIN_CLERK, AnswerSurvey(meeting.id, 70, 70, 70))
    harness.at(local(2026, 3, 15, 9, 59))
    assert harness.uc.effectiveness.results(HR_CLERK, meeting.id).open
    harness.at(local(2026, 3, 15, 10, 0))
    [closed] = harness.events("meetings.survey.closed", events_pb2.SurveyClosed)
    assert (closed.responses, closed.satisfaction, closed.target_met) == (2, 80.0, False)
    assert closed.meeting.department_code == "HR"
    with pytest.raises(PreconditionFailed):
        harness.uc.effectiveness.answer(HR_HEAD, AnswerSurvey(meeting.id, 90, 90, 90))
    final = harness.uc.effectiveness.results(HR_CLERK, meeting.id)
    assert not final.open
    assert (final.summary.agenda, final.summary.materials, final.summary.logistics) == (
        80.0,
        75.0,
        85.0,
    )


def test_m07_the_survey_is_anonymous_no_name_is_stored_with_an_answer(harness: Harness) -> None:
    meeting = ended(harness)
    harness.uc.effectiveness.answer(HR_STAFF, AnswerSurvey(meeting.id, 90, 80, 100, "材料太多"))
    harness.uc.effectiveness.answer(FIN_CLERK, AnswerSurvey(meeting.id, 60, 70, 80, "议程清楚"))
    with harness.db.reading() as s:
        rows = [dict(r._mapping) for r in s.execute(select(survey_answers))]
        audit = s.execute(
            select(platform.audit_log.c.before, platform.audit_log.c.after).where(
                platform.audit_log.c.action == "answer_survey"
            )
        ).all()
    assert len(rows) == 2
    stored = " ".join(str(v) for row in rows for v in row.values())
    for username in ("hr.staff", "fin.clerk"):
        assert username not in stored
    assert set(rows[0]) == {
        "id",
        "meeting_id",
        "respondent_key",
        "agenda",
        "materials",
        "logistics",
        "comment",
    }  # no name, no time
    assert all(before is None and after is None for before, after in audit)
    [answered, _] = harness.events("meetings.survey.answered", events_pb2.SurveyAnswered)
    assert answered.satisfaction == 0  # the event does not tie a score to a moment
    # One answer per person still holds, through the keyed hash.
    with pytest.raises(Conflict):
        harness.uc.effectiveness.answer(HR_STAFF, AnswerSurvey(meeting.id, 1, 1, 1))
    assert harness.uc.effectiveness.results(HR_STAFF, meeting.id).answered_by_me
    assert not harness.uc.effectiveness.results(HR_HEAD, meeting.id).answered_by_me


def test_m07_the_organiser_reads_the_comments_without_names(harness: Harness) -> None:
    meeting = ended(harness)
    harness.uc.effectiveness.answer(HR_STAFF, AnswerSurvey(meeting.id, 90, 80, 100, "议程清楚"))
    harness.uc.effectiveness.answer(FIN_CLERK, AnswerSurvey(meeting.id, 60, 70, 80, "材料太多"))
    harness.uc.effectiveness.answer(HR_HEAD, AnswerSurvey(meeting.id, 80, 80, 80))
    organiser = harness.uc.effectiveness.results(HR_CLERK, meeting.id)
    assert organiser.comments == sorted(["议程清楚", "材料太多"])
    assert harness.uc.effectiveness.results(HR_STAFF, meeting.id).comments == []


def test_m07_the_survey_is_reachable_by_a_qr_code_for_the_meeting(harness: Harness) -> None:
    meeting = ended(harness)
    png, content_type = harness.uc.effectiveness.survey_qr(HR_STAFF, meeting.id)
    assert content_type == "image/png"
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    url = harness.uc.effectiveness.results(HR_STAFF, meeting.id).survey_url
    assert url == f"https://oa.example.cn/api/v1/meetings/{meeting.id}/survey"
    with pytest.raises(NotFound):
        harness.uc.effectiveness.survey_qr(person("it.nobody", "IT"), meeting.id)


def test_m07_the_totals_are_ready_within_24_hours_of_the_end(harness: Harness) -> None:
    met_before = sample("secretariat_meetings_survey_totals_total", outcome="met")
    meeting = ended(harness)
    harness.uc.effectiveness.answer(HR_STAFF, AnswerSurvey(meeting.id, 90, 80, 100))
    harness.uc.effectiveness.answer(FIN_CLERK, AnswerSurvey(meeting.id, 70, 70, 70))
    assert harness.uc.effectiveness.results(HR_CLERK, meeting.id).meeting.survey_totals_at is None
    harness.at(meeting.end_at + timedelta(hours=24))
    [ready] = harness.events("meetings.survey.totals_ready", events_pb2.SurveyTotalsReady)
    assert (ready.responses, ready.satisfaction, ready.on_time) == (2, 80.0, True)
    assert harness.notified("meeting_survey_totals") == ["hr.clerk"]
    totals_at = harness.uc.effectiveness.results(HR_CLERK, meeting.id).meeting.survey_totals_at
    assert totals_at is not None
    assert totals_at <= meeting.end_at + timedelta(hours=24)
    assert sample("secretariat_meetings_survey_totals_total", outcome="met") == met_before + 1
    harness.advance(days=1)
    assert len(harness.events("meetings.survey.totals_ready", events_pb2.SurveyTotalsReady)) == 1
    # The survey stays open after the totals; later answers still count.
    harness.uc.effectiveness.answer(HR_HEAD, AnswerSurvey(meeting.id, 100, 100, 100))
    assert harness.uc.effectiveness.results(HR_CLERK, meeting.id).summary.responses == 3


def test_m07_the_effectiveness_report_shows_satisfaction_and_achievement(harness: Harness) -> None:
    first = ended(harness, security_class="public")
    harness.uc.effectiveness.answer(HR_STAFF, AnswerSurvey(first.id, 90, 90, 90))
    harness.uc.effectiveness.answer(FIN_CLERK, AnswerSurvey(first.id, 80, 80, 80))
    harness.uc.minutes.submit(
        HR_STAFF,
        SubmitMinutes(
            meeting_id=first.id,
            sections=[SectionInput(["要点"])],
            action_items=[
                ActionItemInput("甲", "fin.clerk", "2026-03-13"),
                ActionItemInput("乙", "hr.staff", "2026-03-13"),
                ActionItemInput("丙", "hr.staff", "2026-04-30"),
            ],
        ),
    )
    harness.uc.minutes.approve(HR_CLERK, first.id)
    done = harness.uc.minutes.action_items(HR_STAFF, ListActionItems())[0][0]
    harness.uc.minutes.update_action_item(HR_STAFF, UpdateActionItem(done.item.id, "completed"))
    secret = harness.schedule(
        HR_HEAD,
        video_link="https://meet.example/s",
        security_class="secret",
        topic="机密议题",
        start_at=local(2026, 3, 18, 9),
        participants=[],
        agenda=[],
    )
    harness.at(local(2026, 3, 20, 9))
    with pytest.raises(PermissionDenied):
        harness.uc.effectiveness.report(HR_STAFF, local(2026, 3, 1, 0), local(2026, 4, 1, 0))
    with pytest.raises(ValidationFailed):
        harness.uc.effectiveness.report(DIRECTOR, local(2026, 4, 1, 0), local(2026, 3, 1, 0))
    report = harness.uc.effectiveness.report(DIRECTOR, local(2026, 3, 1, 0), local(2026, 4, 1, 0))
    assert [m.meeting_id for m in report.items] == [first.id, secret.id]
    row = report.items[0]
    assert (row.survey.responses, row.survey.satisfaction, row.survey.target_met) == (2, 85.0, True)
    assert (row.action_items, row.due_action_items, row.completed_due_action_items) == (3, 2, 1)
    assert row.achievement_rate == 0.5
    assert row.minutes_draft_outcome == "met"
    assert report.items[1].topic == ""  # the director is not named on the secret meeting
    assert report.average_satisfaction == 85.0
    assert report.meetings_meeting_target == 1
    content, content_type, filename = harness.uc.effectiveness.report_csv(
        DIRECTOR, local(2026, 3, 1, 0), local(2026, 4, 1, 0)
    )
    assert content_type.startswith("text/csv")
    assert filename == "meeting-effectiveness-2026-03-01-2026-04-01.csv"
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0]["meeting_id"] == first.id
    assert rows[0]["satisfaction"] == "85"
    assert rows[0]["achievement_rate"] == "0.5"
    assert rows[0]["topic"] == first.topic
    assert rows[-1]["meeting_id"] == "total"


def test_x04_every_state_change_of_a_meeting_is_audited(harness: Harness) -> None:
    meeting = ended(harness)
    harness.uc.minutes.submit(HR_STAFF, minutes_of(meeting))
    harness.uc.minutes.approve(HR_CLERK, meeting.id)
    actions = harness.audit_actions(meeting.id)
    for expected in ("schedule", "check_in", "end", "submit_minutes", "approve_minutes"):
        assert expected in actions


def test_m06_the_action_item_gauge_counts_delayed_items_at_scrape_time(harness: Harness) -> None:
    from meetings.adapters.collectors import MeetingsCollector

    def gauge() -> dict[tuple[str, ...], float]:
        families = {f.name: f for f in MeetingsCollector(harness.db, harness.clock).collect()}
        return {
            tuple(s.labels.values()): s.value
            for s in families["secretariat_meetings_action_items"].samples
        }

    meeting = ended(harness)
    harness.uc.minutes.submit(HR_STAFF, minutes_of(meeting, due=date(2026, 3, 20)))
    harness.uc.minutes.approve(HR_CLERK, meeting.id)
    assert gauge() == {("in_progress", "true"): 1}
    harness.clock.set(local(2026, 3, 21, 0, 0))
    assert gauge() == {("delayed", "true"): 1}


def test_x04_reading_a_secret_meeting_or_its_minutes_is_audited(harness: Harness) -> None:
    meeting = ended(harness, security_class="secret")
    harness.uc.minutes.get(HR_STAFF, meeting.id)
    harness.uc.planner.get(FIN_CLERK, meeting.id)
    assert harness.audit_actions(meeting.id).count("read_classified") == 2
    with pytest.raises(NotFound):
        harness.uc.minutes.get(OUTSIDER, meeting.id)


def test_x05_every_deadline_of_a_meeting_is_a_timer_that_fires_once(harness: Harness) -> None:
    from meetings.adapters.orm import platform

    fired_before = sample("secretariat_timers_fired_total", service="meetings", kind="meeting_end")
    ended(harness, important=True)
    harness.at(local(2026, 3, 12, 12, 30))
    harness.at(local(2026, 3, 16, 10))
    harness.at(local(2026, 3, 16, 11))  # a second pass fires nothing again
    timers = platform.timers
    with harness.db.reading() as s:
        rows = s.execute(select(timers.c.kind, timers.c.fired_at, timers.c.cancelled_at)).all()
    assert all(r.fired_at is not None or r.cancelled_at is not None for r in rows)
    kinds = {r.kind for r in rows if r.fired_at is not None}
    assert {
        "meeting_milestone_due",
        "meeting_elements_due",
        "meeting_end",
        "meeting_minutes_draft_due",
        "meeting_minutes_distribution_due",
        "meeting_survey_close",
        "meeting_survey_totals_due",
    } <= kinds
    types = harness.event_types()
    for event in (
        "meetings.milestone.overdue",
        "meetings.elements.incomplete",
        "meetings.meeting.ended",
        "meetings.minutes.draft_overdue",
        "meetings.minutes.distribution_overdue",
        "meetings.survey.closed",
        "meetings.survey.totals_ready",
    ):
        assert types.count(event) >= 1, event
    assert types.count("meetings.meeting.ended") == 1
    assert types.count("meetings.survey.closed") == 1
    assert (
        sample("secretariat_timers_fired_total", service="meetings", kind="meeting_end")
        == fired_before + 1
    )


def test_x06_every_notice_is_an_event_for_the_people_concerned(harness: Harness) -> None:
    meeting = harness.schedule(video_link="https://meet.example/1", start_at=local(2026, 3, 4, 9))
    harness.uc.planner.cancel(HR_CLERK, meeting.id, "改期")
    kinds = {n.kind: sorted(n.recipients) for n in harness.notices()}
    assert kinds == {
        "meeting_notice": ["fin.clerk", "hr.head", "hr.staff"],
        "meeting_preparation_warning": ["hr.clerk"],
        "meeting_cancelled": ["fin.clerk", "hr.head", "hr.staff"],
    }
    assert {n.subject_ref for n in harness.notices()} == {f"meetings/{meeting.id}"}
    assert all(n.title for n in harness.notices())
