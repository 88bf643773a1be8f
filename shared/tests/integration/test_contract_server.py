"""Every service checks the proto's field rules itself (issue 10 item 4): a
direct gRPC caller with a bad field gets INVALID_ARGUMENT with a
``google.rpc.BadRequest``, in its language, bounded; reflection answers only
service identities and carries the protos' comments."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from secretariat.documents.v1 import documents_pb2, documents_pb2_grpc
from secretariat_shared.clock import ManualClock
from secretariat_shared.contract.check import MAX_VIOLATIONS
from secretariat_shared.contract.status import LANGUAGE_METADATA, field_errors_of
from secretariat_shared.grpc_server import GrpcService, RunningService
from secretariat_shared.identity import (
    METADATA_KEY,
    SERVICE_AUDIENCE,
    Identity,
    IdentitySigner,
    IdentityVerifier,
    generate_keypair,
    service_token,
)

pytestmark = pytest.mark.integration

PRIVATE, PUBLIC = generate_keypair()
SECRET = "internal-secret-for-tests-0123456789"
CLERK = Identity(username="chen.jing", department_code="HR", roles=frozenset({"staff"}))


class Registry(documents_pb2_grpc.DocumentRegistryServicer):
    def __init__(self) -> None:
        self.calls = 0

    def RegisterDocument(self, request: Any, context: Any) -> documents_pb2.Document:
        self.calls += 1
        return documents_pb2.Document(id="d1", title=request.title)


@dataclass
class Server:
    stub: documents_pb2_grpc.DocumentRegistryStub
    channel: grpc.Channel
    registry: Registry
    clock: ManualClock


@pytest.fixture
def server() -> Iterator[Server]:
    clock = ManualClock()
    registry = Registry()
    running = RunningService(
        GrpcService(
            name="documents",
            verifier=IdentityVerifier(PUBLIC, clock, SECRET),
            register=lambda s: documents_pb2_grpc.add_DocumentRegistryServicer_to_server(
                registry, s
            ),
            service_names=["secretariat.documents.v1.DocumentRegistry"],
            grace_seconds=0.5,
        )
    ).start()
    channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")
    yield Server(documents_pb2_grpc.DocumentRegistryStub(channel), channel, registry, clock)
    channel.close()
    running.stop()


def as_clerk(server: Server, language: str = "") -> tuple[tuple[str, str], ...]:
    token = IdentitySigner(PRIVATE, server.clock).sign(CLERK, SERVICE_AUDIENCE, 60)
    metadata = [(METADATA_KEY, token)]
    if language:
        metadata.append((LANGUAGE_METADATA, language))
    return tuple(metadata)


GOOD = documents_pb2.RegisterDocumentRequest(
    title="关于培训的通知",
    type_code="04",
    department_code="HR",
    security_class="internal",
    retention="10y",
    priority="routine",
)


def test_a_bad_field_over_grpc_is_invalid_argument_with_bad_request(server: Server) -> None:
    bad = documents_pb2.RegisterDocumentRequest()
    bad.CopyFrom(GOOD)
    bad.security_class = "top"
    bad.title = ""
    with pytest.raises(grpc.RpcError) as caught:
        server.stub.RegisterDocument(bad, metadata=as_clerk(server))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    errors = {e.field: e.message for e in field_errors_of(caught.value)}
    assert errors["title"] == "必填"
    assert errors["security_class"].startswith("必须是以下之一")
    assert server.registry.calls == 0

    with pytest.raises(grpc.RpcError) as caught:
        server.stub.RegisterDocument(bad, metadata=as_clerk(server, "en"))
    assert {e.field: e.message for e in field_errors_of(caught.value)}["title"] == "is required"
    assert server.stub.RegisterDocument(GOOD, metadata=as_clerk(server)).id == "d1"


def test_a_hundred_bad_items_stay_a_bounded_bad_request(server: Server) -> None:
    bad = documents_pb2.RegisterDocumentRequest()
    bad.CopyFrom(GOOD)
    bad.readers.extend([""] * 150)
    with pytest.raises(grpc.RpcError) as caught:
        server.stub.RegisterDocument(bad, metadata=as_clerk(server))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert len(field_errors_of(caught.value)) == MAX_VIOLATIONS


def _reflect(server: Server, metadata: tuple[tuple[str, str], ...]) -> list[Any]:
    stub = reflection_pb2_grpc.ServerReflectionStub(server.channel)
    requests = [
        reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="secretariat.documents.v1.DocumentRegistry"
        )
    ]
    return list(stub.ServerReflectionInfo(iter(requests), metadata=metadata, timeout=5))


def test_reflection_answers_only_service_identities_and_carries_comments(server: Server) -> None:
    with pytest.raises(grpc.RpcError) as anonymous:
        _reflect(server, ())
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as person:
        _reflect(server, as_clerk(server))
    assert person.value.code() == grpc.StatusCode.PERMISSION_DENIED

    answers = _reflect(server, ((METADATA_KEY, service_token("gateway", SECRET, server.clock)),))
    files = [
        descriptor_pb2.FileDescriptorProto.FromString(raw)
        for answer in answers
        for raw in answer.file_descriptor_response.file_descriptor_proto
    ]
    documents = next(f for f in files if f.name == "secretariat/documents/v1/documents.proto")
    comments = " ".join(loc.leading_comments for loc in documents.source_code_info.location)
    assert "D-01" in comments
