"""HTTP JSON and query strings read into the Meetings requests by the one JSON mapping
and field checker the gateway uses (issue 10), then into the use cases' inputs: the
behaviour a caller of the transcoded routes sees (M-01, M-05, M-07)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from meetings.entrypoints.grpc_servicer import meeting_patch
from secretariat.meetings.v1 import meetings_pb2
from secretariat_shared.contract.check import violations
from secretariat_shared.contract.json_mapping import from_json, from_query

ZONE = ZoneInfo("Asia/Shanghai")


def body(message: Any, data: dict[str, Any], *path: str) -> set[str]:
    """Read a JSON body as the gateway does; the fields it refuses."""
    found = from_json(data, message, ZONE, skip=path) or violations(message)
    return {v.field for v in found}


def query(message: Any, args: dict[str, str], *path: str) -> set[str]:
    found = from_query({k: [v] for k, v in args.items()}, message, ZONE, skip=path)
    return {v.field for v in found or violations(message)}


def test_m01_patch_changes_only_what_the_body_carries() -> None:
    request = meetings_pb2.UpdateMeetingRequest(id="m1")
    refused = body(
        request,
        {"topic": "新议题", "room_id": "", "recorder": None, "agenda": [], "important": False},
    )
    assert refused == set()
    fields, changes = meeting_patch(request)
    # null is "not given", like a missing field; "" and false are values.
    assert fields == {"topic", "room_id", "important"}
    assert (changes.topic, changes.room_id, changes.important) == ("新议题", "", False)


def test_m01_patch_empties_a_list_only_when_asked() -> None:
    request = meetings_pb2.UpdateMeetingRequest(id="m1")
    assert body(request, {"participants": ["hr.staff"], "clear": ["agenda"]}) == set()
    fields, changes = meeting_patch(request)
    assert fields == {"participants", "agenda"}
    assert (changes.participants, changes.agenda) == (["hr.staff"], [])
    assert body(meetings_pb2.UpdateMeetingRequest(id="m1"), {"clear": ["topic"]}) == {"clear[0]"}


def test_m01_patch_refuses_what_the_old_schema_refused() -> None:
    refused = body(
        meetings_pb2.UpdateMeetingRequest(id="m1"),
        {"topic": "", "type": "party", "duration_minutes": 0, "security_class": "top"},
    )
    assert refused == {"topic", "type", "duration_minutes", "security_class"}


def test_m01_scheduling_needs_topic_type_and_start() -> None:
    refused = body(meetings_pb2.ScheduleMeetingRequest(), {"goals": "x", "duration_minutes": None})
    assert refused == {"topic", "type", "start_at"}
    request = meetings_pb2.ScheduleMeetingRequest()
    ok = body(
        request,
        {
            "topic": "季度工作部署会",
            "type": "decision",
            "start_at": "2026-03-12T09:00:00",
            "duration_minutes": 60,
            "agenda": [{"title": "重点任务", "minutes_allotted": 30}],
        },
    )
    assert ok == set()
    # A time without a zone is the organisation's.
    assert request.start_at.ToDatetime(tzinfo=UTC) == datetime(2026, 3, 12, 1, tzinfo=UTC)


def test_m05_minutes_need_key_points_and_dated_action_items() -> None:
    refused = body(
        meetings_pb2.SubmitMinutesRequest(id="m1"),
        {
            "sections": [{"key_points": []}],
            "action_items": [{"title": "报送", "owner": "hr.staff", "due_date": "20.3.2026"}],
        },
        "id",
    )
    assert refused == {"sections[0].key_points", "action_items[0].due_date"}
    request = meetings_pb2.SubmitMinutesRequest(id="m1")
    assert body(request, {"sections": [{"key_points": ["任务分解到人"], "title": "x"}]}) == set()
    assert request.sections[0].title == ""  # written by the service only


def test_m07_survey_scores_are_0_to_100_and_0_counts() -> None:
    assert body(
        meetings_pb2.AnswerSurveyRequest(id="m1"), {"agenda": 101, "materials": 90}, "id"
    ) == {"agenda", "logistics"}
    request = meetings_pb2.AnswerSurveyRequest(id="m1")
    assert body(request, {"agenda": 0, "materials": 0, "logistics": 0}, "id") == set()
    assert request.HasField("agenda")


def test_m07_a_report_period_of_dates_covers_whole_days() -> None:
    request = meetings_pb2.EffectivenessReportRequest()
    assert query(request, {"from": "2026-03-01", "to": "2026-03-31"}) == set()
    start = request.window_start.ToDatetime(tzinfo=UTC).astimezone(ZONE)
    end = request.window_end.ToDatetime(tzinfo=UTC).astimezone(ZONE)
    assert (start.isoformat(), end.date().isoformat(), end.hour) == (
        "2026-03-01T00:00:00+08:00",
        "2026-03-31",
        23,
    )
    assert query(meetings_pb2.EffectivenessReportRequest(), {}) == {"from", "to"}


def test_lists_take_the_old_query_names_and_refuse_unknown_ones() -> None:
    request = meetings_pb2.ListRoomsRequest()
    assert query(request, {"from": "2026-03-12T09:00", "video_capable": "true"}) == set()
    assert request.video_capable_only
    assert request.HasField("available_from")
    assert query(meetings_pb2.ListRoomsRequest(), {"state": "open"}) == {"state"}
    assert query(meetings_pb2.ListMeetingsRequest(), {"page_size": "200"}) == {"page_size"}
    assert query(meetings_pb2.ListActionItemsRequest(), {"status": "lost"}) == {"status"}
    assert query(meetings_pb2.ListCoordinationItemsRequest(), {"month": "2026-13"}) == {"month"}
