"""The Information proto carries issue 15's fixed HTTP paths and fields (the public
contract), each with its success status."""

from __future__ import annotations

from google.api import annotations_pb2, http_pb2
from google.protobuf.descriptor import MethodDescriptor

from secretariat.api.v1 import options_pb2
from secretariat.infohub.v1 import information_pb2

SERVICE = information_pb2.DESCRIPTOR.services_by_name["Information"]

# Fixed by issue 15; the others were added beside them.
FIXED_ROUTES = {
    ("POST", "/api/v1/info/items", 201),
    ("GET", "/api/v1/info/items", 200),
    ("POST", "/api/v1/info/items/{id}/triage", 200),
    ("POST", "/api/v1/info/items/{id}/reviews", 200),
    ("GET", "/api/v1/info/bulletins/{date}", 200),
    ("GET", "/api/v1/info/bulletins/{date}.pdf", 200),
    ("GET", "/api/v1/info/bulletins/{date}.html", 200),
    ("GET", "/api/v1/info/items/{id}/receipts", 200),
    ("GET", "/api/v1/info/effectiveness", 200),
    ("GET", "/api/v1/me/notification-preferences", 200),
    ("PUT", "/api/v1/me/notification-preferences", 200),
}


def _route(method: MethodDescriptor) -> tuple[str, str, int]:
    rule: http_pb2.HttpRule = method.GetOptions().Extensions[annotations_pb2.http]
    operation: options_pb2.Operation = method.GetOptions().Extensions[options_pb2.operation]
    verb = rule.WhichOneof("pattern")
    assert verb is not None, f"{method.name} has no HTTP rule"
    return verb.upper(), getattr(rule, verb), operation.status or 200


def test_issue15_fixed_routes_are_declared() -> None:
    assert {_route(m) for m in SERVICE.methods} >= FIXED_ROUTES


def test_issue15_fixed_request_fields() -> None:
    fields = information_pb2.TriageItemRequest.DESCRIPTOR.fields_by_name
    assert {"importance", "urgency"} <= set(fields)
    assert "stage" in information_pb2.ReviewItemRequest.DESCRIPTOR.fields_by_name
    assert "month" in information_pb2.EffectivenessRequest.DESCRIPTOR.fields_by_name
    assert "email" in information_pb2.NotificationPreferences.DESCRIPTOR.fields_by_name


def test_every_list_answers_the_one_page_shape() -> None:
    method = SERVICE.methods_by_name["ListItems"]
    assert {"page", "page_size"} <= set(method.input_type.fields_by_name)
    assert {"items", "total", "page", "page_size"} <= set(method.output_type.fields_by_name)
