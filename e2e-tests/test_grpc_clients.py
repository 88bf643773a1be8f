"""Issue 19, docs/grpc.md: an internal system calls a service's gRPC port
directly with a service account's client-credentials token. An administrator
creates the account over HTTP; the token lists documents on the documents
service (public ones only: the account has no department and no role, SPEC
X-03), is PERMISSION_DENIED on a method it does not name, and is refused by the
HTTP API. The Python example of the docs runs as written."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable

import grpc
import httpx
import pytest
from grpc_client_example import client_token, list_documents
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from e2ekit import Api, document, new_unit
from run_system import ROOT, System
from secretariat.documents.v1 import documents_pb2, documents_pb2_grpc

pytestmark = pytest.mark.e2e

LIST = "secretariat.documents.v1.DocumentRegistry/ListDocuments"
GET = "secretariat.documents.v1.DocumentRegistry/GetDocument"


def test_issue19_a_service_account_calls_its_methods_on_the_service_port(
    system: System, admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    clerk = login(unit.clerk)
    marker = uuid.uuid4().hex[:8]
    ids = {}
    for security_class in ("public", "internal"):
        reply = clerk.post(
            "/api/v1/documents",
            json=document(
                unit.code, title=f"对接测试{marker}{security_class}", security_class=security_class
            ),
        )
        assert reply.status_code == 201, reply.text
        ids[security_class] = reply.json()["id"]

    client_id = f"e2e-{marker}"
    created = admin.post(
        "/api/v1/service-accounts",
        json={"client_id": client_id, "name": "端到端对接程序", "allowed_methods": [LIST, GET]},
    )
    assert created.status_code == 201, created.text
    secret = created.json()["client_secret"]

    issued = client_token(system.http_url, client_id, secret)
    assert issued["scope"].split() == sorted([LIST, GET])
    target = system.address("documents")
    listed = list_documents(target, issued["access_token"], query=f"对接测试{marker}")
    assert [d.id for d in listed.items] == [ids["public"]]
    assert listed.total == 1

    bearer = (("authorization", f"Bearer {issued['access_token']}"),)
    with grpc.insecure_channel(target) as channel:
        stub = documents_pb2_grpc.DocumentRegistryStub(channel)
        public = stub.GetDocument(
            documents_pb2.GetDocumentRequest(id=ids["public"]), metadata=bearer
        )
        assert public.security_class == "public"
        with pytest.raises(grpc.RpcError) as hidden:
            stub.GetDocument(documents_pb2.GetDocumentRequest(id=ids["internal"]), metadata=bearer)
        assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.RpcError) as denied:
            stub.RegisterDocument(
                documents_pb2.RegisterDocumentRequest(title="不该登记", department_code=unit.code),
                metadata=bearer,
            )
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "此服务账号无权调用" in (denied.value.details() or "")

    # What `grpcurl list` and `describe` ask (docs/grpc.md): server reflection, with the token.
    assert "secretariat.documents.v1.DocumentRegistry" in reflected_services(target, bearer)

    # The token is no access token of the HTTP API; a person's keeps working.
    as_client = httpx.get(
        f"{system.http_url}/api/v1/documents",
        headers={"Authorization": f"Bearer {issued['access_token']}"},
        timeout=30,
    )
    assert as_client.status_code == 401
    assert clerk.get("/api/v1/documents").status_code == 200

    # Disabled: no new token.
    assert admin.post(f"/api/v1/service-accounts/{client_id}/disable").status_code == 200
    with pytest.raises(Exception, match="401"):
        client_token(system.http_url, client_id, secret)


def reflected_services(target: str, metadata: tuple[tuple[str, str], ...]) -> set[str]:
    """The services a server lists over gRPC reflection (v1alpha, as grpcurl asks)."""
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    with grpc.insecure_channel(target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        answers = list(stub.ServerReflectionInfo(iter([request]), metadata=metadata, timeout=10))
    return {s.name for a in answers for s in a.list_services_response.service}


def test_issue19_the_documented_python_example_runs_with_the_demo_account(system: System) -> None:
    ran = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "grpc_client_example.py"),
            "--gateway",
            system.http_url,
            "--target",
            system.address("documents"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert "documents readable by demo-reader" in ran.stdout
