"""Rooms, scheduling, booking, notices, calendars and the preparation checklist against a
real database (SQLite; PostgreSQL when configured)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from meetings.adapters.orm import meetings, room_bookings
from meetings.domain.model import MeetingState, MilestoneState
from meetings.service_layer.commands import AgendaItemInput, ListMeetings, MeetingInput
from meetings_testkit import (
    FIN_CLERK,
    FIN_HEAD,
    HR_CLERK,
    HR_HEAD,
    HR_STAFF,
    IT_TECH,
    OUTSIDER,
    SEC_CLERK,
    Harness,
    local,
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


def count(harness: Harness, table: Any) -> int:
    with harness.db.reading() as s:
        return int(s.execute(select(func.count()).select_from(table)).scalar_one())


def ics_events(content: bytes) -> list[Any]:
    return list(Calendar.from_ical(content).walk("VEVENT"))


# -- M-01 booking ----------------------------------------------------------------------


def test_m01_scheduling_books_the_room_notifies_everyone_and_announces_the_meeting(
    harness: Harness,
) -> None:
    room = harness.room()
    meeting = harness.schedule(room_id=room.id, recorder="hr.staff", technician="it.wang")
    assert meeting.state is MeetingState.SCHEDULED
    assert meeting.end_at - meeting.start_at == timedelta(minutes=60)
    assert meeting.host == "hr.clerk"
    assert "hr.head" in meeting.participants  # a presenter is invited with the agenda
    scheduled = harness.events("meetings.meeting.scheduled", events_pb2.MeetingScheduled)
    assert [e.meeting.meeting_id for e in scheduled] == [meeting.id]
    assert set(scheduled[0].participants) == {
        "hr.clerk",
        "hr.staff",
        "fin.clerk",
        "hr.head",
        "it.wang",
    }
    assert harness.notices("meeting_notice") == []  # M-02: it goes out at T-3d
    harness.at(local(2026, 3, 9, 9))
    notice = harness.notices("meeting_notice")[0]
    assert sorted(notice.recipients) == ["fin.clerk", "hr.head", "hr.staff", "it.wang"]
    assert notice.subject_ref == f"meetings/{meeting.id}"
    assert "第一会议室" in notice.body
    assert "2026-03-12 09:00–10:00" in notice.body
    assert "schedule" in harness.audit_actions(meeting.id)


def test_m01_a_booking_overlapping_the_15_minute_buffer_is_refused_naming_the_meeting(
    harness: Harness,
) -> None:
    room = harness.room()
    first = harness.schedule(room_id=room.id, start_at=local(2026, 3, 12, 9), duration_minutes=60)
    # 10:00 would start inside the buffer the room keeps before 10:00's meeting: 09:45-10:00.
    with pytest.raises(Conflict) as refused:
        harness.schedule(
            room_id=room.id, start_at=local(2026, 3, 12, 10, 10), duration_minutes=30, agenda=[]
        )
    assert first.id in str(refused.value)
    assert "2026-03-12 09:00–10:00" in str(refused.value)
    assert first.topic in str(refused.value)  # the caller may see it: same department
    # 10:15 leaves the full buffer: accepted.
    harness.schedule(
        room_id=room.id, start_at=local(2026, 3, 12, 10, 15), duration_minutes=30, agenda=[]
    )
    # Ending 15 minutes before the first one's start would touch its buffer.
    with pytest.raises(Conflict):
        harness.schedule(room_id=room.id, start_at=local(2026, 3, 12, 8, 0), duration_minutes=50)
    harness.schedule(room_id=room.id, start_at=local(2026, 3, 12, 8, 0), duration_minutes=45)
    assert count(harness, room_bookings) == 3
    assert count(harness, meetings) == 3


def test_x03_a_refused_booking_reveals_nothing_of_a_meeting_the_caller_may_not_see(
    harness: Harness,
) -> None:
    room = harness.room()
    secret = harness.schedule(
        HR_HEAD, room_id=room.id, security_class="secret", topic="干部任免酝酿会"
    )
    with pytest.raises(Conflict) as refused:
        harness.schedule(OUTSIDER, room_id=room.id, participants=[], agenda=[])
    message = str(refused.value)
    assert secret.id not in message
    assert "干部任免酝酿会" not in message
    assert "09:00" not in message
    assert "already booked at that time" in message


def test_m01_two_bookings_of_one_slot_made_at_once_exactly_one_wins(harness: Harness) -> None:
    room = harness.room()
    ready = threading.Barrier(6)
    won: list[str] = []
    refused: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def book(minute: int) -> None:
        try:
            ready.wait()
            meeting = harness.schedule(
                room_id=room.id,
                start_at=local(2026, 3, 12, 9, minute),
                duration_minutes=60,
                participants=[],
                agenda=[],
            )
            with lock:
                won.append(meeting.id)
        except Conflict as exc:
            with lock:
                refused.append(str(exc))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=book, args=(m,)) for m in (0, 5, 10, 15, 20, 30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(won) == 1
    assert len(refused) == 5
    assert all(won[0] in reason for reason in refused)
    with harness.db.reading() as s:
        assert s.execute(select(room_bookings.c.meeting_id)).scalars().all() == won


BAD_INPUT: list[tuple[dict[str, Any], str]] = [
    ({"end_at": local(2026, 3, 12, 8, 0), "duration_minutes": 0}, "end_at"),
    ({"start_at": local(2026, 3, 1, 9, 0)}, "start_at"),
    ({"room_id": "no-such-room"}, "room_id"),
    ({"room_id": "", "video_link": ""}, "room_id"),
    ({"participants": ["hr.staff", "nobody.known"]}, "participants[1]"),
    ({"host": "nobody.known"}, "host"),
    ({"type": "chat"}, "type"),
    ({"topic": "  "}, "topic"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"video_link": "ftp://x"}, "video_link"),
    ({"agenda": [AgendaItemInput(title="长议题", minutes_allotted=90)]}, "agenda"),
    (
        {"agenda": [AgendaItemInput(title="闭门", closed_door=True, attendees=["leader.li"])]},
        "agenda[0].attendees",
    ),
]


def test_m01_bad_input_is_refused_with_the_field_and_changes_nothing(harness: Harness) -> None:
    room = harness.room()
    for changes, field in BAD_INPUT:
        with pytest.raises(ValidationFailed) as refused:
            harness.schedule(**{"room_id": room.id, **changes})
        assert field in [e.field for e in refused.value.errors], (changes, refused.value)
    assert count(harness, meetings) == 0
    assert count(harness, room_bookings) == 0
    assert harness.event_types() == ["meetings.room.created"]


def test_m01_the_room_must_seat_everyone_and_host_video_when_asked(harness: Harness) -> None:
    small = harness.room("小会议室", capacity=2)
    with pytest.raises(ValidationFailed) as refused:
        harness.schedule(room_id=small.id)
    assert refused.value.errors[0].field == "participants"
    no_video = harness.room("无视频会议室")
    with pytest.raises(ValidationFailed) as refused:
        harness.schedule(room_id=no_video.id, video_link="https://meet.example/abc")
    assert refused.value.errors[0].field == "room_id"
    video = harness.room("视频会议室", video=True)
    harness.schedule(room_id=video.id, video_link="https://meet.example/abc")


def test_m01_a_video_meeting_needs_no_room(harness: Harness) -> None:
    meeting = harness.schedule(video_link="https://meet.example/q1")
    assert meeting.room_id is None
    assert count(harness, room_bookings) == 0


def test_m01_only_the_secretariat_creates_rooms_and_names_are_unique(harness: Harness) -> None:
    from meetings.service_layer.commands import CreateRoom

    with pytest.raises(PermissionDenied):
        harness.uc.planner.create_room(HR_CLERK, CreateRoom(name="X", capacity=5))
    harness.room("第二会议室")
    with pytest.raises(Conflict):
        harness.room("第二会议室")
    with pytest.raises(ValidationFailed):
        harness.room("零座会议室", capacity=0)


def test_m01_room_availability_counts_the_buffer(harness: Harness) -> None:
    a = harness.room("A", capacity=10)
    harness.room("B", capacity=30, video=True)
    harness.schedule(room_id=a.id, start_at=local(2026, 3, 12, 9), participants=[], agenda=[])
    free = {
        r.room.name: r.available
        for r in harness.uc.planner.list_rooms(
            HR_CLERK, local(2026, 3, 12, 10, 10), local(2026, 3, 12, 11)
        )
    }
    assert free == {"A": False, "B": True}
    later = harness.uc.planner.list_rooms(
        HR_CLERK, local(2026, 3, 12, 10, 15), local(2026, 3, 12, 11)
    )
    assert all(r.available for r in later)
    assert [r.room.name for r in harness.uc.planner.list_rooms(HR_CLERK, min_capacity=20)] == ["B"]
    bookings = harness.uc.planner.room_bookings(
        FIN_CLERK, a.id, local(2026, 3, 12, 0), local(2026, 3, 13, 0)
    )
    assert [(b.occupied_from, b.topic) for b in bookings] == [(local(2026, 3, 12, 8, 45), "")]


def test_x03_a_rooms_calendar_shows_only_that_a_hidden_meetings_slot_is_taken(
    harness: Harness,
) -> None:
    room = harness.room("A", capacity=10)
    mine = harness.schedule(room_id=room.id, start_at=local(2026, 3, 12, 9), agenda=[])
    window = (local(2026, 3, 12, 0), local(2026, 3, 13, 0))
    [hidden] = harness.uc.planner.room_bookings(OUTSIDER, room.id, *window)
    assert (hidden.meeting_id, hidden.topic) == ("", "")
    assert hidden.occupied_from == local(2026, 3, 12, 8, 45)
    [shown] = harness.uc.planner.room_bookings(HR_CLERK, room.id, *window)
    assert (shown.meeting_id, shown.topic) == (mine.id, mine.topic)


def test_m01_invited_people_with_another_meeting_then_are_flagged(harness: Harness) -> None:
    first = harness.schedule(
        video_link="https://meet.example/1",
        participants=["hr.staff"],
        agenda=[],
        security_class="public",
    )
    second = harness.schedule(
        FIN_HEAD,
        video_link="https://meet.example/2",
        start_at=local(2026, 3, 12, 9, 30),
        participants=["hr.staff", "fin.clerk"],
        agenda=[],
    )
    assert [c.meeting_id for c in second.conflicts["hr.staff"]] == [first.id]
    assert "fin.clerk" not in second.conflicts
    assert any("hr.staff" in w and first.id in w for w in harness.uc.planner.warnings(second))
    harness.at(local(2026, 3, 9, 9, 30))
    to_staff = [
        n
        for n in harness.notices("meeting_notice")
        if list(n.recipients) == ["hr.staff"] and n.subject_ref == f"meetings/{second.id}"
    ]
    assert first.id in to_staff[-1].body
    stored = harness.uc.planner.get(FIN_HEAD, second.id)
    assert [c.meeting_id for c in stored.conflicts["hr.staff"]] == [first.id]
    scheduled = harness.events("meetings.meeting.scheduled", events_pb2.MeetingScheduled)
    assert list(scheduled[-1].participants_with_conflicts) == ["hr.staff"]


def test_x03_a_participants_clash_names_nothing_of_a_meeting_the_organiser_may_not_see(
    harness: Harness,
) -> None:
    hidden = harness.schedule(
        video_link="https://meet.example/1",
        participants=["hr.staff"],
        agenda=[],
        security_class="secret",
        topic="干部任免酝酿会",
    )
    second = harness.schedule(
        FIN_HEAD,
        video_link="https://meet.example/2",
        start_at=local(2026, 3, 12, 9, 30),
        participants=["hr.staff"],
        agenda=[],
    )
    for shown in (second, harness.uc.planner.get(FIN_HEAD, second.id)):
        [clash] = shown.conflicts["hr.staff"]
        assert clash.meeting_id == ""
        assert (clash.start_at, clash.end_at) == (second.start_at, second.end_at)
        warnings = " ".join(harness.uc.planner.warnings(shown))
        assert hidden.id not in warnings
        assert "hr.staff is busy at that time" in warnings
    listed, _ = harness.uc.planner.search(FIN_HEAD, ListMeetings())
    assert all(c.meeting_id != hidden.id for m in listed for cs in m.conflicts.values() for c in cs)


# -- M-01 calendars, changes, cancellation -------------------------------------------------


def test_m01_ics_export_keeps_its_uid_and_raises_the_sequence_on_each_change(
    harness: Harness,
) -> None:
    room = harness.room()
    meeting = harness.schedule(room_id=room.id)
    content, content_type, _ = harness.uc.planner.meeting_calendar(HR_STAFF, meeting.id)
    assert content_type.startswith("text/calendar")
    [event] = ics_events(content)
    uid = str(event["UID"])
    assert uid == f"{meeting.id}@meetings.secretariat"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == local(2026, 3, 12, 9)
    assert str(event["LOCATION"]) == "第一会议室"
    assert str(event["STATUS"]) == "CONFIRMED"

    harness.uc.planner.update(
        HR_CLERK,
        meeting.id,
        {"start_at"},
        MeetingInput(topic="", type="", start_at=local(2026, 3, 13, 14)),
    )
    [moved] = ics_events(harness.uc.planner.meeting_calendar(HR_STAFF, meeting.id)[0])
    assert (str(moved["UID"]), int(moved["SEQUENCE"])) == (uid, 1)
    assert moved.decoded("DTSTART") == local(2026, 3, 13, 14)

    harness.uc.planner.cancel(HR_CLERK, meeting.id, "领导出差")
    feed, _, _ = harness.uc.planner.personal_calendar(HR_STAFF)
    [cancelled] = ics_events(feed)
    assert (str(cancelled["UID"]), int(cancelled["SEQUENCE"])) == (uid, 2)
    assert str(cancelled["STATUS"]) == "CANCELLED"


def test_m01_the_personal_feed_holds_only_my_meetings(harness: Harness) -> None:
    mine = harness.schedule(
        video_link="https://meet.example/1", participants=["hr.staff"], agenda=[]
    )
    harness.schedule(
        FIN_HEAD, video_link="https://meet.example/2", participants=["fin.clerk"], agenda=[]
    )
    feed, _, name = harness.uc.planner.personal_calendar(HR_STAFF)
    assert [str(e["UID"]) for e in ics_events(feed)] == [f"{mine.id}@meetings.secretariat"]
    assert name.endswith(".ics")


def test_m01_rescheduling_rebooks_the_room_and_tells_everyone(harness: Harness) -> None:
    room = harness.room()
    other = harness.room("第二会议室")
    meeting = harness.schedule(room_id=room.id)
    harness.at(local(2026, 3, 9, 9))  # the notice went out: changes are told (M-02)
    harness.schedule(room_id=other.id, start_at=local(2026, 3, 13, 9), participants=[], agenda=[])
    with pytest.raises(Conflict):
        harness.uc.planner.update(
            HR_CLERK,
            meeting.id,
            {"room_id", "start_at"},
            MeetingInput(topic="", type="", start_at=local(2026, 3, 13, 9, 30), room_id=other.id),
        )
    assert harness.uc.planner.get(HR_CLERK, meeting.id).sequence == 0
    updated = harness.uc.planner.update(
        HR_CLERK,
        meeting.id,
        {"room_id", "participants", "agenda"},
        MeetingInput(topic="", type="", start_at=None, room_id=other.id, participants=["hr.staff"]),
    )
    assert updated.room_id == other.id
    assert updated.sequence == 1
    with harness.db.reading() as s:
        active = (
            s.execute(
                select(room_bookings.c.room_id).where(
                    room_bookings.c.meeting_id == meeting.id, room_bookings.c.state == "active"
                )
            )
            .scalars()
            .all()
        )
    assert active == [other.id]
    # The first room is free again at 09:00 on the 12th.
    harness.schedule(room_id=room.id, participants=[], agenda=[])
    assert harness.notified("meeting_cancelled") == ["fin.clerk", "hr.head"]  # dropped
    assert "hr.staff" in harness.notified("meeting_updated")
    updated_events = harness.events("meetings.meeting.updated", events_pb2.MeetingUpdated)
    assert updated_events[0].rescheduled
    assert "room_id" in updated_events[0].changed_fields


def test_m01_only_the_organiser_host_or_secretariat_change_or_cancel(harness: Harness) -> None:
    meeting = harness.schedule(video_link="https://meet.example/1", security_class="public")
    with pytest.raises(PermissionDenied):
        harness.uc.planner.cancel(HR_STAFF, meeting.id, "")
    with pytest.raises(PermissionDenied):
        harness.uc.planner.update(
            HR_STAFF, meeting.id, {"topic"}, MeetingInput(topic="改", type="", start_at=None)
        )
    with pytest.raises(ValidationFailed):
        harness.uc.planner.update(
            HR_CLERK, meeting.id, {"organiser"}, MeetingInput(topic="", type="", start_at=None)
        )
    cancelled = harness.uc.planner.cancel(SEC_CLERK, meeting.id, "改期另议")
    assert cancelled.state is MeetingState.CANCELLED
    with pytest.raises(PreconditionFailed):
        harness.uc.planner.cancel(HR_CLERK, meeting.id, "")


def test_m01_cancelling_frees_the_room_and_stops_the_meeting_timers(harness: Harness) -> None:
    room = harness.room()
    meeting = harness.schedule(room_id=room.id)
    harness.at(local(2026, 3, 9, 9))  # the notice went out (M-02)
    warned = len(harness.events("meetings.milestone.overdue", events_pb2.MilestoneOverdue))
    harness.uc.planner.cancel(HR_CLERK, meeting.id, "")
    replacement = harness.schedule(room_id=room.id, participants=[], agenda=[])
    assert harness.notified("meeting_cancelled") == ["fin.clerk", "hr.head", "hr.staff"]
    harness.at(local(2026, 3, 12, 12))
    ended = harness.events("meetings.meeting.ended", events_pb2.MeetingEnded)
    assert [e.meeting.meeting_id for e in ended] == [replacement.id]
    overdue = harness.events("meetings.milestone.overdue", events_pb2.MilestoneOverdue)
    assert meeting.id not in {e.meeting.meeting_id for e in overdue[warned:]}


# -- X-03 --------------------------------------------------------------------------------


def test_x03_meetings_are_visible_by_class_and_a_hidden_one_is_not_found(harness: Harness) -> None:
    internal = harness.schedule(video_link="https://meet.example/1", participants=[], agenda=[])
    secret = harness.schedule(
        video_link="https://meet.example/2",
        security_class="secret",
        participants=["fin.clerk"],
        agenda=[],
        start_at=local(2026, 3, 13, 9),
    )
    confidential = harness.schedule(
        video_link="https://meet.example/3",
        security_class="confidential",
        participants=[],
        agenda=[],
        start_at=local(2026, 3, 14, 9),
    )
    public = harness.schedule(
        video_link="https://meet.example/4",
        security_class="public",
        participants=[],
        agenda=[],
        start_at=local(2026, 3, 15, 9),
    )

    def ids(actor: Any) -> set[str]:
        found, total = harness.uc.planner.search(actor, ListMeetings())
        assert total == len(found)
        return {m.id for m in found}

    assert ids(HR_STAFF) == {internal.id, public.id}
    assert ids(FIN_CLERK) == {secret.id, public.id}
    assert ids(FIN_HEAD) == {public.id}  # another department's head
    assert ids(HR_HEAD) == {internal.id, confidential.id, public.id}
    assert ids(OUTSIDER) == {public.id}
    for actor, meeting in [(OUTSIDER, internal), (HR_STAFF, secret), (HR_STAFF, confidential)]:
        with pytest.raises(NotFound) as hidden:
            harness.uc.planner.get(actor, meeting.id)
        assert str(hidden.value) == f"meeting {meeting.id} not found"
    harness.uc.planner.get(FIN_CLERK, secret.id)
    assert "read_classified" in harness.audit_actions(secret.id)


def test_x03_only_my_meetings_and_a_window_narrow_the_list(harness: Harness) -> None:
    harness.schedule(video_link="https://meet.example/1", participants=["hr.staff"], agenda=[])
    later = harness.schedule(
        video_link="https://meet.example/2", participants=[], agenda=[], start_at=local(2026, 4, 2)
    )
    mine, _ = harness.uc.planner.search(HR_STAFF, ListMeetings(mine=True))
    assert len(mine) == 1
    april, _ = harness.uc.planner.search(
        HR_STAFF, ListMeetings(window_start=local(2026, 4, 1, 0), window_end=local(2026, 5, 1, 0))
    )
    assert [m.id for m in april] == [later.id]
    with pytest.raises(ValidationFailed):
        harness.uc.planner.search(HR_STAFF, ListMeetings(page_size=0))


# -- M-02 / X-07 preparation ----------------------------------------------------------


def test_m02_scheduling_generates_twelve_milestones_with_owners_and_due_times(
    harness: Harness,
) -> None:
    meeting = harness.schedule(video_link="https://meet.example/1", technician="it.wang")
    checklist = harness.uc.preparation.checklist(HR_STAFF, meeting.id).milestones
    assert len(checklist) == 12
    due = {m.key: m.due_at for m in checklist}
    # Thursday 03-12 09:00; "T-N d" counts working days, the weekend is skipped.
    assert due["topic_and_goals"] == local(2026, 3, 3, 9)
    assert due["leaders_availability"] == local(2026, 3, 5, 9)
    assert due["notice_published"] == due["agenda_collected"] == local(2026, 3, 9, 9)
    assert due["equipment_tested"] == due["materials_printed"] == local(2026, 3, 11, 9)
    owners = {m.key: m.owner for m in checklist}
    assert owners["equipment_tested"] == "it.wang"
    assert owners["topic_and_goals"] == "hr.clerk"
    states = {m.key: m.state for m in checklist}
    assert states["venue_booked"] is MilestoneState.DONE
    assert states["notice_published"] is MilestoneState.OPEN
    assert states["seating_and_name_plates"] is MilestoneState.NOT_APPLICABLE  # video only
    assert (
        harness.events("meetings.meeting.preparation_warning", events_pb2.PreparationWarning) == []
    )


def test_m02_the_notice_goes_out_at_its_t3_working_day_milestone_not_at_scheduling(
    harness: Harness,
) -> None:
    meeting = harness.schedule(video_link="https://meet.example/1")
    assert harness.notices("meeting_notice") == []
    harness.at(local(2026, 3, 9, 8, 59))  # Monday, one minute before T-3d
    assert harness.notices("meeting_notice") == []
    harness.at(local(2026, 3, 9, 9))
    [notice] = harness.notices("meeting_notice")
    assert sorted(notice.recipients) == ["fin.clerk", "hr.head", "hr.staff"]
    checklist = harness.uc.preparation.checklist(HR_CLERK, meeting.id)
    published = next(m for m in checklist.milestones if m.key == "notice_published")
    assert (published.state, published.done_by, published.overdue) == (
        MilestoneState.DONE,
        "system",
        False,
    )
    assert "publish_notice" in harness.audit_actions(meeting.id)
    harness.advance(days=1)
    assert len(harness.notices("meeting_notice")) == 1  # once
    overdue = harness.events("meetings.milestone.overdue", events_pb2.MilestoneOverdue)
    assert "notice_published" not in [e.key for e in overdue]


def test_m02_changes_before_the_notice_are_not_announced_the_notice_carries_them(
    harness: Harness,
) -> None:
    meeting = harness.schedule(video_link="https://meet.example/1")
    harness.uc.planner.update(
        HR_CLERK,
        meeting.id,
        {"start_at"},
        MeetingInput(topic="", type="", start_at=local(2026, 3, 16, 14)),
    )
    assert harness.notices("meeting_updated") == []
    harness.at(local(2026, 3, 9, 9))  # the old T-3d: nothing any more
    assert harness.notices("meeting_notice") == []
    harness.at(local(2026, 3, 11, 14))  # Monday 03-16 14:00 minus 3 working days
    [notice] = harness.notices("meeting_notice")
    assert "2026-03-16 14:00" in notice.body


def test_m02_a_meeting_cancelled_before_its_notice_tells_nobody(harness: Harness) -> None:
    meeting = harness.schedule(video_link="https://meet.example/1")
    harness.uc.planner.cancel(HR_CLERK, meeting.id, "改期")
    assert harness.notices("meeting_cancelled") == []
    harness.at(local(2026, 3, 9, 9))
    assert harness.notices("meeting_notice") == []  # its timer went with it


def test_m02_an_overdue_milestone_warns_its_owner_once(harness: Harness) -> None:
    meeting = harness.schedule(video_link="https://meet.example/1")
    harness.at(local(2026, 3, 3, 9, 1))  # past T-7d (Tuesday 03-03 09:00)
    overdue = harness.events("meetings.milestone.overdue", events_pb2.MilestoneOverdue)
    assert [e.key for e in overdue] == ["topic_and_goals"]
    assert harness.notified("meeting_milestone_overdue") == ["hr.clerk"]
    harness.advance(minutes=5)
    assert len(harness.events("meetings.milestone.overdue", events_pb2.MilestoneOverdue)) == 1
    checklist = harness.uc.preparation.checklist(HR_CLERK, meeting.id)
    assert [m.key for m in checklist.milestones if m.overdue] == ["topic_and_goals"]
    assert any(w.startswith("milestones_overdue") for w in harness.uc.planner.warnings(checklist))


def test_m02_completing_a_milestone_stops_its_warning(harness: Harness) -> None:
    meeting = harness.schedule(video_link="https://meet.example/1", technician="it.wang")
    topic = next(m for m in meeting.milestones if m.key == "topic_and_goals")
    equipment = next(m for m in meeting.milestones if m.key == "equipment_tested")
    with pytest.raises(PermissionDenied):
        harness.uc.preparation.complete_milestone(HR_STAFF, meeting.id, topic.id)
    done = harness.uc.preparation.complete_milestone(HR_CLERK, meeting.id, topic.id)
    assert done.milestone(topic.id).state is MilestoneState.DONE  # type: ignore[union-attr]
    harness.uc.preparation.complete_milestone(IT_TECH, meeting.id, equipment.id)  # its owner
    with pytest.raises(PreconditionFailed):
        harness.uc.preparation.complete_milestone(HR_CLERK, meeting.id, topic.id)
    harness.at(local(2026, 3, 11, 9, 1))
    overdue = {
        e.key for e in harness.events("meetings.milestone.overdue", events_pb2.MilestoneOverdue)
    }
    assert "topic_and_goals" not in overdue
    assert "equipment_tested" not in overdue
    assert "leaders_availability" in overdue
    completed = harness.events("meetings.milestone.completed", events_pb2.MilestoneCompleted)
    assert [(c.key, c.met_deadline) for c in completed] == [
        ("topic_and_goals", True),
        ("equipment_tested", True),
        ("notice_published", True),
    ]


def test_x07_a_meeting_scheduled_fewer_than_3_working_days_ahead_warns_and_notifies_at_once(
    harness: Harness,
) -> None:
    meeting = harness.schedule(video_link="https://meet.example/1", start_at=local(2026, 3, 4, 14))
    [warning] = harness.events(
        "meetings.meeting.preparation_warning", events_pb2.PreparationWarning
    )
    assert warning.reason == "short_notice"
    assert warning.meeting.department_code == "HR"
    assert warning.lead_time_hours == pytest.approx(53.0)
    assert set(warning.milestones_already_due) == {
        "topic_and_goals",
        "leaders_availability",
        "agenda_collected",
    }
    assert harness.notified("meeting_preparation_warning") == ["hr.clerk"]
    assert any(w.startswith("short_notice") for w in harness.uc.planner.warnings(meeting))
    # M-02: the notice's milestone has passed, so the notice goes out at once.
    [notice] = harness.notices("meeting_notice")
    assert sorted(notice.recipients) == ["fin.clerk", "hr.head", "hr.staff"]
    # Milestones already late are flagged at once, without one reminder each.
    harness.advance(seconds=1)
    assert harness.events("meetings.milestone.overdue", events_pb2.MilestoneOverdue) == []


def test_x07_a_meeting_on_monday_scheduled_the_friday_before_is_short_notice(
    harness: Harness,
) -> None:
    harness.at(local(2026, 3, 6, 10))  # Friday; Monday 09:00 is 3 wall-clock days ahead
    harness.schedule(video_link="https://meet.example/1", start_at=local(2026, 3, 9, 9))
    [warning] = harness.events(
        "meetings.meeting.preparation_warning", events_pb2.PreparationWarning
    )
    assert warning.reason == "short_notice"
    assert len(harness.notices("meeting_notice")) == 1


def test_m02_rescheduling_moves_the_open_milestones_and_warns_when_brought_forward(
    harness: Harness,
) -> None:
    meeting = harness.schedule(video_link="https://meet.example/1")
    topic = next(m for m in meeting.milestones if m.key == "topic_and_goals")
    harness.uc.preparation.complete_milestone(HR_CLERK, meeting.id, topic.id)
    moved = harness.uc.planner.update(
        HR_CLERK,
        meeting.id,
        {"start_at"},
        MeetingInput(topic="", type="", start_at=local(2026, 3, 20, 9)),
    )
    due = {m.key: m.due_at for m in moved.milestones}
    assert due["leaders_availability"] == local(2026, 3, 13, 9)
    assert due["topic_and_goals"] == local(2026, 3, 3, 9)  # done: stays as it was
    assert (
        harness.events("meetings.meeting.preparation_warning", events_pb2.PreparationWarning) == []
    )
    # The old due time passes: no warning, the milestone moved.
    harness.at(local(2026, 3, 5, 10))
    assert harness.events("meetings.milestone.overdue", events_pb2.MilestoneOverdue) == []
    harness.uc.planner.update(
        HR_CLERK,
        meeting.id,
        {"start_at"},
        MeetingInput(topic="", type="", start_at=local(2026, 3, 9, 9)),
    )
    [warning] = harness.events(
        "meetings.meeting.preparation_warning", events_pb2.PreparationWarning
    )
    assert warning.reason == "rescheduled_short_notice"
    assert len(harness.notices("meeting_notice")) == 1  # brought inside T-3d: sent at once


# -- M-03 --------------------------------------------------------------------------------


def test_m03_an_important_meeting_carries_the_elements_form(harness: Harness) -> None:
    video_room = harness.room("视频会议室", video=True)
    meeting = harness.schedule(
        room_id=video_room.id,
        video_link="https://meet.example/1",
        important=True,
        technician="it.wang",
    )
    form = harness.uc.preparation.elements(HR_STAFF, meeting.id)
    assert form.required
    assert not form.complete
    keys = [i.key for i in form.items]
    assert keys == [
        "type",
        "duration_control",
        "materials_required",
        "bandwidth_test",
        "backup_hotspot",
        "name_plates",
        "seat_cards",
        "water",
    ]
    with pytest.raises(PermissionDenied):
        harness.uc.preparation.confirm_element(HR_STAFF, meeting.id, "water", "")
    for key in keys[:-1]:
        harness.uc.preparation.confirm_element(IT_TECH, meeting.id, key, "已确认")
    harness.at(local(2026, 3, 11, 9, 1))
    [incomplete] = harness.events("meetings.elements.incomplete", events_pb2.ElementsIncomplete)
    assert list(incomplete.open_keys) == ["water"]
    final = harness.uc.preparation.confirm_element(HR_CLERK, meeting.id, "water", "")
    assert final.complete
    confirmed = harness.events("meetings.elements.confirmed", events_pb2.ElementConfirmed)
    assert confirmed[-1].form_complete


def test_m03_ordinary_meetings_have_no_form_and_in_person_ones_no_video_items(
    harness: Harness,
) -> None:
    room = harness.room()
    plain = harness.schedule(video_link="https://meet.example/1")
    assert not harness.uc.preparation.elements(HR_CLERK, plain.id).required
    with pytest.raises(PreconditionFailed):
        harness.uc.preparation.confirm_element(HR_CLERK, plain.id, "type", "")
    in_person = harness.schedule(room_id=room.id, important=True, start_at=local(2026, 3, 13, 9))
    keys = [i.key for i in harness.uc.preparation.elements(HR_CLERK, in_person.id).items]
    assert "bandwidth_test" not in keys
    assert "water" in keys
