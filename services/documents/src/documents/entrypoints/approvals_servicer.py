"""The Approvals gRPC API (SPEC D-06..D-10): protobuf in, use case, protobuf out.

The gateway transcodes HTTP to these RPCs from the rules in approvals.proto
and adds nothing of its own, so what the HTTP API answers is decided here:
list paging, the D-10 target, the sealed file and its download headers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import grpc
from google.api import httpbody_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from documents.domain.approvals.access import is_classified
from documents.domain.approvals.model import Absence, Approval, ApprovalStep
from documents.domain.approvals.seal import SealRecord
from documents.domain.approvals.sla import OVERDUE_SHARE_TARGET, SlaFigures
from documents.domain.approvals.templates import Template
from documents.entrypoints.json_values import struct_of, struct_to_json, value_of, value_to_json
from documents.entrypoints.uploads import uploaded_file
from documents.service_layer.approval_commands import (
    ConditionSpec,
    Decide,
    ListApprovals,
    PutTemplate,
    RecordAbsence,
    Resubmit,
    RuleSpec,
    StartApproval,
    StepSpec,
    Withdraw,
)
from documents.service_layer.approvals import ApprovalEngine
from documents.service_layer.sla_report import SlaReports
from secretariat.documents.v1 import approvals_pb2, approvals_pb2_grpc
from secretariat_shared.errors import FieldError, ValidationFailed
from secretariat_shared.grpc_server import current_identity
from secretariat_shared.paging import page_of

SEAL_MEDIA_TYPE = "application/json; charset=utf-8"


def _ts(value: datetime | None, target: Timestamp) -> None:
    if value is not None:
        target.FromDatetime(value.astimezone(UTC))


def _from_ts(message: Any, field: str) -> datetime | None:
    if not message.HasField(field):
        return None
    stamp: Timestamp = getattr(message, field)
    return stamp.ToDatetime(tzinfo=UTC)


DueProvisional = Callable[[Approval, ApprovalStep], bool]
"""Whether a step's due time rests on a year with no holiday data (X-02)."""


def step_to_proto(step: ApprovalStep, due_provisional: bool = False) -> approvals_pb2.ApprovalStep:
    message = approvals_pb2.ApprovalStep(
        index=step.index,
        name=step.name,
        mode=step.mode.value,
        approvers=step.approvers(),
        approved_by=step.approved_by(),
        state=step.state.value,
        reminded=step.reminded,
        escalated=step.escalated,
        on_behalf_of=step.on_behalf_of(),
        revision=step.revision,
        due_provisional=due_provisional,
    )
    _ts(step.opened_at, message.opened_at)
    _ts(step.due_at, message.due_at)
    _ts(step.escalate_at, message.escalate_at)
    _ts(step.closed_at, message.closed_at)
    for decision in step.decisions:
        entry = message.decisions.add(
            actor=decision.actor,
            action=decision.action.value,
            comment=decision.comment,
            on_behalf_of=decision.on_behalf_of,
            delegate_to=decision.delegate_to,
        )
        _ts(decision.at, entry.at)
    return message


def approval_to_proto(
    approval: Approval, due_provisional: DueProvisional | None = None
) -> approvals_pb2.Approval:
    steps = [
        step_to_proto(s, due_provisional(approval, s) if due_provisional else False)
        for s in approval.steps
    ]
    current = approval.current_index
    message = approvals_pb2.Approval(
        id=approval.id,
        template=approval.template,
        template_version=approval.template_version,
        subject=approval.subject,
        payload=struct_of(dict(approval.payload)),
        urgent=approval.urgent,
        status=approval.status.value,
        requester=approval.requester,
        department_code=approval.department_code,
        steps=steps,
        current_step_index=current,
        source_service=approval.source_service,
        source_ref=approval.source_ref,
        seal_id=approval.seal_id,
        revision=approval.revision,
        content=approval.content,
        personal=is_classified(approval),
        redacted=approval.redacted,
    )
    if 0 <= current < len(steps):
        message.current_step.CopyFrom(steps[current])
    for item in approval.history:
        entry = message.history.add(
            actor=item.actor,
            action=item.action,
            comment=item.comment,
            step_index=item.step_index,
            on_behalf_of=item.on_behalf_of,
        )
        _ts(item.at, entry.at)
    _ts(approval.created_at, message.created_at)
    _ts(approval.completed_at, message.completed_at)
    return message


def template_to_proto(template: Template) -> approvals_pb2.Template:
    message = approvals_pb2.Template(
        key=template.key,
        version=template.version,
        name=template.name,
        description=template.description,
        form_schema=struct_of(dict(template.form_schema)),
        created_by=template.created_by,
    )
    for step in template.steps:
        out = message.steps.add(name=step.name, mode=step.mode.value)
        for rule in step.approvers:
            out.approvers.add(kind=rule.kind.value, role=rule.role, username=rule.username)
        for condition in step.conditions:
            out.conditions.add(
                field=condition.field, op=condition.op.value, value=value_of(condition.value)
            )
    _ts(template.created_at, message.created_at)
    return message


def absence_to_proto(absence: Absence) -> approvals_pb2.Absence:
    message = approvals_pb2.Absence(
        id=absence.id, username=absence.username, delegate_username=absence.delegate_username
    )
    _ts(absence.start, message.start)
    _ts(absence.end, message.end)
    return message


def seal_to_proto(seal: SealRecord) -> approvals_pb2.SealedDocument:
    message = approvals_pb2.SealedDocument(
        seal_id=seal.id,
        approval_id=seal.approval_id,
        file=seal.file,
        file_name=seal.file_name,
        content_sha256=seal.content_sha256,
        signature_b64=seal.signature_b64,
        signer=seal.signer,
        public_key_pem=seal.public_key_pem,
    )
    _ts(seal.sealed_at, message.sealed_at)
    return message


def _sla_figures(figures: SlaFigures) -> dict[str, Any]:
    """D-10 step figures as the fields SlaReport and SlaFigures share."""
    return {
        "steps_total": figures.steps_total,
        "steps_overdue": figures.steps_overdue,
        "overdue_share": figures.overdue_share,
        "routine_met": figures.routine_met,
        "routine_breached": figures.routine_breached,
        "urgent_met": figures.urgent_met,
        "urgent_breached": figures.urgent_breached,
    }


def _start_payload_json(request: approvals_pb2.StartApprovalRequest) -> str:
    """The payload as JSON text: from `payload` (HTTP, gRPC) or `payload_json` (gRPC)."""
    if not request.HasField("payload"):
        return request.payload_json
    if request.payload_json.strip():
        raise ValidationFailed(
            FieldError("payload_json", "give the payload once: as payload or as payload_json")
        )
    return struct_to_json(request.payload)


def _content_disposition(file_name: str) -> str:
    """An attachment header; a non-ASCII name goes in `filename*` (RFC 6266)."""
    if file_name.isascii():
        return f'attachment; filename="{file_name}"'
    return f"attachment; filename*=UTF-8''{quote(file_name)}"


class ApprovalsServicer(approvals_pb2_grpc.ApprovalsServicer):
    def __init__(
        self,
        engine: ApprovalEngine,
        due_provisional: DueProvisional | None = None,
        sla_reports: SlaReports | None = None,
    ) -> None:
        self._engine = engine
        self._due_provisional = due_provisional
        self._sla_reports = sla_reports

    def _proto(self, approval: Approval) -> approvals_pb2.Approval:
        return approval_to_proto(approval, self._due_provisional)

    def StartApproval(  # noqa: N802
        self, request: approvals_pb2.StartApprovalRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.Approval:
        approval = self._engine.start(
            current_identity(),
            StartApproval(
                template=request.template,
                subject=request.subject,
                payload_json=_start_payload_json(request),
                urgent=request.urgent,
                requester_username=request.requester_username,
                source_service=request.source_service,
                source_ref=request.source_ref,
                content=request.content,
            ),
        )
        return self._proto(approval)

    def GetApproval(  # noqa: N802
        self, request: approvals_pb2.GetApprovalRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.Approval:
        return self._proto(self._engine.get(current_identity(), request.id))

    def ListApprovals(  # noqa: N802
        self, request: approvals_pb2.ListApprovalsRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.ListApprovalsResponse:
        page = page_of(request.page, request.page_size)
        items, total = self._engine.search(
            current_identity(),
            ListApprovals(
                status=request.status,
                template=request.template,
                mine=request.mine,
                source_service=request.source_service,
                source_ref=request.source_ref,
                page=page.page,
                page_size=page.page_size,
            ),
        )
        return approvals_pb2.ListApprovalsResponse(
            items=[self._proto(a) for a in items],
            total=total,
            page=page.page,
            page_size=page.page_size,
        )

    def ListPendingForMe(  # noqa: N802
        self, request: approvals_pb2.ListPendingForMeRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.ListApprovalsResponse:
        page = page_of(request.page, request.page_size)
        items, total = self._engine.pending_for(current_identity(), page.page, page.page_size)
        return approvals_pb2.ListApprovalsResponse(
            items=[self._proto(a) for a in items],
            total=total,
            page=page.page,
            page_size=page.page_size,
        )

    def Decide(  # noqa: N802
        self, request: approvals_pb2.DecideRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.Approval:
        approval = self._engine.decide(
            current_identity(),
            Decide(
                approval_id=request.approval_id,
                action=request.action,
                comment=request.comment,
                delegate_to=request.delegate_to,
            ),
        )
        return self._proto(approval)

    def Resubmit(  # noqa: N802
        self, request: approvals_pb2.ResubmitRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.Approval:
        approval = self._engine.resubmit(
            current_identity(),
            Resubmit(
                approval_id=request.approval_id,
                payload_json=struct_to_json(request.payload) if request.HasField("payload") else "",
                subject=request.subject,
                comment=request.comment,
            ),
        )
        return self._proto(approval)

    def Withdraw(  # noqa: N802
        self, request: approvals_pb2.WithdrawRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.Approval:
        approval = self._engine.withdraw(
            current_identity(), Withdraw(approval_id=request.approval_id, comment=request.comment)
        )
        return self._proto(approval)

    def RecordAbsence(  # noqa: N802
        self, request: approvals_pb2.RecordAbsenceRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.Absence:
        absence = self._engine.record_absence(
            current_identity(),
            RecordAbsence(
                start=_from_ts(request, "start"),
                end=_from_ts(request, "end"),
                delegate_username=request.delegate_username,
            ),
        )
        return absence_to_proto(absence)

    def ListAbsences(  # noqa: N802
        self, request: approvals_pb2.ListAbsencesRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.ListAbsencesResponse:
        page = page_of(request.page, request.page_size)
        absences = self._engine.absences(current_identity())
        return approvals_pb2.ListAbsencesResponse(
            items=[absence_to_proto(a) for a in absences[page.offset : page.offset + page.limit]],
            total=len(absences),
            page=page.page,
            page_size=page.page_size,
        )

    def ListTemplates(  # noqa: N802
        self, request: approvals_pb2.ListTemplatesRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.ListTemplatesResponse:
        page = page_of(request.page, request.page_size)
        templates = self._engine.list_templates(current_identity())
        return approvals_pb2.ListTemplatesResponse(
            items=[template_to_proto(t) for t in templates[page.offset : page.offset + page.limit]],
            total=len(templates),
            page=page.page,
            page_size=page.page_size,
        )

    def GetTemplate(  # noqa: N802
        self, request: approvals_pb2.GetTemplateRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.Template:
        return template_to_proto(
            self._engine.get_template(current_identity(), request.key, request.version)
        )

    def PutTemplate(  # noqa: N802
        self, request: approvals_pb2.PutTemplateRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.Template:
        template = self._engine.put_template(
            current_identity(),
            PutTemplate(
                key=request.key,
                name=request.name,
                description=request.description,
                form_schema_json=struct_to_json(request.form_schema)
                if request.HasField("form_schema")
                else "",
                steps=[
                    StepSpec(
                        name=s.name,
                        mode=s.mode,
                        approvers=[RuleSpec(r.kind, r.role, r.username) for r in s.approvers],
                        conditions=[
                            ConditionSpec(c.field, c.op, value_to_json(c.value))
                            for c in s.conditions
                        ],
                    )
                    for s in request.steps
                ],
            ),
        )
        return template_to_proto(template)

    def GetSeal(  # noqa: N802
        self, request: approvals_pb2.GetSealRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.SealedDocument:
        return seal_to_proto(self._engine.get_seal(current_identity(), request.approval_id))

    def DownloadSeal(  # noqa: N802
        self, request: approvals_pb2.DownloadSealRequest, context: grpc.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        """The sealed file as the HTTP answer; its headers travel as initial metadata."""
        seal = self._engine.get_seal(current_identity(), request.approval_id)
        context.send_initial_metadata(
            (
                ("content-disposition", _content_disposition(seal.file_name)),
                ("x-seal-id", seal.id),
                ("x-content-sha256", seal.content_sha256),
            )
        )
        return httpbody_pb2.HttpBody(content_type=SEAL_MEDIA_TYPE, data=seal.file)

    def VerifySeal(  # noqa: N802
        self, request: approvals_pb2.VerifySealRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.VerifySealResponse:
        data = uploaded_file(request.file.content_type, request.file.data)
        result = self._engine.verify_seal(current_identity(), data)
        return approvals_pb2.VerifySealResponse(
            valid=result.valid,
            reason=result.reason,
            approval_id=result.approval_id,
            seal_id=result.seal_id,
        )

    def GetSlaReport(  # noqa: N802
        self, request: approvals_pb2.GetSlaReportRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.SlaReport:
        if self._sla_reports is None:
            month, figures = self._engine.sla_report(current_identity(), request.month)
            return approvals_pb2.SlaReport(
                month=month, target=OVERDUE_SHARE_TARGET, **_sla_figures(figures)
            )
        report = self._sla_reports.monthly(current_identity(), request.month)
        return approvals_pb2.SlaReport(
            month=report.month,
            **_sla_figures(report.approvals),
            target=OVERDUE_SHARE_TARGET,
            document_steps=approvals_pb2.SlaFigures(**_sla_figures(report.documents)),
            document_flows_total=report.flows.total,
            document_flows_met=report.flows.met,
            document_flows_breached=report.flows.breached,
            all_steps_total=report.steps_total,
            all_steps_overdue=report.steps_overdue,
            all_overdue_share=report.overdue_share,
        )
