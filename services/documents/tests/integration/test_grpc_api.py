"""The DocumentRegistry over a real gRPC channel: identity, errors, mapping."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from documents.entrypoints.grpc_servicer import DocumentRegistryServicer
from documents_testkit import FIN_CLERK, HR_CLERK, HR_HEAD, Harness, person
from secretariat.documents.v1 import documents_pb2, documents_pb2_grpc
from secretariat_shared.contract.conditional import ETAG, IF_NONE_MATCH, NOT_MODIFIED
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
from secretariat_shared.service import Servicer
from secretariat_shared.testing import GrpcServerFactory, keypair_for_tests

pytestmark = pytest.mark.integration

PRIVATE = keypair_for_tests()[0]
OTHER_PRIVATE, _ = generate_keypair()
HR_STAFF = person("hr.staff", "HR")


@pytest.fixture
def stub(
    harness: Harness, grpc_server: GrpcServerFactory
) -> documents_pb2_grpc.DocumentRegistryStub:
    servicer = DocumentRegistryServicer(harness.register)
    server = grpc_server(
        servicers=[Servicer.of(documents_pb2, documents_pb2_grpc, "DocumentRegistry", servicer)],
        clock=harness.clock,
    )
    return documents_pb2_grpc.DocumentRegistryStub(server.channel)


def token(harness: Harness, key: str = PRIVATE, ttl: int = 60) -> tuple[tuple[str, str], ...]:
    return identity_metadata(
        IdentitySigner(key, harness.clock).sign(HR_CLERK, SERVICE_AUDIENCE, ttl)
    )


REQUEST = documents_pb2.RegisterDocumentRequest(
    title="人事制度汇编",
    type_code="01",
    department_code="HR",
    security_class="internal",
    retention="30y",
    priority="routine",
)


def test_x03_call_without_identity_is_unauthenticated(
    stub: documents_pb2_grpc.DocumentRegistryStub,
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.RegisterDocument(REQUEST)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_x03_forged_identity_is_unauthenticated(
    stub: documents_pb2_grpc.DocumentRegistryStub, harness: Harness
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.RegisterDocument(REQUEST, metadata=token(harness, key=OTHER_PRIVATE))
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as garbage:
        stub.RegisterDocument(REQUEST, metadata=identity_metadata("not-a-token"))
    assert garbage.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_x03_expired_identity_is_unauthenticated(
    stub: documents_pb2_grpc.DocumentRegistryStub, harness: Harness
) -> None:
    metadata = token(harness, ttl=60)
    harness.clock.advance(61)
    with pytest.raises(grpc.RpcError) as caught:
        stub.RegisterDocument(REQUEST, metadata=metadata)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "expired" in (caught.value.details() or "")


def test_valid_identity_registers_and_reads(
    stub: documents_pb2_grpc.DocumentRegistryStub, harness: Harness
) -> None:
    created = stub.RegisterDocument(REQUEST, metadata=token(harness))
    assert created.number == "HR-2026-01-001"
    assert created.label_colour == "yellow"
    fetched = stub.GetDocument(
        documents_pb2.GetDocumentRequest(id=created.id), metadata=token(harness)
    )
    assert fetched.title == "人事制度汇编"
    assert fetched.registered_by == "hr.clerk"


def test_invalid_input_is_invalid_argument_with_field_reasons(
    stub: documents_pb2_grpc.DocumentRegistryStub, harness: Harness
) -> None:
    bad = documents_pb2.RegisterDocumentRequest()
    bad.CopyFrom(REQUEST)
    bad.type_code = "99"
    with pytest.raises(grpc.RpcError) as caught:
        stub.RegisterDocument(bad, metadata=token(harness))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_errors_of(caught.value)[0].field == "type_code"


def test_unreadable_document_is_not_found(
    stub: documents_pb2_grpc.DocumentRegistryStub, harness: Harness
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetDocument(documents_pb2.GetDocumentRequest(id="missing"), metadata=token(harness))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def _as(harness: Harness, who: Identity, *extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    signed = IdentitySigner(PRIVATE, harness.clock).sign(who, SERVICE_AUDIENCE, 60)
    return (*identity_metadata(signed), *extra)


def test_a_read_carries_its_etag_and_a_matching_one_gets_not_modified_after_x03_and_audit(
    stub: documents_pb2_grpc.DocumentRegistryStub, harness: Harness
) -> None:
    secret = documents_pb2.RegisterDocumentRequest()
    secret.CopyFrom(REQUEST)
    secret.security_class = "secret"
    secret.readers.extend(["fin.clerk", "hr.head"])
    created = stub.RegisterDocument(secret, metadata=token(harness))
    ask = documents_pb2.GetDocumentRequest(id=created.id)

    full, call = stub.GetDocument.with_call(ask, metadata=_as(harness, FIN_CLERK))
    tag = dict(call.initial_metadata())[ETAG]
    assert full.title == "人事制度汇编"
    assert tag.startswith('"')

    again, call = stub.GetDocument.with_call(
        ask, metadata=_as(harness, FIN_CLERK, (IF_NONE_MATCH, f'"other", W/{tag}'))
    )
    assert again == documents_pb2.Document()
    assert dict(call.initial_metadata()) == {ETAG: tag, NOT_MODIFIED: "1"}
    # The read happened: a classified read is audited even when answered 304.
    assert harness.audit_actions(created.id).count("read_classified") == 2

    # Who may not read it learns nothing from a tag, not even that it matched.
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetDocument(ask, metadata=_as(harness, HR_STAFF, (IF_NONE_MATCH, tag)))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND

    step = full.steps[-1]
    stub.CompleteStep(
        documents_pb2.CompleteStepRequest(document_id=created.id, step_id=step.id),
        metadata=_as(harness, HR_HEAD),
    )
    changed, call = stub.GetDocument.with_call(
        ask, metadata=_as(harness, FIN_CLERK, (IF_NONE_MATCH, tag))
    )
    assert changed.state != full.state
    assert dict(call.initial_metadata())[ETAG] != tag
    assert NOT_MODIFIED not in dict(call.initial_metadata())


def test_health_is_serving_without_identity(harness: Harness) -> None:
    spec = GrpcService(
        name="documents",
        verifier=IdentityVerifier(keypair_for_tests()[1], harness.clock),
        register=lambda server: None,
        service_names=["secretariat.documents.v1.DocumentRegistry"],
        grace_seconds=1,
    )
    running = RunningService(spec).start()
    with grpc.insecure_channel(f"127.0.0.1:{running.port}") as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="secretariat.documents.v1.DocumentRegistry")
        )
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        running.stop()
        with pytest.raises(grpc.RpcError):
            health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
