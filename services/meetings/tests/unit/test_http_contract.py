"""The Meetings proto is the HTTP contract (issue 10): every RPC declares its route, and
the routes are exactly the ones the gateway served before, with the same statuses."""

from __future__ import annotations

from google.api import annotations_pb2, http_pb2
from google.protobuf.descriptor import MethodDescriptor

from secretariat.api.v1 import options_pb2
from secretariat.meetings.v1 import meetings_pb2

SERVICE = meetings_pb2.DESCRIPTOR.services_by_name["Meetings"]

# (method, path, success status) of every route the gateway served for meetings; the
# path parameters keep their names too, so /openapi.json lists the same paths.
PUBLIC_ROUTES = {
    ("GET", "/api/v1/meetings/audit", 200),
    ("POST", "/api/v1/rooms", 201),
    ("GET", "/api/v1/rooms", 200),
    ("GET", "/api/v1/rooms/{id}", 200),
    ("GET", "/api/v1/rooms/{id}/bookings", 200),
    ("POST", "/api/v1/meetings", 201),
    ("GET", "/api/v1/meetings", 200),
    ("GET", "/api/v1/meetings/{id}", 200),
    ("PATCH", "/api/v1/meetings/{id}", 200),
    ("POST", "/api/v1/meetings/{id}/cancel", 200),
    ("GET", "/api/v1/meetings/{id}.ics", 200),
    ("GET", "/api/v1/me/calendar.ics", 200),
    ("GET", "/api/v1/meetings/{id}/checklist", 200),
    ("POST", "/api/v1/meetings/{id}/checklist/{milestone_id}/done", 200),
    ("GET", "/api/v1/meetings/{id}/elements", 200),
    ("POST", "/api/v1/meetings/{id}/elements/{key}/confirm", 200),
    ("POST", "/api/v1/meetings/{id}/check-in", 200),
    ("POST", "/api/v1/meetings/{id}/end", 200),
    ("POST", "/api/v1/meetings/{id}/speakers/start", 200),
    ("POST", "/api/v1/meetings/{id}/speakers/stop", 200),
    ("GET", "/api/v1/meetings/{id}/speakers", 200),
    ("POST", "/api/v1/meetings/{id}/minutes", 200),
    ("GET", "/api/v1/meetings/{id}/minutes", 200),
    ("POST", "/api/v1/meetings/{id}/minutes/approve", 200),
    ("GET", "/api/v1/action-items", 200),
    ("GET", "/api/v1/action-items/coordination", 200),
    ("PATCH", "/api/v1/action-items/{id}", 200),
    ("POST", "/api/v1/meetings/{id}/survey", 201),
    ("GET", "/api/v1/meetings/{id}/survey", 200),
    ("GET", "/api/v1/meetings/{id}/survey/qr.png", 200),  # added for M-07
    ("GET", "/api/v1/meetings/reports/effectiveness", 200),
    ("GET", "/api/v1/meetings/reports/effectiveness.csv", 200),
}


def _rule(method: MethodDescriptor) -> http_pb2.HttpRule:
    rule: http_pb2.HttpRule = method.GetOptions().Extensions[annotations_pb2.http]
    return rule


def _operation(method: MethodDescriptor) -> options_pb2.Operation:
    operation: options_pb2.Operation = method.GetOptions().Extensions[options_pb2.operation]
    return operation


def _route(method: MethodDescriptor) -> tuple[str, str, int]:
    rule = _rule(method)
    verb = rule.WhichOneof("pattern")
    assert verb is not None, f"{method.name} has no HTTP rule"
    return verb.upper(), getattr(rule, verb), _operation(method).status or 200


def test_every_rpc_declares_a_route_a_summary_and_a_tag() -> None:
    for method in SERVICE.methods:
        assert _operation(method).summary, method.name
        assert _operation(method).tag, method.name


def test_the_routes_are_the_ones_served_before() -> None:
    assert {_route(m) for m in SERVICE.methods} == PUBLIC_ROUTES


def test_creations_say_where_the_new_thing_is() -> None:
    for name, location in [
        ("CreateRoom", "/api/v1/rooms/{id}"),
        ("ScheduleMeeting", "/api/v1/meetings/{id}"),
    ]:
        assert _operation(SERVICE.methods_by_name[name]).location == location


def test_every_list_takes_and_answers_the_one_page_shape() -> None:
    for method in SERVICE.methods:
        if not method.name.startswith("List"):
            continue
        assert {"page", "page_size"} <= set(method.input_type.fields_by_name), method.name
        assert {"items", "total", "page", "page_size"} <= set(method.output_type.fields_by_name), (
            method.name
        )


def test_files_are_http_bodies_with_their_media_type() -> None:
    for name, media in [
        ("ExportMeetingCalendar", "text/calendar"),
        ("ExportPersonalCalendar", "text/calendar"),
        ("ExportEffectivenessReport", "text/csv"),
    ]:
        method = SERVICE.methods_by_name[name]
        assert method.output_type.full_name == "google.api.HttpBody"
        assert list(_operation(method).media_types) == [media]


def test_patch_fields_are_optional_so_absent_means_unchanged() -> None:
    for name in ("UpdateMeetingRequest", "UpdateActionItemRequest"):
        message = meetings_pb2.DESCRIPTOR.message_types_by_name[name]
        for field in message.fields:
            if field.name in ("id", "participants", "agenda", "clear"):
                continue
            assert field.has_presence, f"{name}.{field.name}"
