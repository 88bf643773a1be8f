"""Files through the transcoder (issue 10): an RPC whose HTTP body is a
`google.api.HttpBody` field gets the raw request body with its Content-Type
(a multipart form included), and an HttpBody answer is sent as it is, with
the headers the service set in the call's initial metadata. Exercised on
the approval engine's seal routes (SPEC D-09) against an in-process fake."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest
from flask import Flask
from flask.testing import FlaskClient
from google.api import httpbody_pb2
from grpc_reflection.v1alpha import reflection

from secretariat.documents.v1 import approvals_pb2, approvals_pb2_grpc

pytestmark = pytest.mark.integration

SEALED = b'{"sealed": {"payload": {"n": 1}}}\r\n'


class FakeSeals(approvals_pb2_grpc.ApprovalsServicer):
    def __init__(self) -> None:
        self.uploads: list[httpbody_pb2.HttpBody] = []

    def VerifySeal(self, request: Any, context: Any) -> approvals_pb2.VerifySealResponse:
        self.uploads.append(request.file)
        return approvals_pb2.VerifySealResponse(valid=True, reason="ok", seal_id="s1")

    def DownloadSeal(self, request: Any, context: Any) -> httpbody_pb2.HttpBody:
        context.send_initial_metadata(
            (
                ("content-disposition", 'attachment; filename="a.json"'),
                ("x-seal-id", "s1"),
                ("grpc-internal-thing", "no"),
            )
        )
        return httpbody_pb2.HttpBody(content_type="application/json; charset=utf-8", data=SEALED)


@pytest.fixture
def seals() -> Iterator[tuple[str, FakeSeals]]:
    fake = FakeSeals()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    approvals_pb2_grpc.add_ApprovalsServicer_to_server(fake, server)
    reflection.enable_server_reflection(
        [approvals_pb2.DESCRIPTOR.services_by_name["Approvals"].full_name, reflection.SERVICE_NAME],
        server,
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}", fake
    finally:
        server.stop(0)


@pytest.fixture
def routed(make_app: Callable[..., Flask], seals: tuple[str, FakeSeals]) -> FlaskClient:
    return make_app(documents_address=seals[0]).test_client()


@pytest.mark.usefixtures("demo_org")
def test_d09_a_raw_body_reaches_the_service_byte_for_byte_with_its_content_type(
    routed: FlaskClient, login: Callable[..., dict[str, str]], seals: tuple[str, FakeSeals]
) -> None:
    headers = {**login("chen.jing"), "Content-Type": "application/json"}
    reply = routed.post("/api/v1/seals/verify", data=SEALED, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    assert reply.get_json() == {"valid": True, "reason": "ok", "approval_id": "", "seal_id": "s1"}
    upload = seals[1].uploads[-1]
    assert (upload.content_type, upload.data) == ("application/json", SEALED)


@pytest.mark.usefixtures("demo_org")
def test_d09_a_multipart_form_reaches_the_service_as_it_came(
    routed: FlaskClient, login: Callable[..., dict[str, str]], seals: tuple[str, FakeSeals]
) -> None:
    reply = routed.post(
        "/api/v1/seals/verify",
        data={"file": (io.BytesIO(SEALED), "sealed.json")},
        headers=login("chen.jing"),
        content_type="multipart/form-data",
    )
    assert reply.status_code == 200, reply.get_json()
    upload = seals[1].uploads[-1]
    assert upload.content_type.startswith("multipart/form-data; boundary=")
    assert SEALED in upload.data


@pytest.mark.usefixtures("demo_org")
def test_d09_a_file_answer_carries_the_services_headers(
    routed: FlaskClient, login: Callable[..., dict[str, str]]
) -> None:
    reply = routed.get("/api/v1/approvals/a1/seal", headers=login("chen.jing"))
    assert reply.status_code == 200
    assert reply.data == SEALED
    assert reply.headers["Content-Type"] == "application/json; charset=utf-8"
    assert reply.headers["Content-Disposition"] == 'attachment; filename="a.json"'
    assert reply.headers["X-Seal-Id"] == "s1"
    assert reply.headers["Cache-Control"] == "no-store"
    assert "grpc-internal-thing" not in reply.headers


def test_d09_openapi_lists_the_file_body_and_the_file_answer(routed: FlaskClient) -> None:
    document = routed.get("/openapi.json").get_json()
    verify = document["paths"]["/api/v1/seals/verify"]["post"]
    assert verify["requestBody"]["content"] == {
        "*/*": {"schema": {"type": "string", "format": "binary"}}
    }
    download = document["paths"]["/api/v1/approvals/{approval_id}/seal"]["get"]
    assert list(download["responses"]["200"]["content"]) == ["application/json; charset=utf-8"]
