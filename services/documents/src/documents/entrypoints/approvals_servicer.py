"""The Approvals gRPC API (SPEC D-06..D-10): protobuf in, use case, protobuf out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from documents.domain.approvals.model import Absence, Approval, ApprovalStep
from documents.domain.approvals.seal import SealRecord
from documents.domain.approvals.sla import SlaFigures
from documents.domain.approvals.templates import Template
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
from secretariat_shared.grpc_server import current_identity


def _ts(value: datetime | None, target: Timestamp) -> None:
    if value is not None:
        target.FromDatetime(value.astimezone(UTC))


def _from_ts(message: Any, field: str) -> datetime | None:
    if not message.HasField(field):
        return None
    stamp: Timestamp = getattr(message, field)
    return stamp.ToDatetime(tzinfo=UTC)


def step_to_proto(step: ApprovalStep) -> approvals_pb2.ApprovalStep:
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


def approval_to_proto(approval: Approval) -> approvals_pb2.Approval:
    message = approvals_pb2.Approval(
        id=approval.id,
        template=approval.template,
        template_version=approval.template_version,
        subject=approval.subject,
        payload_json=json.dumps(approval.payload, ensure_ascii=False),
        urgent=approval.urgent,
        status=approval.status.value,
        requester=approval.requester,
        department_code=approval.department_code,
        steps=[step_to_proto(s) for s in approval.steps],
        current_step=approval.current_index,
        source_service=approval.source_service,
        source_ref=approval.source_ref,
        seal_id=approval.seal_id,
        revision=approval.revision,
        content=approval.content,
    )
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
        form_schema_json=json.dumps(dict(template.form_schema), ensure_ascii=False),
        created_by=template.created_by,
    )
    for step in template.steps:
        out = message.steps.add(name=step.name, mode=step.mode.value)
        for rule in step.approvers:
            out.approvers.add(kind=rule.kind.value, role=rule.role, username=rule.username)
        for condition in step.conditions:
            out.conditions.add(
                field=condition.field,
                op=condition.op.value,
                value_json=json.dumps(condition.value, ensure_ascii=False),
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


class ApprovalsServicer(approvals_pb2_grpc.ApprovalsServicer):
    def __init__(self, engine: ApprovalEngine, sla_reports: SlaReports | None = None) -> None:
        self._engine = engine
        self._sla_reports = sla_reports

    def StartApproval(  # noqa: N802
        self, request: approvals_pb2.StartApprovalRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.Approval:
        approval = self._engine.start(
            current_identity(),
            StartApproval(
                template=request.template,
                subject=request.subject,
                payload_json=request.payload_json,
                urgent=request.urgent,
                requester_username=request.requester_username,
                source_service=request.source_service,
                source_ref=request.source_ref,
                content=request.content,
            ),
        )
        return approval_to_proto(approval)

    def GetApproval(  # noqa: N802
        self, request: approvals_pb2.GetApprovalRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.Approval:
        return approval_to_proto(self._engine.get(current_identity(), request.id))

    def ListApprovals(  # noqa: N802
        self, request: approvals_pb2.ListApprovalsRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.ListApprovalsResponse:
        items, total = self._engine.search(
            current_identity(),
            ListApprovals(
                status=request.status,
                template=request.template,
                mine=request.mine,
                source_service=request.source_service,
                source_ref=request.source_ref,
                page=request.page or 1,
                page_size=request.page_size or 20,
            ),
        )
        return approvals_pb2.ListApprovalsResponse(
            items=[approval_to_proto(a) for a in items], total=total
        )

    def ListPendingForMe(  # noqa: N802
        self, request: approvals_pb2.ListPendingForMeRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.ListApprovalsResponse:
        items, total = self._engine.pending_for(
            current_identity(), request.page or 1, request.page_size or 20
        )
        return approvals_pb2.ListApprovalsResponse(
            items=[approval_to_proto(a) for a in items], total=total
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
        return approval_to_proto(approval)

    def Resubmit(  # noqa: N802
        self, request: approvals_pb2.ResubmitRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.Approval:
        approval = self._engine.resubmit(
            current_identity(),
            Resubmit(
                approval_id=request.approval_id,
                payload_json=request.payload_json,
                subject=request.subject,
                comment=request.comment,
            ),
        )
        return approval_to_proto(approval)

    def Withdraw(  # noqa: N802
        self, request: approvals_pb2.WithdrawRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.Approval:
        approval = self._engine.withdraw(
            current_identity(), Withdraw(approval_id=request.approval_id, comment=request.comment)
        )
        return approval_to_proto(approval)

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
        return approvals_pb2.ListAbsencesResponse(
            items=[absence_to_proto(a) for a in self._engine.absences(current_identity())]
        )

    def ListTemplates(  # noqa: N802
        self, request: approvals_pb2.ListTemplatesRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.ListTemplatesResponse:
        return approvals_pb2.ListTemplatesResponse(
            templates=[
                template_to_proto(t) for t in self._engine.list_templates(current_identity())
            ]
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
        t = request.template
        template = self._engine.put_template(
            current_identity(),
            PutTemplate(
                key=t.key,
                name=t.name,
                description=t.description,
                form_schema_json=t.form_schema_json,
                steps=[
                    StepSpec(
                        name=s.name,
                        mode=s.mode,
                        approvers=[RuleSpec(r.kind, r.role, r.username) for r in s.approvers],
                        conditions=[
                            ConditionSpec(c.field, c.op, c.value_json) for c in s.conditions
                        ],
                    )
                    for s in t.steps
                ],
            ),
        )
        return template_to_proto(template)

    def GetSeal(  # noqa: N802
        self, request: approvals_pb2.GetSealRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.SealedDocument:
        return seal_to_proto(self._engine.get_seal(current_identity(), request.approval_id))

    def VerifySeal(  # noqa: N802
        self, request: approvals_pb2.VerifySealRequest, context: grpc.ServicerContext
    ) -> approvals_pb2.VerifySealResponse:
        result = self._engine.verify_seal(current_identity(), request.file)
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
            return approvals_pb2.SlaReport(month=month, **_sla_figures(figures))
        report = self._sla_reports.monthly(current_identity(), request.month)
        return approvals_pb2.SlaReport(
            month=report.month,
            **_sla_figures(report.approvals),
            document_steps=approvals_pb2.SlaFigures(**_sla_figures(report.documents)),
            document_flows_total=report.flows.total,
            document_flows_met=report.flows.met,
            document_flows_breached=report.flows.breached,
            all_steps_total=report.steps_total,
            all_steps_overdue=report.steps_overdue,
            all_overdue_share=report.overdue_share,
        )
