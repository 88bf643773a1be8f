"""Approvals routed to the documents service's approval engine (SPEC D-06..D-10)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import request
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.adapters.proto_json import timestamp
from gateway.api.registry import Api, BinaryContent, BinaryReply, Call, Reply
from gateway.api.schemas.approvals import (
    AbsenceIn,
    AbsenceList,
    AbsenceOut,
    ApprovalList,
    ApprovalOut,
    ApprovalPaging,
    ApprovalQuery,
    ApprovalStepOut,
    DecisionIn,
    DecisionOut,
    HistoryEntryOut,
    ResubmitIn,
    SealVerificationOut,
    SlaFiguresOut,
    SlaQuery,
    SlaReportOut,
    StartApprovalIn,
    TemplateIn,
    TemplateList,
    TemplateOut,
    TemplateVersionQuery,
    WithdrawIn,
)
from gateway.bootstrap import Gateway
from gateway.domain.roles import ADMIN
from gateway.problems import ProblemError, validation_problem
from secretariat.documents.v1 import approvals_pb2, approvals_pb2_grpc
from secretariat_shared.errors import FieldError

SERVICE_PROBLEMS = (403, 404, 409, 503, 504)
SEAL_MEDIA_TYPE = "application/json; charset=utf-8"


def _at(message: Any, field: str) -> datetime | None:
    if not message.HasField(field):
        return None
    stamp: Timestamp = getattr(message, field)
    return stamp.ToDatetime(tzinfo=UTC)


def _json(text: str) -> Any:
    return json.loads(text) if text else None


def step_out(step: approvals_pb2.ApprovalStep) -> ApprovalStepOut:
    return ApprovalStepOut(
        index=step.index,
        revision=step.revision,
        name=step.name,
        mode=step.mode,
        approvers=list(step.approvers),
        approved_by=list(step.approved_by),
        on_behalf_of=dict(step.on_behalf_of),
        state=step.state,
        opened_at=_at(step, "opened_at"),
        due_at=_at(step, "due_at"),
        escalate_at=_at(step, "escalate_at"),
        closed_at=_at(step, "closed_at"),
        reminded=step.reminded,
        escalated=step.escalated,
        decisions=[
            DecisionOut(
                actor=d.actor,
                action=d.action,
                comment=d.comment,
                on_behalf_of=d.on_behalf_of,
                delegate_to=d.delegate_to,
                at=_at(d, "at"),
            )
            for d in step.decisions
        ],
    )


def approval_out(message: approvals_pb2.Approval) -> ApprovalOut:
    steps = [step_out(s) for s in message.steps]
    current = message.current_step
    return ApprovalOut(
        id=message.id,
        template=message.template,
        template_version=message.template_version,
        subject=message.subject,
        payload=_json(message.payload_json) or {},
        content=message.content,
        urgent=message.urgent,
        status=message.status,
        requester=message.requester,
        department_code=message.department_code,
        revision=message.revision,
        current_step=steps[current] if 0 <= current < len(steps) else None,
        current_step_index=current,
        steps=steps,
        history=[
            HistoryEntryOut(
                at=_at(h, "at"),
                actor=h.actor,
                action=h.action,
                comment=h.comment,
                step_index=h.step_index,
                on_behalf_of=h.on_behalf_of,
            )
            for h in message.history
        ],
        source_service=message.source_service,
        source_ref=message.source_ref,
        seal_id=message.seal_id,
        created_at=_at(message, "created_at"),
        completed_at=_at(message, "completed_at"),
    )


def template_out(message: approvals_pb2.Template) -> TemplateOut:
    return TemplateOut.model_validate(
        {
            "key": message.key,
            "version": message.version,
            "name": message.name,
            "description": message.description,
            "form_schema": _json(message.form_schema_json) or {},
            "steps": [
                {
                    "name": s.name,
                    "mode": s.mode,
                    "approvers": [
                        {"kind": r.kind, "role": r.role, "username": r.username}
                        for r in s.approvers
                    ],
                    "conditions": [
                        {"field": c.field, "op": c.op, "value": _json(c.value_json)}
                        for c in s.conditions
                    ],
                }
                for s in message.steps
            ],
            "created_at": _at(message, "created_at"),
            "created_by": message.created_by,
        }
    )


def absence_out(message: approvals_pb2.Absence) -> AbsenceOut:
    return AbsenceOut(
        id=message.id,
        username=message.username,
        start=_at(message, "start"),
        end=_at(message, "end"),
        delegate_username=message.delegate_username,
    )


def _aware(value: datetime, zone: ZoneInfo) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=zone)


def uploaded_file() -> bytes:
    """The file to verify: a multipart upload (any field, ``file`` first) or the raw body."""
    if request.files:
        upload = request.files.get("file") or next(iter(request.files.values()))
        data: bytes = upload.read()
        return data
    return request.get_data(cache=True)


def register_approval_routes(api: Api, gateway: Gateway) -> None:
    def call(method: str, message: object, who: Call) -> Any:
        assert who.caller is not None
        return gateway.services.call(
            gateway.documents,
            approvals_pb2_grpc.ApprovalsStub,
            method,
            message,
            who.caller.identity,
        )

    def listing(reply: approvals_pb2.ListApprovalsResponse) -> ApprovalList:
        return ApprovalList(items=[approval_out(a) for a in reply.items], total=reply.total)

    @api.route(
        "POST",
        "/api/v1/approvals",
        summary="Start an approval",
        tag="approvals",
        body=StartApprovalIn,
        response=ApprovalOut,
        status=201,
        problems=SERVICE_PROBLEMS,
        description="Routes the request through its template's steps (D-06); "
        "urgent requests take the green channel to the supervising leader (D-07).",
    )
    def start_approval(who: Call) -> Reply:
        body: StartApprovalIn = who.body
        started = approval_out(
            call(
                "StartApproval",
                approvals_pb2.StartApprovalRequest(
                    template=body.template,
                    subject=body.subject,
                    payload_json=json.dumps(body.payload, ensure_ascii=False),
                    urgent=body.urgent,
                    content=body.content,
                    source_ref=body.source_ref,
                ),
                who,
            )
        )
        return Reply(started, headers={"Location": f"/api/v1/approvals/{quote(started.id)}"})

    @api.route(
        "GET",
        "/api/v1/approvals",
        summary="Approvals I may see",
        tag="approvals",
        query=ApprovalQuery,
        response=ApprovalList,
        problems=SERVICE_PROBLEMS,
        description="Those I started or decide(d) on; secretariat, discipline and admins see all.",
    )
    def list_approvals(who: Call) -> ApprovalList:
        query: ApprovalQuery = who.query
        return listing(
            call(
                "ListApprovals",
                approvals_pb2.ListApprovalsRequest(
                    status=query.status or "",
                    template=query.template or "",
                    mine=query.mine,
                    source_service=query.source_service or "",
                    source_ref=query.source_ref or "",
                    page=query.page or 0,
                    page_size=query.page_size or 0,
                ),
                who,
            )
        )

    @api.route(
        "GET",
        "/api/v1/approvals/inbox",
        summary="Approvals waiting for my decision",
        tag="approvals",
        query=ApprovalPaging,
        response=ApprovalList,
        problems=SERVICE_PROBLEMS,
    )
    def approval_inbox(who: Call) -> ApprovalList:
        query: ApprovalPaging = who.query
        return listing(
            call(
                "ListPendingForMe",
                approvals_pb2.ListPendingForMeRequest(
                    page=query.page or 0, page_size=query.page_size or 0
                ),
                who,
            )
        )

    @api.route(
        "GET",
        "/api/v1/approvals/sla",
        summary="The month's approval SLA",
        tag="approvals",
        query=SlaQuery,
        response=SlaReportOut,
        problems=SERVICE_PROBLEMS,
        description="SPEC D-10: the calendar month's share of steps that passed their due "
        "time (target ≤ 5%), for approvals and document flows, and the document flows "
        "(registration to the end of circulation within 24 hours).",
    )
    def approval_sla(who: Call) -> SlaReportOut:
        query: SlaQuery = who.query
        report = call(
            "GetSlaReport", approvals_pb2.GetSlaReportRequest(month=query.month or ""), who
        )
        return SlaReportOut(
            month=report.month,
            steps_total=report.steps_total,
            steps_overdue=report.steps_overdue,
            overdue_share=report.overdue_share,
            target=0.05,
            routine_met=report.routine_met,
            routine_breached=report.routine_breached,
            urgent_met=report.urgent_met,
            urgent_breached=report.urgent_breached,
            document_steps=SlaFiguresOut(
                steps_total=report.document_steps.steps_total,
                steps_overdue=report.document_steps.steps_overdue,
                overdue_share=report.document_steps.overdue_share,
                routine_met=report.document_steps.routine_met,
                routine_breached=report.document_steps.routine_breached,
                urgent_met=report.document_steps.urgent_met,
                urgent_breached=report.document_steps.urgent_breached,
            )
            if report.HasField("document_steps")
            else None,
            document_flows_total=report.document_flows_total,
            document_flows_met=report.document_flows_met,
            document_flows_breached=report.document_flows_breached,
            all_steps_total=report.all_steps_total,
            all_steps_overdue=report.all_steps_overdue,
            all_overdue_share=report.all_overdue_share,
        )

    @api.route(
        "GET",
        "/api/v1/approvals/<id>",
        summary="One approval: status, steps, history",
        tag="approvals",
        response=ApprovalOut,
        problems=SERVICE_PROBLEMS,
        description="Visible to its requester, its approvers and delegates, the secretariat, "
        "the discipline office and admins; 404 for anyone else.",
    )
    def get_approval(who: Call) -> ApprovalOut:
        return approval_out(
            call("GetApproval", approvals_pb2.GetApprovalRequest(id=who.path["id"]), who)
        )

    @api.route(
        "POST",
        "/api/v1/approvals/<id>/decisions",
        summary="Approve, reject, return or delegate the current step",
        tag="approvals",
        body=DecisionIn,
        response=ApprovalOut,
        problems=SERVICE_PROBLEMS,
        description="SPEC D-09. Reject and return need a comment; delegate names the person.",
    )
    def decide(who: Call) -> ApprovalOut:
        body: DecisionIn = who.body
        return approval_out(
            call(
                "Decide",
                approvals_pb2.DecideRequest(
                    approval_id=who.path["id"],
                    action=body.action,
                    comment=body.comment,
                    delegate_to=body.delegate_to,
                ),
                who,
            )
        )

    @api.route(
        "POST",
        "/api/v1/approvals/<id>/resubmit",
        summary="Resubmit a returned approval with edits",
        tag="approvals",
        body=ResubmitIn,
        response=ApprovalOut,
        problems=SERVICE_PROBLEMS,
        description="The requester only; it starts again at its first step as a new revision.",
    )
    def resubmit(who: Call) -> ApprovalOut:
        body: ResubmitIn = who.body
        return approval_out(
            call(
                "Resubmit",
                approvals_pb2.ResubmitRequest(
                    approval_id=who.path["id"],
                    payload_json=""
                    if body.payload is None
                    else json.dumps(body.payload, ensure_ascii=False),
                    subject=body.subject or "",
                    comment=body.comment,
                ),
                who,
            )
        )

    @api.route(
        "POST",
        "/api/v1/approvals/<id>/withdraw",
        summary="Withdraw my approval request",
        tag="approvals",
        body=WithdrawIn,
        response=ApprovalOut,
        problems=SERVICE_PROBLEMS,
    )
    def withdraw(who: Call) -> ApprovalOut:
        body: WithdrawIn = who.body
        return approval_out(
            call(
                "Withdraw",
                approvals_pb2.WithdrawRequest(approval_id=who.path["id"], comment=body.comment),
                who,
            )
        )

    @api.route(
        "GET",
        "/api/v1/approvals/<id>/seal",
        summary="Download the sealed final version",
        tag="approvals",
        response=BinaryContent,
        media_type=SEAL_MEDIA_TYPE,
        problems=SERVICE_PROBLEMS,
        description="SPEC D-09: canonical JSON (content, payload, template, decision trail, "
        "sealed_at, signer) with its SHA-256 signed by the service's Ed25519 key. "
        "Verify it with POST /api/v1/seals/verify.",
    )
    def download_seal(who: Call) -> BinaryReply:
        seal = call("GetSeal", approvals_pb2.GetSealRequest(approval_id=who.path["id"]), who)
        return BinaryReply(
            seal.file,
            headers={
                "Content-Disposition": f'attachment; filename="{seal.file_name}"',
                "X-Seal-Id": seal.seal_id,
                "X-Content-SHA256": seal.content_sha256,
            },
        )

    @api.route(
        "POST",
        "/api/v1/seals/verify",
        summary="Verify a sealed file",
        tag="approvals",
        response=SealVerificationOut,
        problems=SERVICE_PROBLEMS,
        description="Upload the file as multipart/form-data (field `file`) or as the raw "
        "request body. `valid` is true only for the exact file that was sealed; "
        "`reason` says what differs.",
    )
    def verify_seal(who: Call) -> SealVerificationOut:
        data = uploaded_file()
        if not data:
            raise ProblemError(
                validation_problem(
                    [FieldError("file", "upload the sealed file (multipart field or raw body)")]
                )
            )
        result = call("VerifySeal", approvals_pb2.VerifySealRequest(file=data), who)
        return SealVerificationOut(
            valid=result.valid,
            reason=result.reason,
            approval_id=result.approval_id,
            seal_id=result.seal_id,
        )

    @api.route(
        "POST",
        "/api/v1/me/absences",
        summary="Record my absence and who decides for me",
        tag="approvals",
        body=AbsenceIn,
        response=AbsenceOut,
        status=201,
        problems=SERVICE_PROBLEMS,
        description="SPEC D-09: approval steps opening for me inside the window go to the "
        "delegate, recorded as on my behalf.",
    )
    def record_absence(who: Call) -> AbsenceOut:
        body: AbsenceIn = who.body
        message = approvals_pb2.RecordAbsenceRequest(delegate_username=body.delegate_username)
        message.start.CopyFrom(timestamp(_aware(body.start, gateway.timezone)))
        message.end.CopyFrom(timestamp(_aware(body.end, gateway.timezone)))
        return absence_out(call("RecordAbsence", message, who))

    @api.route(
        "GET",
        "/api/v1/me/absences",
        summary="My recorded absences",
        tag="approvals",
        response=AbsenceList,
        problems=SERVICE_PROBLEMS,
    )
    def list_absences(who: Call) -> AbsenceList:
        reply = call("ListAbsences", approvals_pb2.ListAbsencesRequest(), who)
        return AbsenceList(items=[absence_out(a) for a in reply.items])

    @api.route(
        "GET",
        "/api/v1/approval-templates",
        summary="Approval templates (current versions)",
        tag="approvals",
        response=TemplateList,
        problems=SERVICE_PROBLEMS,
    )
    def list_templates(who: Call) -> TemplateList:
        reply = call("ListTemplates", approvals_pb2.ListTemplatesRequest(), who)
        return TemplateList(items=[template_out(t) for t in reply.templates])

    @api.route(
        "GET",
        "/api/v1/approval-templates/<key>",
        summary="One approval template",
        tag="approvals",
        query=TemplateVersionQuery,
        response=TemplateOut,
        problems=SERVICE_PROBLEMS,
    )
    def get_template(who: Call) -> TemplateOut:
        query: TemplateVersionQuery = who.query
        return template_out(
            call(
                "GetTemplate",
                approvals_pb2.GetTemplateRequest(key=who.path["key"], version=query.version or 0),
                who,
            )
        )

    @api.route(
        "POST",
        "/api/v1/approval-templates",
        summary="Create or change a template (a new version)",
        tag="approvals",
        body=TemplateIn,
        response=TemplateOut,
        status=201,
        roles=(ADMIN,),
        problems=SERVICE_PROBLEMS,
        description="Each change makes a new version; running approvals keep the version "
        "they started with.",
    )
    def put_template(who: Call) -> Reply:
        body: TemplateIn = who.body
        template = approvals_pb2.Template(
            key=body.key,
            name=body.name,
            description=body.description,
            form_schema_json=json.dumps(body.form_schema, ensure_ascii=False),
        )
        for step in body.steps:
            out = template.steps.add(name=step.name, mode=step.mode)
            for rule in step.approvers:
                out.approvers.add(kind=rule.kind, role=rule.role, username=rule.username)
            for condition in step.conditions:
                out.conditions.add(
                    field=condition.field,
                    op=condition.op,
                    value_json=json.dumps(condition.value, ensure_ascii=False),
                )
        created = template_out(
            call("PutTemplate", approvals_pb2.PutTemplateRequest(template=template), who)
        )
        return Reply(
            created,
            headers={"Location": f"/api/v1/approval-templates/{quote(created.key)}"},
        )
