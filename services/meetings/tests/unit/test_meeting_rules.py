"""Domain rules of the meetings service, one test per SPEC rule at least."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meetings.domain.checklist import (
    CHECKLIST,
    elements_form,
    form_complete,
    generate_checklist,
    is_short_notice,
    refresh_checklist,
    working_days_before,
)
from meetings.domain.effectiveness import (
    SATISFACTION_TARGET,
    SURVEY_OPEN_FOR,
    SurveyResponse,
    anonymous_comments,
    respondent_key,
    score_problems,
    summarise,
    survey_open,
)
from meetings.domain.minutes import (
    ActionItem,
    ActionItemDraft,
    ActionStatus,
    Minutes,
    MinutesSection,
    SlaOutcome,
    achievement_rate,
    due_instant,
    for_coordination,
)
from meetings.domain.model import (
    AgendaItem,
    Meeting,
    MeetingType,
    MilestoneState,
    SecurityClass,
    Viewer,
    can_read_item_minutes,
    can_see,
    occupancy,
    overlaps,
)
from meetings.domain.speaking import SpeakingTurn
from secretariat_shared.calendar import BusinessCalendar

pytestmark = pytest.mark.unit

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
START = datetime(2026, 3, 12, 1, 0, tzinfo=UTC)  # 09:00 Beijing, a Thursday
CALENDAR = BusinessCalendar()


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A Beijing wall-clock time in 2026, in UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def ids() -> Any:
    counter = itertools.count(1)
    return lambda: f"m{next(counter)}"


def meeting(**kw: Any) -> Meeting:
    values: dict[str, Any] = {
        "id": "meeting-1",
        "topic": "季度工作会",
        "goals": "",
        "type": MeetingType.DECISION,
        "security_class": SecurityClass.INTERNAL,
        "department_code": "HR",
        "organiser": "hr.clerk",
        "start_at": START,
        "duration_minutes": 60,
        "room_id": "room-1",
        "video_link": "",
        "important": False,
        "participants": ["hr.staff", "fin.clerk"],
        "host": "hr.head",
        "recorder": "hr.staff",
    }
    values.update(kw)
    return Meeting(**values)


# -- M-01 ---------------------------------------------------------------------------------


def test_m01_a_booking_holds_the_room_from_15_minutes_before_the_start() -> None:
    start = START
    held_from, held_to = occupancy(start, start + timedelta(hours=1))
    assert held_from == start - timedelta(minutes=15)
    assert held_to == start + timedelta(hours=1)


@given(
    gap=st.integers(min_value=-120, max_value=120),
    first=st.integers(min_value=1, max_value=240),
    second=st.integers(min_value=1, max_value=240),
)
def test_m01_back_to_back_meetings_clash_unless_the_buffer_fits_between(
    gap: int, first: int, second: int
) -> None:
    """The second meeting starts ``gap`` minutes after the first ends (negative: before).
    They clash unless the second starts at least 15 minutes after the first ends or ends
    at least 15 minutes before the first starts: each keeps its own buffer free."""
    a_start = START
    a_end = a_start + timedelta(minutes=first)
    b_start = a_end + timedelta(minutes=gap)
    b_end = b_start + timedelta(minutes=second)
    clash = overlaps(*occupancy(a_start, a_end), *occupancy(b_start, b_end))
    assert clash == (-(first + second + 15) < gap < 15)


# -- X-03 / M-04 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("security", "viewer", "sees"),
    [
        (SecurityClass.PUBLIC, Viewer("it.wang", "IT"), True),
        (SecurityClass.INTERNAL, Viewer("hr.other", "HR"), True),
        (SecurityClass.INTERNAL, Viewer("it.wang", "IT"), False),
        (SecurityClass.CONFIDENTIAL, Viewer("it.head", "IT", frozenset({"IT"})), False),
        (SecurityClass.CONFIDENTIAL, Viewer("hr.head", "HR", frozenset({"HR"})), True),
        (SecurityClass.CONFIDENTIAL, Viewer("yang", "", frozenset(), frozenset({"HR"})), True),
        (SecurityClass.CONFIDENTIAL, Viewer("wang", "", roles=frozenset({"leader"})), True),
        (SecurityClass.CONFIDENTIAL, Viewer("hr.other", "HR"), False),
        (SecurityClass.SECRET, Viewer("it.head", "IT", frozenset({"IT"})), False),
        (SecurityClass.SECRET, Viewer("fin.clerk", "FIN"), True),  # a participant
        (SecurityClass.SECRET, Viewer("service:performance", is_service=True), True),
    ],
)
def test_x03_who_may_see_a_meeting(security: SecurityClass, viewer: Viewer, sees: bool) -> None:
    assert can_see(viewer, meeting(security_class=security)) is sees


def test_m04_minutes_of_a_closed_door_item_are_for_its_attendees_only() -> None:
    closed = AgendaItem(
        "a1", "人事议题", presenter="hr.head", closed_door=True, attendees=["leader.li"]
    )
    open_item = AgendaItem("a2", "公开议题")
    m = meeting(agenda=[closed, open_item], participants=["hr.staff", "fin.clerk", "leader.li"])
    assert m.closed_door_attendees(closed) == {"leader.li", "hr.head", "hr.staff"}
    participant = Viewer("fin.clerk", "FIN")
    assert can_read_item_minutes(participant, m, open_item)
    assert not can_read_item_minutes(participant, m, closed)
    assert can_read_item_minutes(Viewer("leader.li"), m, closed)
    assert can_read_item_minutes(Viewer("hr.staff", "HR"), m, closed)  # the recorder
    assert not can_read_item_minutes(Viewer("it.wang", "IT"), m, open_item)  # not even the meeting


def test_m04_a_speaker_overruns_after_3_minutes_by_default() -> None:
    turn = SpeakingTurn("t1", "meeting-1", "hr.head", "", NOW)
    assert turn.limit_seconds == 180
    assert not turn.is_over(NOW + timedelta(seconds=180))
    assert turn.is_over(NOW + timedelta(seconds=181))
    turn.stop(NOW + timedelta(seconds=200))
    assert turn.overrun
    assert turn.elapsed_seconds(NOW + timedelta(hours=1)) == 200
    short = SpeakingTurn("t2", "meeting-1", "hr.staff", "", NOW, limit_seconds=60)
    short.stop(NOW + timedelta(seconds=59))
    assert not short.overrun


# -- M-02 / X-07 ------------------------------------------------------------------------------


def test_m02_twelve_milestones_due_relative_to_the_meeting_in_working_days() -> None:
    m = meeting(video_link="https://meet.example/1", technician="it.wang")
    checklist = generate_checklist(m, NOW, ids(), CALENDAR, ZONE)
    assert len(checklist) == len(CHECKLIST) == 12
    due = {ms.key: ms.due_at for ms in checklist}
    # Thursday 03-12 09:00: T-7d skips the weekend of 03-07/08 and lands on Tuesday 03-03.
    assert due["topic_and_goals"] == at(3, 3)
    assert due["leaders_availability"] == at(3, 5)
    assert due["notice_published"] == due["agenda_collected"] == at(3, 9)
    assert due["equipment_tested"] == due["materials_printed"] == at(3, 11)
    assert due["buffer_check"] == START - timedelta(minutes=15)
    owners = {ms.key: ms.owner for ms in checklist}
    assert owners["video_link_tested"] == owners["equipment_tested"] == "it.wang"
    assert owners["agenda_collected"] == "hr.clerk"
    assert all(ms.state is not MilestoneState.OPEN or not ms.overdue for ms in checklist)


@given(
    day=st.dates(min_value=date(2026, 1, 5), max_value=date(2026, 12, 31)),
    hour=st.integers(min_value=7, max_value=20),
)
def test_m02_no_milestone_falls_due_on_a_rest_day(day: date, hour: int) -> None:
    start = datetime(day.year, day.month, day.day, hour, tzinfo=ZONE).astimezone(UTC)
    for ms in generate_checklist(meeting(start_at=start), NOW, ids(), CALENDAR, ZONE):
        if ms.key != "buffer_check":
            assert CALENDAR.is_working_day(ms.due_at.astimezone(ZONE).date()), ms.key
            assert ms.due_at.astimezone(ZONE).time() == start.astimezone(ZONE).time()


def test_m02_t_minus_n_days_skip_public_holidays() -> None:
    # Thursday 2026-10-08 follows the National Day holiday (10-01 to 10-07); the
    # working Saturday 10-10 is after it. T-1d is the last working day before:
    # Wednesday 09-30.
    assert working_days_before(at(10, 8), 1, CALENDAR, ZONE) == at(9, 30)
    # Monday 03-16: T-1d is Friday 03-13, not Sunday 03-15.
    assert working_days_before(at(3, 16, 14), 1, CALENDAR, ZONE) == at(3, 13, 14)


def test_m02_the_notice_milestone_is_never_overdue_it_sends_the_notice() -> None:
    now = at(3, 10)  # after T-3d (03-09 09:00)
    checklist = generate_checklist(meeting(), now, ids(), CALENDAR, ZONE)
    notice = next(ms for ms in checklist if ms.key == "notice_published")
    assert notice.state is MilestoneState.OPEN
    assert not notice.overdue


def test_m02_milestones_already_due_at_scheduling_start_overdue() -> None:
    now = at(3, 6)  # Friday: past T-7d (03-03) and T-5d (03-05)
    checklist = generate_checklist(meeting(), now, ids(), CALENDAR, ZONE)
    overdue = {ms.key for ms in checklist if ms.overdue}
    assert overdue == {"topic_and_goals", "leaders_availability"}
    assert {ms.key for ms in checklist if ms.state is MilestoneState.NOT_APPLICABLE} == {
        "video_link_tested"
    }


def test_m02_rescheduling_moves_open_milestones_only() -> None:
    m = meeting()
    m.milestones = generate_checklist(m, NOW, ids(), CALENDAR, ZONE)
    topic = next(ms for ms in m.milestones if ms.key == "topic_and_goals")
    topic.state, topic.done_at, topic.done_by = MilestoneState.DONE, NOW, "hr.clerk"
    m.start_at = at(3, 16)  # the Monday after
    m.video_link = "https://meet.example/1"
    m.technician = "it.wang"
    still_open = refresh_checklist(m, NOW, CALENDAR, ZONE)
    by_key = {ms.key: ms for ms in m.milestones}
    assert by_key["topic_and_goals"].due_at == at(3, 3)
    assert by_key["leaders_availability"].due_at == at(3, 9)
    assert by_key["video_link_tested"].state is MilestoneState.OPEN
    assert by_key["video_link_tested"].owner == "it.wang"
    assert topic not in still_open
    assert by_key["leaders_availability"] in still_open


@pytest.mark.parametrize(
    ("now", "warns"),
    [
        (at(3, 9, 8, 59), False),  # Monday before 09:00: 3 working days ahead
        (at(3, 9, 9), True),
        (at(3, 6, 10), False),  # Friday: Mon, Tue, Wed still ahead
        (at(3, 11, 7), True),
        (at(3, 2), False),
    ],
)
def test_x07_preparation_fewer_than_3_working_days_ahead_warns(now: datetime, warns: bool) -> None:
    assert is_short_notice(START, now, CALENDAR, ZONE) is warns


# -- M-03 -------------------------------------------------------------------------------------


def test_m03_the_elements_form_follows_importance_and_venue() -> None:
    assert elements_form(meeting()) == []
    in_person = [e.key for e in elements_form(meeting(important=True))]
    assert in_person == [
        "type",
        "duration_control",
        "materials_required",
        "name_plates",
        "seat_cards",
        "water",
    ]
    video = meeting(important=True, room_id=None, video_link="https://meet.example/1")
    assert [e.key for e in elements_form(video)] == [
        "type",
        "duration_control",
        "materials_required",
        "bandwidth_test",
        "backup_hotspot",
    ]


def test_m03_confirmations_survive_a_change_of_venue() -> None:
    m = meeting(important=True)
    m.elements = elements_form(m)
    for item in m.elements:
        item.confirmed = True
    assert form_complete(m.elements)
    m.video_link = "https://meet.example/1"
    m.elements = elements_form(m)
    assert {e.key for e in m.elements if not e.confirmed} == {"bandwidth_test", "backup_hotspot"}
    assert not form_complete(m.elements)
    assert not form_complete([])


# -- M-05 -------------------------------------------------------------------------------------


def test_m05_the_first_draft_decides_the_2_hour_sla() -> None:
    ended = START + timedelta(hours=1)
    minutes = Minutes("meeting-1", ended + timedelta(hours=2), ended + timedelta(hours=24))
    section = [MinutesSection("", ["要点"])]
    assert minutes.submit("hr.staff", section, [], ended + timedelta(hours=2)) is SlaOutcome.MET
    assert minutes.submit("hr.staff", section, [], ended + timedelta(hours=5)) is None
    assert minutes.draft_outcome is SlaOutcome.MET
    late = Minutes("meeting-2", ended + timedelta(hours=2), ended + timedelta(hours=24))
    assert late.submit("hr.staff", section, [], ended + timedelta(hours=2, seconds=1)) is (
        SlaOutcome.BREACHED
    )
    assert late.approve_and_distribute("hr.head", ended + timedelta(hours=3)) is SlaOutcome.MET
    assert late.distributed_at == ended + timedelta(hours=3)


# -- M-06 -------------------------------------------------------------------------------------


def item(**kw: Any) -> ActionItem:
    values: dict[str, Any] = {
        "id": "i1",
        "meeting_id": "meeting-1",
        "title": "提交方案",
        "owner": "fin.clerk",
        "owner_department": "FIN",
        "meeting_department": "HR",
        "due_date": date(2026, 3, 20),
        "due_at": due_instant(date(2026, 3, 20), ZONE),
    }
    values.update(kw)
    return ActionItem(**values)


def test_m06_delayed_is_worked_out_from_the_clock() -> None:
    due = item()
    assert due.due_at == datetime(2026, 3, 20, 16, 0, tzinfo=UTC)  # midnight in Beijing
    assert due.status(due.due_at - timedelta(seconds=1)) is ActionStatus.IN_PROGRESS
    assert due.status(due.due_at) is ActionStatus.DELAYED
    due.completed_at = due.due_at + timedelta(days=1)
    assert due.status(due.due_at + timedelta(days=9)) is ActionStatus.COMPLETED


def test_m06_cross_department_items_roll_up_to_the_month() -> None:
    march = (datetime(2026, 3, 1, tzinfo=ZONE), datetime(2026, 4, 1, tzinfo=ZONE))
    old_open = item(id="a", due_date=date(2026, 1, 10), due_at=due_instant(date(2026, 1, 10), ZONE))
    done_in_march = item(id="b", completed_at=datetime(2026, 3, 5, tzinfo=UTC))
    done_in_feb = item(
        id="c",
        due_date=date(2026, 2, 1),
        due_at=due_instant(date(2026, 2, 1), ZONE),
        completed_at=datetime(2026, 2, 3, tzinfo=UTC),
    )
    same_department = item(id="d", owner_department="HR")
    chosen = for_coordination([done_in_march, same_department, done_in_feb, old_open], *march)
    assert [i.id for i in chosen] == ["a", "b"]
    assert not same_department.cross_department


# -- M-07 -------------------------------------------------------------------------------------


def test_m07_scores_must_be_between_0_and_100() -> None:
    assert score_problems({"agenda": 0, "materials": 100, "logistics": 50}) == []
    assert [f for f, _ in score_problems({"agenda": 101, "materials": -1, "logistics": 5})] == [
        "agenda",
        "materials",
    ]


def test_m07_satisfaction_is_the_mean_of_the_three_dimensions_against_a_target_of_85() -> None:
    answers = [
        SurveyResponse("m", 90, 80, 100, ""),
        SurveyResponse("m", 80, 80, 80, ""),
    ]
    summary = summarise(answers)
    assert (summary.agenda, summary.materials, summary.logistics) == (85.0, 80.0, 90.0)
    assert summary.satisfaction == 85.0
    assert summary.target_met
    assert SATISFACTION_TARGET == 85.0
    empty = summarise([])
    assert empty.satisfaction is None
    assert not empty.target_met


def test_m07_one_answer_per_person_is_kept_by_a_keyed_hash_not_a_name() -> None:
    key = respondent_key(b"secret", "meeting-1", "hr.staff")
    assert key == respondent_key(b"secret", "meeting-1", "hr.staff")
    assert "hr.staff" not in key
    assert len(key) == 64
    assert key != respondent_key(b"secret", "meeting-2", "hr.staff")
    assert key != respondent_key(b"secret", "meeting-1", "hr.head")
    assert key != respondent_key(b"other", "meeting-1", "hr.staff")  # needs the secret


def test_m07_comments_are_read_without_names_in_no_telling_order() -> None:
    answers = [
        SurveyResponse("m", 90, 80, 100, "议程清楚"),
        SurveyResponse("m", 80, 80, 80, ""),
        SurveyResponse("m", 70, 70, 70, "材料太多"),
    ]
    assert anonymous_comments(answers) == sorted(["议程清楚", "材料太多"])


def test_m07_the_survey_is_open_for_3_days_after_the_end() -> None:
    ended = START + timedelta(hours=1)
    closes = ended + SURVEY_OPEN_FOR
    assert closes - ended == timedelta(days=3)
    assert not survey_open(None, None, False, ended)
    assert survey_open(ended, closes, False, ended)
    assert not survey_open(ended, closes, False, closes)
    assert not survey_open(ended, closes, True, ended + timedelta(hours=1))


@given(st.lists(st.tuples(st.integers(-5, 5), st.booleans()), max_size=30))
def test_m07_achievement_rate_is_completed_over_due(entries: list[tuple[int, bool]]) -> None:
    at = NOW
    items = [
        item(
            id=str(n),
            due_at=at + timedelta(days=offset),
            completed_at=at if completed else None,
        )
        for n, (offset, completed) in enumerate(entries)
    ]
    due, completed, rate = achievement_rate(items, at)
    expected_due = [e for e in entries if e[0] <= 0]
    assert due == len(expected_due)
    assert completed == sum(1 for _, c in expected_due if c)
    assert rate == (completed / due if due else None)


def test_m05_action_item_drafts_carry_owner_and_due_date() -> None:
    draft = ActionItemDraft("提交方案", "fin.clerk", date(2026, 3, 20))
    assert (draft.owner, draft.due_date) == ("fin.clerk", date(2026, 3, 20))
