"""The Approvals API over a real gRPC channel: identities, mapping, error codes."""

from __future__ import annotations

import json
from typing import Any

import grpc
import pytest
from google.api.httpbody_pb2 import HttpBody
from google.protobuf import json_format

from approvals_testkit import ApprovalHarness, who
from documents.entrypoints.approvals_servicer import ApprovalsServicer
from secretariat.documents.v1 import approvals_pb2, approvals_pb2_grpc
from secretariat_shared.contract.status import field_errors_of
from secretariat_shared.grpc_server import (
    identity_metadata,
)
from secretariat_shared.identity import (
    SERVICE_AUDIENCE,
    IdentitySigner,
    service_token,
)
from secretariat_shared.service import Servicer
from secretariat_shared.testing import TEST_INTERNAL_SECRET, GrpcServerFactory, keypair_for_tests

pytestmark = pytest.mark.integration

PRIVATE = keypair_for_tests()[0]
INTERNAL = TEST_INTERNAL_SECRET
PAYLOAD = json.dumps({"items": [{"name": "订书机", "quantity": 2}]}, ensure_ascii=False)


@pytest.fixture
def stub(
    approvals: ApprovalHarness, grpc_server: GrpcServerFactory
) -> approvals_pb2_grpc.ApprovalsStub:
    servicer = ApprovalsServicer(approvals.engine)
    server = grpc_server(
        servicers=[Servicer.of(approvals_pb2, approvals_pb2_grpc, "Approvals", servicer)],
        clock=approvals.clock,
    )
    return approvals_pb2_grpc.ApprovalsStub(server.channel)


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
    assert started.current_step_index == 0
    assert started.current_step == started.steps[0]
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
    assert decided.current_step_index == 1
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
    assert templates.total == 12
    purchase = next(t for t in templates.items if t.key == "purchase")
    assert purchase.steps[2].conditions[0].value.number_value == 50_000
    assert list(purchase.form_schema["required"]) == ["description", "amount"]


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


def test_a_service_retrying_start_approval_gets_the_same_approval_issue11(
    stub: approvals_pb2_grpc.ApprovalsStub, approvals: ApprovalHarness
) -> None:
    """A retry after a lost answer must not start a second approval (issue 11 item 6)."""
    h = approvals
    metadata = identity_metadata(service_token("facilities", INTERNAL, h.clock))
    request = approvals_pb2.StartApprovalRequest(
        template="supply_requisition",
        subject="领用",
        payload_json=PAYLOAD,
        requester_username="fin.clerk",
        source_ref="requisition:R-10",
    )
    first = stub.StartApproval(request, metadata=metadata)
    again = stub.StartApproval(request, metadata=metadata)
    assert again.id == first.id
    other = stub.StartApproval(
        approvals_pb2.StartApprovalRequest(
            template="supply_requisition",
            subject="领用",
            payload_json=PAYLOAD,
            requester_username="fin.clerk",
            source_ref="requisition:R-11",
        ),
        metadata=metadata,
    )
    assert other.id != first.id
    listed = stub.ListApprovals(
        approvals_pb2.ListApprovalsRequest(
            source_service="facilities", source_ref="requisition:R-10", page=1, page_size=20
        ),
        metadata=metadata,
    )
    assert [a.id for a in listed.items] == [first.id]
    # People name no source service: two identical requests are two approvals.
    mine = approvals_pb2.StartApprovalRequest(
        template="supply_requisition", subject="领用", payload_json=PAYLOAD, source_ref="x"
    )
    assert (
        stub.StartApproval(mine, metadata=as_(h, "hr.staff")).id
        != stub.StartApproval(mine, metadata=as_(h, "hr.staff")).id
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
        approvals_pb2.VerifySealRequest(file=HttpBody(data=seal.file)),
        metadata=as_(h, "outsider"),
    )
    assert ok.valid
    assert ok.approval_id == started.id
    changed = seal.file.replace("订书机".encode(), "订书钉".encode())
    bad = stub.VerifySeal(
        approvals_pb2.VerifySealRequest(file=HttpBody(data=changed)), metadata=as_(h, "outsider")
    )
    assert not bad.valid
    assert bad.reason
    report = stub.GetSlaReport(
        approvals_pb2.GetSlaReportRequest(month="2026-03"), metadata=as_(h, "hr.staff")
    )
    assert (report.steps_total, report.urgent_met) == (1, 1)


# --- the HTTP contract the gateway transcodes (issue 10) ---------------------


def start_requisition(
    stub: approvals_pb2_grpc.ApprovalsStub, h: ApprovalHarness, **fields: Any
) -> approvals_pb2.Approval:
    request = approvals_pb2.StartApprovalRequest(
        template="supply_requisition", subject="领用订书机", **fields
    )
    if not request.payload_json and not request.HasField("payload"):
        request.payload.update({"items": [{"name": "订书机", "quantity": 2}]})
    started: approvals_pb2.Approval = stub.StartApproval(request, metadata=as_(h, "hr.staff"))
    return started


def field_errors(error: grpc.RpcError) -> list[str]:
    return [e.field for e in field_errors_of(error)]


def test_d06_payload_is_a_json_object_and_whole_numbers_stay_integers(
    stub: approvals_pb2_grpc.ApprovalsStub, approvals: ApprovalHarness
) -> None:
    h = approvals
    started = start_requisition(stub, h, urgent=True)
    assert json_format.MessageToDict(started.payload) == {
        "items": [{"name": "订书机", "quantity": 2.0}]
    }
    stub.Decide(
        approvals_pb2.DecideRequest(approval_id=started.id, action="approve"),
        metadata=as_(h, "leader.yang"),
    )
    seal = stub.GetSeal(
        approvals_pb2.GetSealRequest(approval_id=started.id), metadata=as_(h, "hr.staff")
    )
    assert json.loads(seal.file)["sealed"]["payload"]["items"][0]["quantity"] == 2
    assert b'"quantity": 2.0' not in seal.file
    assert b'"quantity":2.0' not in seal.file


def test_d06_open_step_is_current_step_and_none_once_closed(
    stub: approvals_pb2_grpc.ApprovalsStub, approvals: ApprovalHarness
) -> None:
    h = approvals
    started = start_requisition(stub, h)
    assert started.HasField("current_step")
    assert list(started.current_step.approvers) == ["hr.head"]
    rejected = stub.Decide(
        approvals_pb2.DecideRequest(approval_id=started.id, action="reject", comment="不需要"),
        metadata=as_(h, "hr.head"),
    )
    assert not rejected.HasField("current_step")
    assert rejected.current_step_index == -1


def test_d06_services_still_send_the_payload_as_json_text_but_not_twice(
    stub: approvals_pb2_grpc.ApprovalsStub, approvals: ApprovalHarness
) -> None:
    h = approvals
    from_text = start_requisition(stub, h, payload_json=PAYLOAD)
    assert json_format.MessageToDict(from_text.payload) == json.loads(PAYLOAD)
    both = approvals_pb2.StartApprovalRequest(
        template="supply_requisition", subject="领用", payload_json=PAYLOAD
    )
    both.payload.update({"items": []})
    with pytest.raises(grpc.RpcError) as refused:
        stub.StartApproval(both, metadata=as_(h, "hr.staff"))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_errors(refused.value) == ["payload_json"]


def test_d06_a_person_cannot_pose_as_a_source_service(
    stub: approvals_pb2_grpc.ApprovalsStub, approvals: ApprovalHarness
) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        start_requisition(stub, approvals, source_service="facilities", source_ref="R-1")
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_errors(refused.value) == ["source_service"]
    own = start_requisition(stub, approvals, source_ref="my-ref")
    assert (own.source_service, own.source_ref) == ("", "my-ref")


def test_d09_resubmit_takes_the_edited_payload_as_a_json_object(
    stub: approvals_pb2_grpc.ApprovalsStub, approvals: ApprovalHarness
) -> None:
    h = approvals
    started = start_requisition(stub, h)
    stub.Decide(
        approvals_pb2.DecideRequest(approval_id=started.id, action="return", comment="写明用途"),
        metadata=as_(h, "hr.head"),
    )
    unchanged = approvals_pb2.ResubmitRequest(approval_id=started.id, comment="再看看")
    again = stub.Resubmit(unchanged, metadata=as_(h, "hr.staff"))
    assert again.revision == 2
    assert again.payload == started.payload
    stub.Decide(
        approvals_pb2.DecideRequest(approval_id=started.id, action="return", comment="数量"),
        metadata=as_(h, "hr.head"),
    )
    edited = approvals_pb2.ResubmitRequest(approval_id=started.id)
    edited.payload.update({"items": [{"name": "订书机", "quantity": 1}], "purpose": "装订"})
    third = stub.Resubmit(edited, metadata=as_(h, "hr.staff"))
    assert third.revision == 3
    assert third.payload["purpose"] == "装订"


def test_lists_page_by_the_one_paging_policy(
    stub: approvals_pb2_grpc.ApprovalsStub, approvals: ApprovalHarness
) -> None:
    h = approvals
    for _ in range(3):
        start_requisition(stub, h)
    inbox = stub.ListPendingForMe(
        approvals_pb2.ListPendingForMeRequest(), metadata=as_(h, "hr.head")
    )
    assert (inbox.total, inbox.page, inbox.page_size, len(inbox.items)) == (3, 1, 20, 3)
    second = stub.ListApprovals(
        approvals_pb2.ListApprovalsRequest(mine=True, page=2, page_size=2),
        metadata=as_(h, "hr.staff"),
    )
    assert (second.total, second.page, second.page_size, len(second.items)) == (3, 2, 2, 1)
    templates = stub.ListTemplates(
        approvals_pb2.ListTemplatesRequest(page=3, page_size=5), metadata=as_(h, "hr.staff")
    )
    assert (templates.total, templates.page, len(templates.items)) == (12, 3, 2)
    absences = stub.ListAbsences(approvals_pb2.ListAbsencesRequest(), metadata=as_(h, "hr.head"))
    assert (absences.total, absences.page, absences.page_size) == (0, 1, 20)
    with pytest.raises(grpc.RpcError) as too_big:
        stub.ListApprovals(
            approvals_pb2.ListApprovalsRequest(page_size=101), metadata=as_(h, "hr.staff")
        )
    assert too_big.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_errors(too_big.value) == ["page_size"]


def test_d06_templates_are_published_with_a_json_schema_and_json_condition_values(
    stub: approvals_pb2_grpc.ApprovalsStub, approvals: ApprovalHarness
) -> None:
    h = approvals
    request = approvals_pb2.PutTemplateRequest(key="gift", name="礼品申领")
    request.form_schema.update({"type": "object", "required": ["amount"]})
    request.steps.add(name="head").approvers.add(kind="requester_department_head")
    finance = request.steps.add(name="finance")
    finance.approvers.add(kind="role", role="finance")
    finance.conditions.add(field="amount", op="gt").value.number_value = 1000
    with pytest.raises(grpc.RpcError) as not_admin:
        stub.PutTemplate(request, metadata=as_(h, "hr.staff"))
    assert not_admin.value.code() == grpc.StatusCode.PERMISSION_DENIED
    published = stub.PutTemplate(request, metadata=as_(h, "admin"))
    assert (published.key, published.version, published.created_by) == ("gift", 1, "admin")
    assert published.steps[1].conditions[0].value.number_value == 1000
    assert published.steps[0].mode == "any"
    small = stub.StartApproval(
        approvals_pb2.StartApprovalRequest(
            template="gift", subject="小额", payload_json='{"amount": 10}'
        ),
        metadata=as_(h, "hr.staff"),
    )
    assert [s.name for s in small.steps] == ["head"]
    fetched = stub.GetTemplate(
        approvals_pb2.GetTemplateRequest(key="gift"), metadata=as_(h, "hr.staff")
    )
    assert json_format.MessageToDict(fetched.form_schema) == {
        "type": "object",
        "required": ["amount"],
    }


def test_d09_seal_download_is_the_sealed_file_with_its_headers(
    stub: approvals_pb2_grpc.ApprovalsStub, approvals: ApprovalHarness
) -> None:
    h = approvals
    started = start_requisition(stub, h, urgent=True)
    stub.Decide(
        approvals_pb2.DecideRequest(approval_id=started.id, action="approve"),
        metadata=as_(h, "leader.yang"),
    )
    request = approvals_pb2.DownloadSealRequest(approval_id=started.id)
    body, call = stub.DownloadSeal.with_call(request, metadata=as_(h, "hr.staff"))
    seal = stub.GetSeal(
        approvals_pb2.GetSealRequest(approval_id=started.id), metadata=as_(h, "hr.staff")
    )
    assert body.content_type == "application/json; charset=utf-8"
    assert body.data == seal.file
    headers = dict(call.initial_metadata())
    assert headers["content-disposition"] == f'attachment; filename="{seal.file_name}"'
    assert (headers["x-seal-id"], headers["x-content-sha256"]) == (
        seal.seal_id,
        seal.content_sha256,
    )
    with pytest.raises(grpc.RpcError) as hidden:
        stub.DownloadSeal(request, metadata=as_(h, "outsider"))
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND


def test_d09_verify_reads_a_raw_body_or_a_multipart_upload(
    stub: approvals_pb2_grpc.ApprovalsStub, approvals: ApprovalHarness
) -> None:
    h = approvals
    started = start_requisition(stub, h, urgent=True)
    stub.Decide(
        approvals_pb2.DecideRequest(approval_id=started.id, action="approve"),
        metadata=as_(h, "leader.yang"),
    )
    sealed = stub.GetSeal(
        approvals_pb2.GetSealRequest(approval_id=started.id), metadata=as_(h, "hr.staff")
    ).file
    boundary = "b0undary"
    form = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="s.json"\r\n'
            "Content-Type: application/json\r\n\r\n"
        ).encode()
        + sealed
        + f"\r\n--{boundary}--\r\n".encode()
    )

    def verify(content_type: str, data: bytes) -> approvals_pb2.VerifySealResponse:
        reply: approvals_pb2.VerifySealResponse = stub.VerifySeal(
            approvals_pb2.VerifySealRequest(file=HttpBody(content_type=content_type, data=data)),
            metadata=as_(h, "outsider"),
        )
        return reply

    assert verify("application/json", sealed).valid
    assert verify(f"multipart/form-data; boundary={boundary}", form).valid
    tampered = form.replace("订书机".encode(), "订书钉".encode())
    assert not verify(f"multipart/form-data; boundary={boundary}", tampered).valid
    with pytest.raises(grpc.RpcError) as empty:
        verify("application/octet-stream", b"")
    assert empty.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_errors(empty.value) == ["file"]


def test_d10_sla_report_states_the_five_percent_target(
    stub: approvals_pb2_grpc.ApprovalsStub, approvals: ApprovalHarness
) -> None:
    report = stub.GetSlaReport(
        approvals_pb2.GetSlaReportRequest(), metadata=as_(approvals, "hr.staff")
    )
    assert report.target == 0.05
    assert report.month == "2026-03"
