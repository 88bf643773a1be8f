"""The transcoding library on its own, without a gateway (issue 10): routes from
a service's descriptors, a request message from HTTP parts, the OpenAPI document."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from secretariat_shared.contract.catalog import build_snapshot
from secretariat_shared.contract.openapi import document
from secretariat_shared.contract.path_templates import UnsupportedTemplate, parse_template
from secretariat_shared.contract.routes import Route, load_fallback
from secretariat_shared.contract.transcoding import BodyNotObject, location, request_message

pytestmark = pytest.mark.unit
ZONE = ZoneInfo("Asia/Shanghai")


def documents_routes() -> dict[tuple[str, str], Route]:
    """The documents service's routes from this build's generated modules (service down)."""
    loaded = load_fallback("documents", "127.0.0.1:1", "UNAVAILABLE")
    assert not loaded.live
    return {(r.http_method, r.template.text): r for r in loaded.routes}


def test_a_path_template_binds_fields_with_a_literal_suffix() -> None:
    template = parse_template("/api/v1/meetings/{id}.ics")
    assert template.fields == ("id",)
    assert template.rule == "/api/v1/meetings/<id>.ics"
    assert template.openapi_path == "/api/v1/meetings/{id}.ics"
    with pytest.raises(UnsupportedTemplate):
        parse_template("/v1/outside-the-api")


def test_a_service_down_still_has_the_routes_of_its_generated_modules() -> None:
    route = documents_routes()[("POST", "/api/v1/documents")]
    assert route.rpc_path == "/secretariat.documents.v1.DocumentRegistry/RegisterDocument"
    assert route.body == "*"
    assert route.operation.status == 201


def test_a_request_message_lists_every_violation_and_refuses_a_non_object_body() -> None:
    route = documents_routes()[("POST", "/api/v1/documents")]
    message, found = request_message(
        route, {}, {}, b'{"title": "", "colour": "red"}', "application/json", ZONE
    )
    fields = {violation.field for violation in found}
    assert {"colour", "title", "security_class"} <= fields
    assert message.title == ""
    with pytest.raises(BodyNotObject):
        request_message(route, {}, {}, b"[1]", "application/json", ZONE)


def test_location_is_filled_from_the_answer() -> None:
    assert location("/api/v1/documents/{id}", {"id": "a b", "title": "x"}) == (
        "/api/v1/documents/a%20b"
    )


def test_the_openapi_document_describes_the_route_and_the_problem_body() -> None:
    loaded = load_fallback("documents", "127.0.0.1:1", "UNAVAILABLE")
    snapshot = build_snapshot({"documents": loaded})
    built = document(snapshot, {}, {})
    register = built["paths"]["/api/v1/documents"]["post"]
    assert register["x-grpc-method"].endswith("/RegisterDocument")
    assert "Location" in register["responses"]["201"]["headers"]
    assert {"401", "409", "422", "503"} <= set(register["responses"])
    assert "ProblemOut" in built["components"]["schemas"]
    assert document(snapshot, {}, {}) is built
