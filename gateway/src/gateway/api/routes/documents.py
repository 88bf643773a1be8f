"""Documents and audit entries, routed to the documents service (SPEC D-01..D-05, X-04)."""

from __future__ import annotations

from datetime import date, datetime, time
from urllib.parse import quote
from zoneinfo import ZoneInfo

from gateway.adapters.proto_json import message_to_dict, timestamp
from gateway.api.registry import Api, Call, Reply
from gateway.api.schemas.documents import (
    AuditList,
    AuditPaging,
    AuditQuery,
    CompleteStepIn,
    DocumentList,
    DocumentOut,
    DocumentQuery,
    RegisterDocumentIn,
)
from gateway.bootstrap import Gateway
from secretariat.documents.v1 import documents_pb2, documents_pb2_grpc

SERVICE_PROBLEMS = (404, 409, 503, 504)


def instant(value: date | datetime, zone: ZoneInfo, *, end_of_day: bool) -> datetime:
    """A query's date or datetime as an aware instant; a date means its whole day."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    return datetime.combine(value, time.max if end_of_day else time.min, tzinfo=zone)


def register_document_routes(api: Api, gateway: Gateway) -> None:
    def call(method: str, request: object, who: Call) -> object:
        assert who.caller is not None
        return gateway.services.call(
            gateway.documents,
            documents_pb2_grpc.DocumentRegistryStub,
            method,
            request,
            who.caller.identity,
        )

    def document(message: object) -> DocumentOut:
        return DocumentOut.model_validate(message_to_dict(message))  # type: ignore[arg-type]

    @api.route(
        "POST",
        "/api/v1/documents",
        summary="Register a document",
        tag="documents",
        body=RegisterDocumentIn,
        response=DocumentOut,
        status=201,
        problems=SERVICE_PROBLEMS,
        description="Gives it a number DEPT-YEAR-TYPE-SEQ (D-01) and starts its flow (D-05).",
    )
    def register_document(who: Call) -> Reply:
        body: RegisterDocumentIn = who.body
        request = documents_pb2.RegisterDocumentRequest(
            title=body.title,
            type_code=body.type_code,
            department_code=body.department_code,
            security_class=body.security_class,
            retention=body.retention,
            priority=body.priority,
            readers=body.readers,
            body=body.body,
            handler_username=body.handler_username or "",
        )
        created = document(call("RegisterDocument", request, who))
        return Reply(created, headers={"Location": f"/api/v1/documents/{quote(created.id)}"})

    @api.route(
        "GET",
        "/api/v1/documents/<id>",
        summary="One document",
        tag="documents",
        response=DocumentOut,
        problems=SERVICE_PROBLEMS,
        description="A document the caller may not read (X-03) is 404.",
    )
    def get_document(who: Call) -> DocumentOut:
        request = documents_pb2.GetDocumentRequest(id=who.path["id"])
        return document(call("GetDocument", request, who))

    @api.route(
        "GET",
        "/api/v1/documents",
        summary="Search documents",
        tag="documents",
        query=DocumentQuery,
        response=DocumentList,
        problems=SERVICE_PROBLEMS,
        description="Only documents the caller may read are listed (X-03).",
    )
    def list_documents(who: Call) -> DocumentList:
        query: DocumentQuery = who.query
        request = documents_pb2.ListDocumentsRequest(
            q=query.q or "",
            number=query.number or "",
            department_code=query.department_code or "",
            type_code=query.type_code or "",
            page=query.page or 0,
            page_size=query.page_size or 0,
        )
        if query.from_ is not None:
            request.registered_from.CopyFrom(
                timestamp(instant(query.from_, gateway.timezone, end_of_day=False))
            )
        if query.to is not None:
            request.registered_to.CopyFrom(
                timestamp(instant(query.to, gateway.timezone, end_of_day=True))
            )
        return DocumentList.model_validate(
            message_to_dict(call("ListDocuments", request, who))  # type: ignore[arg-type]
        )

    @api.route(
        "POST",
        "/api/v1/documents/<id>/steps/<step_id>/complete",
        summary="Complete a step of a document's flow",
        tag="documents",
        body=CompleteStepIn,
        response=DocumentOut,
        problems=SERVICE_PROBLEMS,
    )
    def complete_step(who: Call) -> DocumentOut:
        body: CompleteStepIn = who.body
        request = documents_pb2.CompleteStepRequest(
            document_id=who.path["id"],
            step_id=who.path["step_id"],
            comment=body.comment,
            circulate_to=body.circulate_to,
        )
        return document(call("CompleteStep", request, who))

    @api.route(
        "GET",
        "/api/v1/documents/<id>/audit",
        summary="A document's audit trail",
        tag="audit",
        query=AuditPaging,
        response=AuditList,
        problems=SERVICE_PROBLEMS,
    )
    def document_audit(who: Call) -> AuditList:
        query: AuditPaging = who.query
        request = documents_pb2.ListAuditEntriesRequest(
            entity_id=who.path["id"], page=query.page or 0, page_size=query.page_size or 0
        )
        return AuditList.model_validate(
            message_to_dict(call("ListAuditEntries", request, who))  # type: ignore[arg-type]
        )

    @api.route(
        "GET",
        "/api/v1/audit",
        summary="Search the audit trail",
        tag="audit",
        query=AuditQuery,
        response=AuditList,
        problems=SERVICE_PROBLEMS,
        description="For secretariat and the discipline office (X-04); the service decides.",
    )
    def audit(who: Call) -> AuditList:
        query: AuditQuery = who.query
        request = documents_pb2.ListAuditEntriesRequest(
            entity_id=query.entity_id or "",
            actor=query.actor or "",
            page=query.page or 0,
            page_size=query.page_size or 0,
        )
        return AuditList.model_validate(
            message_to_dict(call("ListAuditEntries", request, who))  # type: ignore[arg-type]
        )
