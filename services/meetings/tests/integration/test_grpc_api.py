"""The Meetings gRPC API over a real channel: identity, errors, mapping."""

from __future__ import annotations

import grpc
import pytest

from meetings.entrypoints.grpc_servicer import MeetingsServicer
from meetings_testkit import FIN_CLERK, HR_CLERK, HR_STAFF, SEC_CLERK, Harness, local
from secretariat.meetings.v1 import meetings_pb2, meetings_pb2_grpc
from secretariat_shared.contract.status import field_errors_of
from secretariat_shared.grpc_server import (
    identity_metadata,
)
from secretariat_shared.identity import (
    SERVICE_AUDIENCE,
    Identity,
    IdentitySigner,
)
from secretariat_shared.service import Servicer
from secretariat_shared.testing import GrpcServerFactory, keypair_for_tests

pytestmark = pytest.mark.integration

PRIVATE = keypair_for_tests()[0]


@pytest.fixture
def stub(harness: Harness, grpc_server: GrpcServerFactory) -> meetings_pb2_grpc.MeetingsStub:
    uc = harness.uc
    servicer = MeetingsServicer(
        uc.planner, uc.preparation, uc.conduct, uc.minutes, uc.effectiveness, harness.clock.now
    )
    server = grpc_server(
        servicers=[Servicer.of(meetings_pb2, meetings_pb2_grpc, "Meetings", servicer)],
        clock=harness.clock,
    )
    return meetings_pb2_grpc.MeetingsStub(server.channel)


def as_(harness: Harness, who: Identity) -> tuple[tuple[str, str], ...]:
    return identity_metadata(IdentitySigner(PRIVATE, harness.clock).sign(who, SERVICE_AUDIENCE, 60))


def request(room_id: str, **kw: object) -> meetings_pb2.ScheduleMeetingRequest:
    values: dict[str, object] = {
        "topic": "月度经营分析会",
        "type": "discussion",
        "room_id": room_id,
        "duration_minutes": 60,
        "participants": ["hr.staff"],
        "agenda": [
            meetings_pb2.AgendaItem(title="经营数据", presenter="fin.clerk", minutes_allotted=30)
        ],
    }
    values.update(kw)
    message = meetings_pb2.ScheduleMeetingRequest(**values)  # type: ignore[arg-type]
    message.start_at.FromDatetime(local(2026, 3, 12, 9))
    return message


def test_x03_a_call_without_identity_is_unauthenticated(
    stub: meetings_pb2_grpc.MeetingsStub,
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.ListRooms(meetings_pb2.ListRoomsRequest())
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_m01_schedule_over_grpc_and_read_it_back(
    stub: meetings_pb2_grpc.MeetingsStub, harness: Harness
) -> None:
    room = stub.CreateRoom(
        meetings_pb2.CreateRoomRequest(name="第一会议室", capacity=12, equipment=["投影仪"]),
        metadata=as_(harness, SEC_CLERK),
    )
    created = stub.ScheduleMeeting(request(room.id), metadata=as_(harness, HR_CLERK))
    assert created.room_name == "第一会议室"
    assert created.end_at.ToDatetime().isoformat() == "2026-03-12T02:00:00"
    assert {p.username for p in created.participants} == {"hr.staff", "fin.clerk"}
    fetched = stub.GetMeeting(
        meetings_pb2.GetMeetingRequest(id=created.id), metadata=as_(harness, HR_STAFF)
    )
    assert fetched.topic == "月度经营分析会"
    same = stub.GetRoom(meetings_pb2.GetRoomRequest(id=room.id), metadata=as_(harness, HR_STAFF))
    assert (same.name, list(same.equipment)) == ("第一会议室", ["投影仪"])
    rooms = stub.ListRooms(meetings_pb2.ListRoomsRequest(), metadata=as_(harness, HR_STAFF))
    assert not rooms.items[0].HasField("available")
    window = meetings_pb2.ListRoomsRequest()
    window.available_from.FromDatetime(local(2026, 3, 12, 10))
    window.available_to.FromDatetime(local(2026, 3, 12, 11))
    [busy] = stub.ListRooms(window, metadata=as_(harness, HR_STAFF)).items
    assert busy.HasField("available")
    assert not busy.available
    checklist = stub.GetChecklist(
        meetings_pb2.GetMeetingRequest(id=created.id), metadata=as_(harness, HR_STAFF)
    )
    assert len(checklist.milestones) == 12
    calendar = stub.ExportMeetingCalendar(
        meetings_pb2.GetMeetingRequest(id=created.id), metadata=as_(harness, HR_STAFF)
    )
    assert calendar.content_type.startswith("text/calendar")
    assert f"UID:{created.id}@meetings.secretariat" in calendar.data.decode()

    updated = stub.UpdateMeeting(
        meetings_pb2.UpdateMeetingRequest(id=created.id, topic="月度经营分析会（调整）"),
        metadata=as_(harness, HR_CLERK),
    )
    assert (updated.topic, updated.sequence, updated.room_id) == (
        "月度经营分析会（调整）",
        1,
        room.id,
    )


def test_m01_bad_input_and_a_taken_room_map_to_status_codes(
    stub: meetings_pb2_grpc.MeetingsStub, harness: Harness
) -> None:
    room = harness.room()
    bad = request(room.id, participants=["nobody.known"])
    bad.end_at.FromDatetime(local(2026, 3, 12, 8))
    bad.duration_minutes = 0
    with pytest.raises(grpc.RpcError) as caught:
        stub.ScheduleMeeting(bad, metadata=as_(harness, HR_CLERK))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {e.field for e in field_errors_of(caught.value)}
    assert {"end_at", "participants[0]"} <= fields

    first = stub.ScheduleMeeting(request(room.id), metadata=as_(harness, HR_CLERK))
    with pytest.raises(grpc.RpcError) as caught:
        stub.ScheduleMeeting(request(room.id), metadata=as_(harness, FIN_CLERK))
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert first.id in (caught.value.details() or "")  # type: ignore[attr-defined]

    with pytest.raises(grpc.RpcError) as caught:
        stub.GetMeeting(meetings_pb2.GetMeetingRequest(id="nope"), metadata=as_(harness, HR_CLERK))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_m07_survey_results_leave_unknown_averages_unset(
    stub: meetings_pb2_grpc.MeetingsStub, harness: Harness
) -> None:
    meeting = harness.schedule(video_link="https://meet.example/1")
    results = stub.GetSurveyResults(
        meetings_pb2.GetMeetingRequest(id=meeting.id), metadata=as_(harness, HR_STAFF)
    )
    assert results.responses == 0
    assert not results.open
    assert not results.HasField("satisfaction")
    assert results.target == 85.0


def test_m01_a_patch_changes_only_the_fields_it_carries(
    stub: meetings_pb2_grpc.MeetingsStub, harness: Harness
) -> None:
    room = harness.room(video=True)
    created = stub.ScheduleMeeting(
        request(room.id, video_link="https://meet.example/1", recorder="hr.staff"),
        metadata=as_(harness, HR_CLERK),
    )

    # Absent fields stay; a present empty string clears (no room: video only).
    patch = meetings_pb2.UpdateMeetingRequest(id=created.id, room_id="", goals="")
    updated = stub.UpdateMeeting(patch, metadata=as_(harness, HR_CLERK))
    assert (updated.room_id, updated.video_link, updated.recorder) == (
        "",
        "https://meet.example/1",
        "hr.staff",
    )
    assert (updated.topic, len(updated.agenda), updated.duration_minutes) == (
        created.topic,
        1,
        60,
    )
    assert {p.username for p in updated.participants} == {"hr.staff", "fin.clerk"}

    # A non-empty list replaces; `clear` empties one.
    patch = meetings_pb2.UpdateMeetingRequest(
        id=created.id, participants=["hr.staff"], clear=["agenda"]
    )
    updated = stub.UpdateMeeting(patch, metadata=as_(harness, HR_CLERK))
    assert [p.username for p in updated.participants] == ["hr.staff"]
    assert list(updated.agenda) == []

    # Nothing to change is refused.
    with pytest.raises(grpc.RpcError) as caught:
        stub.UpdateMeeting(
            meetings_pb2.UpdateMeetingRequest(id=created.id), metadata=as_(harness, HR_CLERK)
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_lists_page_with_the_one_paging_policy(
    stub: meetings_pb2_grpc.MeetingsStub, harness: Harness
) -> None:
    for number in range(23):
        harness.room(name=f"会议室{number:02d}")
    first = stub.ListRooms(meetings_pb2.ListRoomsRequest(), metadata=as_(harness, HR_STAFF))
    assert (len(first.items), first.total, first.page, first.page_size) == (20, 23, 1, 20)
    last = stub.ListRooms(
        meetings_pb2.ListRoomsRequest(page=3, page_size=10), metadata=as_(harness, HR_STAFF)
    )
    assert [r.name for r in last.items] == ["会议室20", "会议室21", "会议室22"]
    with pytest.raises(grpc.RpcError) as caught:
        stub.ListMeetings(
            meetings_pb2.ListMeetingsRequest(page_size=101), metadata=as_(harness, HR_STAFF)
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    items = stub.ListActionItems(
        meetings_pb2.ListActionItemsRequest(), metadata=as_(harness, HR_STAFF)
    )
    assert (items.total, items.page, items.page_size) == (0, 1, 20)


def test_m01_calendar_files_are_http_bodies_named_for_download(
    stub: meetings_pb2_grpc.MeetingsStub, harness: Harness
) -> None:
    meeting = harness.schedule(video_link="https://meet.example/1")
    feed, call = stub.ExportPersonalCalendar.with_call(
        meetings_pb2.ExportPersonalCalendarRequest(), metadata=as_(harness, HR_STAFF)
    )
    assert feed.content_type == "text/calendar; charset=utf-8"
    assert f"UID:{meeting.id}@meetings.secretariat" in feed.data.decode()
    headers = dict(call.initial_metadata())
    assert headers["content-disposition"] == 'attachment; filename="meetings-hr.staff.ics"'


def test_m07_a_survey_answer_needs_all_three_scores_and_zero_counts(
    stub: meetings_pb2_grpc.MeetingsStub, harness: Harness
) -> None:
    meeting = harness.schedule(video_link="https://meet.example/1")
    harness.at(local(2026, 3, 12, 9))
    harness.uc.conduct.end(HR_CLERK, meeting.id)
    with pytest.raises(grpc.RpcError) as caught:
        stub.AnswerSurvey(
            meetings_pb2.AnswerSurveyRequest(id=meeting.id, agenda=90, materials=90),
            metadata=as_(harness, HR_STAFF),
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {e.field for e in field_errors_of(caught.value)} == {"logistics"}
    results = stub.AnswerSurvey(
        meetings_pb2.AnswerSurveyRequest(id=meeting.id, agenda=0, materials=0, logistics=0),
        metadata=as_(harness, HR_STAFF),
    )
    assert (results.responses, results.satisfaction) == (1, 0.0)
