"""The Meetings gRPC API over a real channel: identity, errors, mapping."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from meetings.entrypoints.grpc_servicer import MeetingsServicer
from meetings_testkit import FIN_CLERK, HR_CLERK, HR_STAFF, SEC_CLERK, Harness, local
from secretariat.meetings.v1 import meetings_pb2, meetings_pb2_grpc
from secretariat_shared.contract.status import field_errors_of
from secretariat_shared.grpc_server import (
    GrpcService,
    RunningService,
    identity_metadata,
)
from secretariat_shared.identity import (
    SERVICE_AUDIENCE,
    Identity,
    IdentitySigner,
    IdentityVerifier,
    generate_keypair,
)

pytestmark = pytest.mark.integration

PRIVATE, PUBLIC = generate_keypair()


@pytest.fixture
def stub(harness: Harness) -> Iterator[meetings_pb2_grpc.MeetingsStub]:
    uc = harness.uc
    servicer = MeetingsServicer(
        uc.planner, uc.preparation, uc.conduct, uc.minutes, uc.effectiveness, harness.clock.now
    )
    spec = GrpcService(
        name="meetings",
        verifier=IdentityVerifier(PUBLIC, harness.clock, "internal-secret-for-tests-0123456789"),
        register=lambda server: meetings_pb2_grpc.add_MeetingsServicer_to_server(servicer, server),
        service_names=["secretariat.meetings.v1.Meetings"],
        grace_seconds=1,
    )
    running = RunningService(spec).start()
    channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")
    yield meetings_pb2_grpc.MeetingsStub(channel)
    channel.close()
    running.stop()


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
    assert f"UID:{created.id}@meetings.secretariat" in calendar.content.decode()

    changes = meetings_pb2.ScheduleMeetingRequest(topic="月度经营分析会（调整）")
    updated = stub.UpdateMeeting(
        meetings_pb2.UpdateMeetingRequest(id=created.id, fields=["topic"], changes=changes),
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
