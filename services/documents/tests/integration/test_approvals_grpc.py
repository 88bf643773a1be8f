"""The Approvals API over a real gRPC channel: identities, mapping, error codes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import grpc
import pytest

from approvals_testkit import ApprovalHarness, who
from documents.entrypoints.approvals_servicer import ApprovalsServicer
from secretariat.documents.v1 import approvals_pb2, approvals_pb2_grpc
from secretariat_shared.contract.status import field_errors_of
from secretariat_shared.grpc_server import (
    GrpcService,
    RunningService,
    identity_metadata,
)
from secretariat_shared.identity import (
    SERVICE_AUDIENCE,
    IdentitySigner,
    IdentityVerifier,
    generate_keypair,
    service_token,
)

pytestmark = pytest.mark.integration

PRIVATE, PUBLIC = generate_keypair()
INTERNAL = "internal-secret-for-tests-0123456789"
PAYLOAD = json.dumps({"items": [{"name": "订书机", "quantity": 2}]}, ensure_ascii=False)


@pytest.fixture
def stub(approvals: ApprovalHarness) -> Iterator[approvals_pb2_grpc.ApprovalsStub]:
    servicer = ApprovalsServicer(approvals.engine)
    spec = GrpcService(
        name="documents",
        verifier=IdentityVerifier(PUBLIC, approvals.clock, INTERNAL),
        register=lambda server: approvals_pb2_grpc.add_ApprovalsServicer_to_server(
            servicer, server
        ),
        service_names=["secretariat.documents.v1.Approvals"],
        grace_seconds=1,
    )
    running = RunningService(spec).start()
    channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")
    yield approvals_pb2_grpc.ApprovalsStub(channel)
    channel.close()
    running.stop()


def as_(h: ApprovalHarness, username: str) -> tuple[tuple[str, str], ...]:
    return identity_metadata(
        IdentitySigner(PRIVATE, h.clock).sign(who(username), SERVICE_AUDIENCE, 60)
    )


def test_d06_people_start_and_approvers_decide_over_grpc(
    stub: approvals_pb2_grpc.ApprovalsStub, approvals: ApprovalHarness
) -> None:
    h = approvals
    started = stub.StartApproval(
        approvals_pb2.StartApprovalRequest(
            template="supply_requisition", subject="领用订书机", payload_json=PAYLOAD
        ),
        metadata=as_(h, "hr.staff"),
    )
    assert started.status == "in_progress"
    assert started.current_step == 0
    assert list(started.steps[0].approvers) == ["hr.head"]
    assert started.steps[1].state == "pending"
    assert started.steps[0].HasField("due_at")
    pending = stub.ListPendingForMe(
        approvals_pb2.ListPendingForMeRequest(), metadata=as_(h, "hr.head")
    )
    assert [a.id for a in pending.items] == [started.id]
    decided = stub.Decide(
        approvals_pb2.DecideRequest(approval_id=started.id, action="approve", comment="同意"),
        metadata=as_(h, "hr.head"),
    )
    assert decided.current_step == 1
    assert decided.steps[0].decisions[0].actor == "hr.head"
    assert [e.action for e in decided.history] == [
        "started",
        "step_opened",
        "approved",
        "step_opened",
    ]
    templates = stub.ListTemplates(
        approvals_pb2.ListTemplatesRequest(), metadata=as_(h, "hr.staff")
    )
    assert len(templates.templates) == 12
    purchase = next(t for t in templates.templates if t.key == "purchase")
    assert json.loads(purchase.steps[2].conditions[0].value_json) == 50_000
    assert json.loads(purchase.form_schema_json)["required"] == ["description", "amount"]


def test_d06_services_start_with_an_internal_token_for_a_requester(
    stub: approvals_pb2_grpc.ApprovalsStub, approvals: ApprovalHarness
) -> None:
    h = approvals
    metadata = identity_metadata(service_token("facilities", INTERNAL, h.clock))
    request = approvals_pb2.StartApprovalRequest(
        template="supply_requisition", subject="领用", payload_json=PAYLOAD, source_ref="R-9"
    )
    with pytest.raises(grpc.RpcError) as missing:
        stub.StartApproval(request, metadata=metadata)
    assert missing.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    request.requester_username = "fin.clerk"
    started = stub.StartApproval(request, metadata=metadata)
    assert (started.requester, started.source_service, started.source_ref) == (
        "fin.clerk",
        "facilities",
        "R-9",
    )


def test_d09_errors_map_to_grpc_codes_with_field_reasons(
    stub: approvals_pb2_grpc.ApprovalsStub, approvals: ApprovalHarness
) -> None:
    h = approvals
    with pytest.raises(grpc.RpcError) as bad:
        stub.StartApproval(
            approvals_pb2.StartApprovalRequest(template="nope", subject="x", payload_json="{}"),
            metadata=as_(h, "hr.staff"),
        )
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_errors_of(bad.value)[0].field == "template"
    started = stub.StartApproval(
        approvals_pb2.StartApprovalRequest(
            template="supply_requisition", subject="领用", payload_json=PAYLOAD
        ),
        metadata=as_(h, "hr.staff"),
    )
    decide = approvals_pb2.DecideRequest(approval_id=started.id, action="approve")
    for username, code in [
        ("outsider", grpc.StatusCode.NOT_FOUND),
        ("hr.staff", grpc.StatusCode.PERMISSION_DENIED),
    ]:
        with pytest.raises(grpc.RpcError) as caught:
            stub.Decide(decide, metadata=as_(h, username))
        assert caught.value.code() == code
    stub.Decide(
        approvals_pb2.DecideRequest(approval_id=started.id, action="reject", comment="不需要"),
        metadata=as_(h, "hr.head"),
    )
    with pytest.raises(grpc.RpcError) as closed:
        stub.Decide(decide, metadata=as_(h, "hr.head"))
    assert closed.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_d09_seal_download_and_verify_over_grpc(
    stub: approvals_pb2_grpc.ApprovalsStub, approvals: ApprovalHarness
) -> None:
    h = approvals
    started = stub.StartApproval(
        approvals_pb2.StartApprovalRequest(
            template="supply_requisition", subject="急需", payload_json=PAYLOAD, urgent=True
        ),
        metadata=as_(h, "hr.staff"),
    )
    stub.Decide(
        approvals_pb2.DecideRequest(approval_id=started.id, action="approve"),
        metadata=as_(h, "leader.yang"),
    )
    seal = stub.GetSeal(
        approvals_pb2.GetSealRequest(approval_id=started.id), metadata=as_(h, "hr.staff")
    )
    assert seal.file_name.endswith(".json")
    assert seal.public_key_pem == h.signer.public_key_pem
    ok = stub.VerifySeal(
        approvals_pb2.VerifySealRequest(file=seal.file), metadata=as_(h, "outsider")
    )
    assert ok.valid
    assert ok.approval_id == started.id
    changed = seal.file.replace("订书机".encode(), "订书钉".encode())
    bad = stub.VerifySeal(
        approvals_pb2.VerifySealRequest(file=changed), metadata=as_(h, "outsider")
    )
    assert not bad.valid
    assert bad.reason
    report = stub.GetSlaReport(
        approvals_pb2.GetSlaReportRequest(month="2026-03"), metadata=as_(h, "hr.staff")
    )
    assert (report.steps_total, report.urgent_met) == (1, 1)
