"""Transcoding /api/v1/documents… and /api/v1/inbox to services over real gRPC,
against in-process fakes of DocumentRegistry and Inbox that serve reflection
like every service: routes from the protos' HTTP rules, identity forwarding
(rule 7), JSON shapes, field rules, languages, and the mapping of gRPC statuses
to problems (rule 11)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from flask import Flask
from flask.testing import FlaskClient
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from secretariat.documents.v1 import documents_pb2, documents_pb2_grpc
from secretariat.infohub.v1 import infohub_pb2, infohub_pb2_grpc
from secretariat_shared.clock import ManualClock
from secretariat_shared.contract.conditional import conditional_answer
from secretariat_shared.contract.status import bad_request
from secretariat_shared.errors import FieldError
from secretariat_shared.identity import METADATA_KEY, Identity, IdentityVerifier

pytestmark = pytest.mark.integration

Login = Callable[..., dict[str, str]]


def stamp(when: datetime) -> Timestamp:
    result = Timestamp()
    result.FromDatetime(when)
    return result


REGISTERED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def sample_document(**overrides: Any) -> documents_pb2.Document:
    values: dict[str, Any] = {
        "id": "doc-1",
        "number": "HR-2026-04-001",
        "title": "关于培训的通知",
        "type_code": "04",
        "type_name": "notice",
        "department_code": "HR",
        "security_class": "internal",
        "retention": "10y",
        "priority": "routine",
        "readers": ["liu.yang"],
        "body": "正文",
        "label_colour": "green",
        "state": "proposed_handling",
        "registered_by": "chen.jing",
        "registered_at": stamp(REGISTERED_AT),
        "steps": [
            documents_pb2.Step(
                id="s1",
                kind="register",
                owners=["chen.jing"],
                state="done",
                opened_at=stamp(REGISTERED_AT),
                completed_at=stamp(REGISTERED_AT),
                completed_by="chen.jing",
            ),
            documents_pb2.Step(
                id="s2",
                kind="proposed_handling",
                owners=["chen.jing"],
                state="open",
                opened_at=stamp(REGISTERED_AT),
                due_at=stamp(datetime(2026, 3, 3, 9, 0, tzinfo=UTC)),
            ),
        ],
    }
    values.update(overrides)
    return documents_pb2.Document(**values)


@dataclass
class Failure:
    code: grpc.StatusCode
    message: str
    field_errors: list[dict[str, str]] | None = None


@dataclass
class Recorder:
    calls: list[tuple[str, Any, str | None]] = field(default_factory=list)
    failures: dict[str, Failure] = field(default_factory=dict)

    def record(self, method: str, request: Any, context: grpc.ServicerContext) -> None:
        token = dict(context.invocation_metadata()).get(METADATA_KEY)
        self.calls.append((method, request, token if isinstance(token, str) else None))
        failure = self.failures.get(method)
        if failure is not None:
            if failure.field_errors is not None:
                context.abort_with_status(
                    bad_request(
                        failure.message,
                        [FieldError(e["field"], e["message"]) for e in failure.field_errors],
                    )
                )
            context.abort(failure.code, failure.message)


class FakeRegistry(documents_pb2_grpc.DocumentRegistryServicer):
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def RegisterDocument(self, request: Any, context: Any) -> documents_pb2.Document:
        self.recorder.record("RegisterDocument", request, context)
        return sample_document(title=request.title, readers=list(request.readers))

    def GetDocument(self, request: Any, context: Any) -> documents_pb2.Document:
        self.recorder.record("GetDocument", request, context)
        return conditional_answer(context, sample_document(id=request.id))

    def ListDocuments(self, request: Any, context: Any) -> documents_pb2.ListDocumentsResponse:
        self.recorder.record("ListDocuments", request, context)
        return documents_pb2.ListDocumentsResponse(
            items=[sample_document()], total=1, page=request.page or 1, page_size=20
        )

    def CompleteStep(self, request: Any, context: Any) -> documents_pb2.Document:
        self.recorder.record("CompleteStep", request, context)
        return sample_document(state="circulating")

    def ListAuditEntries(
        self, request: Any, context: Any
    ) -> documents_pb2.ListAuditEntriesResponse:
        self.recorder.record("ListAuditEntries", request, context)
        return documents_pb2.ListAuditEntriesResponse(
            items=[
                documents_pb2.AuditEntry(
                    id=1,
                    at=stamp(REGISTERED_AT),
                    actor="chen.jing",
                    action="document.registered",
                    entity_type="document",
                    entity_id="doc-1",
                    after_json='{"state": "registered"}',
                )
            ],
            total=1,
        )


class FakeInbox(infohub_pb2_grpc.InboxServicer):
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def ListInbox(self, request: Any, context: Any) -> infohub_pb2.ListInboxResponse:
        self.recorder.record("ListInbox", request, context)
        item = infohub_pb2.InboxItem(
            id="i1",
            recipient="chen.jing",
            kind="document_step_assigned",
            title="请拟办：关于培训的通知",
            subject_ref="documents/doc-1",
            created_at=stamp(REGISTERED_AT),
        )
        return infohub_pb2.ListInboxResponse(items=[item], total=1, unread=1)

    def MarkRead(self, request: Any, context: Any) -> infohub_pb2.InboxItem:
        self.recorder.record("MarkRead", request, context)
        return infohub_pb2.InboxItem(
            id=request.id, recipient="chen.jing", read_at=stamp(REGISTERED_AT)
        )


@dataclass
class FakeServices:
    address: str
    recorder: Recorder
    health: health.HealthServicer


@pytest.fixture
def fake_services() -> Iterator[FakeServices]:
    recorder = Recorder()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    documents_pb2_grpc.add_DocumentRegistryServicer_to_server(FakeRegistry(recorder), server)
    infohub_pb2_grpc.add_InboxServicer_to_server(FakeInbox(recorder), server)
    health_servicer = health.HealthServicer()
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [
            documents_pb2.DESCRIPTOR.services_by_name["DocumentRegistry"].full_name,
            infohub_pb2.DESCRIPTOR.services_by_name["Inbox"].full_name,
            reflection.SERVICE_NAME,
        ],
        server,
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield FakeServices(f"127.0.0.1:{port}", recorder, health_servicer)
    finally:
        server.stop(0)


@pytest.fixture
def routed(make_app: Callable[..., Flask], fake_services: FakeServices) -> FlaskClient:
    app = make_app(documents_address=fake_services.address, infohub_address=fake_services.address)
    return app.test_client()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def forwarded(token: str | None, public_key: str, clock: ManualClock) -> Identity:
    return IdentityVerifier(public_key, clock).verify(token)


REGISTRATION = {
    "title": "关于培训的通知",
    "type_code": "04",
    "department_code": "HR",
    "security_class": "internal",
    "retention": "10y",
    "priority": "routine",
    "readers": ["liu.yang"],
    "handler_username": "chen.jing",
}


@pytest.mark.usefixtures("demo_org")
def test_register_forwards_the_callers_signed_identity_and_returns_the_document(
    routed: FlaskClient,
    login: Login,
    fake_services: FakeServices,
    keypair: tuple[str, str],
    clock: ManualClock,
) -> None:
    response = routed.post("/api/v1/documents", json=REGISTRATION, headers=login("chen.jing"))
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/v1/documents/doc-1"
    body = response.get_json()
    assert body["number"] == "HR-2026-04-001"
    assert body["label_colour"] == "green"
    assert body["registered_at"] == "2026-03-02T09:00:00Z"
    assert body["steps"][1]["due_at"] == "2026-03-03T09:00:00Z"
    assert body["steps"][1]["completed_at"] is None
    assert set(body) >= {
        "id", "number", "title", "type_code", "type_name", "department_code", "security_class",
        "retention", "priority", "readers", "body", "label_colour", "state", "registered_by",
        "registered_at", "steps",
    }  # fmt: skip

    method, request, token = fake_services.recorder.calls[-1]
    assert method == "RegisterDocument"
    assert request.title == "关于培训的通知"
    assert list(request.readers) == ["liu.yang"]
    assert request.handler_username == "chen.jing"
    identity = forwarded(token, keypair[1], clock)
    assert identity.username == "chen.jing"
    assert identity.department_code == "HR"
    assert identity.headed_departments == frozenset({"HR"})
    assert "hr" in identity.roles


@pytest.mark.usefixtures("demo_org")
def test_forwarded_identity_is_short_lived(
    routed: FlaskClient,
    login: Login,
    fake_services: FakeServices,
    keypair: tuple[str, str],
    clock: ManualClock,
) -> None:
    routed.get("/api/v1/documents/doc-1", headers=login("zhang.wei"))
    token = fake_services.recorder.calls[-1][2]
    clock.advance(61)
    with pytest.raises(Exception, match="expired"):
        forwarded(token, keypair[1], clock)


@pytest.mark.usefixtures("demo_org")
def test_a_read_the_client_holds_is_304_without_a_body_once_the_service_has_read_it(
    routed: FlaskClient, login: Login, fake_services: FakeServices
) -> None:
    headers = login("zhang.wei")
    first = routed.get("/api/v1/documents/doc-1", headers=headers)
    tag = first.headers["ETag"]
    assert first.status_code == 200
    assert first.get_json()["id"] == "doc-1"

    again = routed.get("/api/v1/documents/doc-1", headers={**headers, "If-None-Match": tag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == tag
    assert again.headers["Cache-Control"] == "no-store"
    # The service was asked (it decides access, X-03), with the tag the client holds.
    method, _, _ = fake_services.recorder.calls[-1]
    assert method == "GetDocument"
    assert len(fake_services.recorder.calls) == 2

    other = routed.get("/api/v1/documents/doc-2", headers={**headers, "If-None-Match": tag})
    assert other.status_code == 200
    assert other.headers["ETag"] != tag


@pytest.mark.usefixtures("demo_org")
def test_malformed_registration_is_422_at_the_gateway_without_calling_the_service(
    routed: FlaskClient, login: Login, fake_services: FakeServices
) -> None:
    response = routed.post(
        "/api/v1/documents",
        json={**REGISTRATION, "security_class": "top", "type_code": 4, "readers": "liu.yang"},
        headers=login("chen.jing"),
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert {"security_class", "type_code", "readers"} <= fields
    missing = routed.post("/api/v1/documents", json={}, headers=login("chen.jing"))
    assert {e["field"] for e in missing.get_json()["errors"]} >= {"title", "priority"}
    assert fake_services.recorder.calls == []


@pytest.mark.usefixtures("demo_org")
def test_document_search_maps_dates_to_the_organisation_day(
    routed: FlaskClient, login: Login, fake_services: FakeServices
) -> None:
    response = routed.get(
        "/api/v1/documents?q=培训&department_code=HR&type_code=04&from=2026-03-01"
        "&to=2026-03-31&page=2&page_size=20",
        headers=login("zhang.wei"),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "total", "page", "page_size"}
    assert body["items"][0]["number"] == "HR-2026-04-001"
    request = fake_services.recorder.calls[-1][1]
    assert request.q == "培训"
    assert request.page == 2
    assert request.registered_from.ToDatetime(tzinfo=UTC) == datetime(
        2026, 2, 28, 16, 0, tzinfo=UTC
    )
    assert request.registered_to.ToDatetime(tzinfo=UTC) == datetime(
        2026, 3, 31, 15, 59, 59, 999999, tzinfo=UTC
    )


@pytest.mark.usefixtures("demo_org")
def test_document_search_rejects_a_bad_date(routed: FlaskClient, login: Login) -> None:
    response = routed.get("/api/v1/documents?from=yesterday", headers=login("zhang.wei"))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "from"


@pytest.mark.usefixtures("demo_org")
def test_complete_step_and_audit_reach_the_service(
    routed: FlaskClient, login: Login, fake_services: FakeServices
) -> None:
    headers = login("chen.jing")
    completed = routed.post(
        "/api/v1/documents/doc-1/steps/s2/complete",
        json={"comment": "请传阅", "circulate_to": ["liu.yang", "zhang.wei"]},
        headers=headers,
    )
    assert completed.status_code == 200
    assert completed.get_json()["state"] == "circulating"
    request = fake_services.recorder.calls[-1][1]
    assert (request.document_id, request.step_id) == ("doc-1", "s2")
    assert list(request.circulate_to) == ["liu.yang", "zhang.wei"]

    trail = routed.get("/api/v1/documents/doc-1/audit", headers=headers).get_json()
    assert trail["total"] == 1
    assert trail["items"][0]["action"] == "document.registered"
    assert trail["items"][0]["at"] == "2026-03-02T09:00:00Z"
    assert fake_services.recorder.calls[-1][1].entity_id == "doc-1"

    routed.get("/api/v1/audit?actor=chen.jing", headers=login("ma.lin"))
    assert fake_services.recorder.calls[-1][1].actor == "chen.jing"


@pytest.mark.usefixtures("demo_org")
def test_inbox_lists_and_marks_read(
    routed: FlaskClient, login: Login, fake_services: FakeServices
) -> None:
    headers = login("chen.jing")
    inbox = routed.get("/api/v1/inbox?unread_only=true", headers=headers)
    assert inbox.status_code == 200
    body = inbox.get_json()
    assert (body["total"], body["unread"]) == (1, 1)
    assert body["items"][0]["title"] == "请拟办：关于培训的通知"
    assert body["items"][0]["read_at"] is None
    assert fake_services.recorder.calls[-1][1].unread_only is True
    read = routed.post("/api/v1/inbox/i1/read", headers=headers)
    assert read.status_code == 200
    assert read.get_json()["read_at"] == "2026-03-02T09:00:00Z"


STATUS_PROBLEMS = [
    (grpc.StatusCode.NOT_FOUND, 404),
    (grpc.StatusCode.ALREADY_EXISTS, 409),
    (grpc.StatusCode.FAILED_PRECONDITION, 409),
    (grpc.StatusCode.PERMISSION_DENIED, 403),
    (grpc.StatusCode.UNAUTHENTICATED, 401),
    (grpc.StatusCode.UNAVAILABLE, 503),
    (grpc.StatusCode.DEADLINE_EXCEEDED, 504),
    (grpc.StatusCode.INTERNAL, 500),
]


@pytest.mark.usefixtures("demo_org")
def test_service_status_becomes_a_problem(
    routed: FlaskClient,
    login: Login,
    fake_services: FakeServices,
    subtests: pytest.Subtests,
) -> None:
    """Every status on one gateway, a subtest each (a gateway per status cost a second each)."""
    headers = login("zhang.wei")
    for code, status in STATUS_PROBLEMS:
        with subtests.test(code=code.name):
            fake_services.recorder.failures["GetDocument"] = Failure(
                code, "secret detail at db.py:42"
            )
            response = routed.get("/api/v1/documents/doc-9", headers=headers)
            assert response.status_code == status
            assert response.content_type == "application/problem+json"
            problem = response.get_json()
            assert problem["status"] == status
            assert {"type", "title", "detail"} <= set(problem)
            if status >= 500:
                assert "db.py" not in problem["detail"]


@pytest.mark.usefixtures("demo_org")
def test_service_field_errors_become_422_errors(
    routed: FlaskClient, login: Login, fake_services: FakeServices
) -> None:
    fake_services.recorder.failures["RegisterDocument"] = Failure(
        grpc.StatusCode.INVALID_ARGUMENT,
        "invalid input",
        [{"field": "department_code", "message": "unknown department ZZ"}],
    )
    response = routed.post(
        "/api/v1/documents",
        json={**REGISTRATION, "department_code": "ZZ"},
        headers=login("chen.jing"),
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"field": "department_code", "message": "未知部门 ZZ"}]
    english = routed.post(
        "/api/v1/documents",
        json={**REGISTRATION, "department_code": "ZZ"},
        headers={**login("chen.jing"), "Accept-Language": "en"},
    )
    assert english.get_json()["errors"] == [
        {"field": "department_code", "message": "unknown department ZZ"}
    ]


@pytest.mark.usefixtures("demo_org")
def test_a_service_down_at_gateway_start_is_503_on_its_paths_and_unconfigured_is_404(
    make_app: Callable[..., Flask], login: Login
) -> None:
    headers = login("zhang.wei")
    unreachable = make_app(
        documents_address=f"127.0.0.1:{free_port()}", infohub_address=f"127.0.0.1:{free_port()}"
    ).test_client()
    for path in ("/api/v1/documents/doc-1", "/api/v1/inbox"):
        response = unreachable.get(path, headers=headers)
        assert response.status_code == 503
        assert response.content_type == "application/problem+json"
    unconfigured = make_app().test_client().get("/api/v1/documents/doc-1", headers=headers)
    assert unconfigured.status_code == 404
    assert unconfigured.content_type == "application/problem+json"


@pytest.mark.usefixtures("demo_org")
def test_problems_speak_chinese_by_default_and_english_on_request(
    routed: FlaskClient, login: Login, fake_services: FakeServices
) -> None:
    bad = {**REGISTRATION, "security_class": "top", "title": ""}
    chinese = routed.post("/api/v1/documents", json=bad, headers=login("chen.jing"))
    assert chinese.status_code == 422
    body = chinese.get_json()
    assert body["title"] == "校验未通过"
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages["title"] == "必填"
    assert messages["security_class"].startswith("必须是以下之一")
    english = routed.post(
        "/api/v1/documents",
        json=bad,
        headers={**login("chen.jing"), "Accept-Language": "en-GB,en;q=0.9"},
    )
    body = english.get_json()
    assert body["title"] == "Validation failed"
    assert {e["field"]: e["message"] for e in body["errors"]}["title"] == "is required"
    assert fake_services.recorder.calls == []


@pytest.mark.usefixtures("demo_org")
def test_an_undeclared_query_parameter_is_422_naming_it(
    routed: FlaskClient, login: Login, fake_services: FakeServices
) -> None:
    response = routed.get("/api/v1/documents?state=open", headers=login("zhang.wei"))
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["state"]
    assert fake_services.recorder.calls == []


@pytest.mark.usefixtures("demo_org")
def test_numbers_too_large_for_the_field_are_422_not_500(routed: FlaskClient, login: Login) -> None:
    headers = login("zhang.wei")
    for query in ("page=2147483648", "page_size=101", "page=0x10"):
        response = routed.get(f"/api/v1/documents?{query}", headers=headers)
        assert response.status_code == 422, query
    nested = "[" * 100_000 + "]" * 100_000
    deep = routed.post(
        "/api/v1/documents", data=nested, headers={**headers, "content-type": "application/json"}
    )
    assert deep.status_code in (400, 422)
    nul = routed.post(
        "/api/v1/documents", json={**REGISTRATION, "title": "a\x00b"}, headers=headers
    )
    assert nul.status_code == 422


def test_readyz_reports_each_dependency(
    make_app: Callable[..., Flask], fake_services: FakeServices
) -> None:
    healthy = make_app(documents_address=fake_services.address).test_client()
    ready = healthy.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "directory": "ok", "documents": "ok"}

    fake_services.health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    draining = healthy.get("/readyz")
    assert draining.status_code == 503
    assert "documents" in draining.get_json()["detail"]

    down = make_app(infohub_address=f"127.0.0.1:{free_port()}").test_client().get("/readyz")
    assert down.status_code == 503
    assert down.content_type == "application/problem+json"
    assert down.get_json()["checks"]["database"] == "ok"
    assert down.get_json()["checks"]["infohub"] != "ok"


def test_openapi_lists_the_services_routes_with_their_rules(routed: FlaskClient) -> None:
    spec = routed.get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    register = spec["paths"]["/api/v1/documents"]["post"]
    body = register["requestBody"]["content"]["application/json"]["schema"]
    request_schema = schemas[body["$ref"].rsplit("/", 1)[-1]]
    assert set(request_schema["required"]) >= {"title", "security_class"}
    assert request_schema["properties"]["security_class"]["enum"] == [
        "public",
        "internal",
        "confidential",
        "secret",
    ]
    assert request_schema["properties"]["title"]["maxLength"] == 500
    assert "201" in register["responses"]
    assert "Location" in register["responses"]["201"]["headers"]
    assert "application/problem+json" in register["responses"]["422"]["content"]
    assert any(p["name"] == "Idempotency-Key" for p in register["parameters"])
    search = spec["paths"]["/api/v1/documents"]["get"]
    parameters = {p["name"]: p for p in search["parameters"]}
    assert set(parameters) >= {"q", "from", "to", "page", "page_size"}
    assert parameters["page_size"]["schema"]["maximum"] == 100
    assert "/api/v1/documents/{entity_id}/audit" in spec["paths"]


@pytest.mark.usefixtures("demo_org")
def test_the_access_log_and_metrics_name_the_services_route_template(
    routed: FlaskClient, login: Login
) -> None:
    headers = login("zhang.wei")
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append  # type: ignore[method-assign]
    access = logging.getLogger("gateway.access")
    access.addHandler(handler)
    level = access.level
    access.setLevel(logging.INFO)
    try:
        assert routed.get("/api/v1/documents/doc-1", headers=headers).status_code == 200
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    [line] = records
    assert line.fields["route"] == "/api/v1/documents/{id}"  # type: ignore[attr-defined]
    assert line.fields["user"] == "zhang.wei"  # type: ignore[attr-defined]


@pytest.mark.usefixtures("demo_org")
def test_answers_are_the_same_byte_for_byte_with_tracing_on_where_flask_serves_every_request(
    make_app: Callable[..., Flask],
    fake_services: FakeServices,
    login: Login,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 20: transcoded requests skip Flask unless tracing is on; clients must
    not tell the two paths apart, errors (problem+json, Chinese first) included."""
    addresses = {
        "documents_address": fake_services.address,
        "infohub_address": fake_services.address,
    }
    fast = make_app(**addresses).test_client()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    traced = make_app(**addresses).test_client()
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT")
    user = login("zhang.wei")
    tag = fast.get("/api/v1/documents/doc-1", headers=user).headers["ETag"]
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/api/v1/documents/doc-1", {"headers": user}),
        ("GET", "/api/v1/documents/doc-1", {"headers": {**user, "If-None-Match": tag}}),
        ("GET", "/api/v1/documents/doc-1", {}),
        ("GET", "/api/v1/documents/doc-1", {"headers": {"Accept-Language": "en"}}),
        ("GET", "/api/v1/no/such/route", {"headers": user}),
        ("PUT", "/api/v1/documents/doc-1", {"headers": user}),
        ("GET", "/api/v1/auth/login", {}),
        ("GET", "/api/v1/me", {"headers": user}),
        ("DELETE", "/api/v1/me", {"headers": user}),
        ("POST", "/api/v1/documents", {"headers": user, "data": b"{not json"}),
        ("POST", "/api/v1/documents", {"headers": user, "data": b"x" * (4 * 1024 * 1024 + 1)}),
        ("POST", "/api/v1/documents", {"headers": {**user, "Idempotency-Key": "x" * 300}}),
        ("GET", "/api/v1/documents?page_size=1000", {"headers": user}),
    ]
    seen = set()
    for method, path, options in requests:
        one = fast.open(path, method=method, **options)
        other = traced.open(path, method=method, **options)
        assert one.status_code == other.status_code, (method, path)
        assert sorted(one.headers.items()) == sorted(other.headers.items()), (method, path)
        assert one.data == other.data, (method, path)
        assert one.headers["X-Frame-Options"] == "DENY"
        assert one.headers["Cache-Control"] == "no-store"
        seen.add(one.status_code)
    assert {200, 304, 400, 401, 404, 405, 413, 422} <= seen
    metrics = fast.get("/metrics").get_data(as_text=True)
    assert 'route="/api/v1/documents/{id}",status="200"' in metrics
