"""The DocumentRegistry gRPC API: protobuf in, use case, protobuf out."""

from __future__ import annotations

import json
from collections.abc import Callable

import grpc

from documents.domain.catalogue import DOCUMENT_TYPES
from documents.domain.model import Document, Step
from documents.service_layer.commands import CompleteStep, ListDocuments, RegisterDocument
from documents.service_layer.register import DocumentRegister
from secretariat.documents.v1 import documents_pb2, documents_pb2_grpc
from secretariat_shared.contract.conditional import conditional_answer
from secretariat_shared.grpc_server import current_identity
from secretariat_shared.paging import page_of
from secretariat_shared.proto_conversions import set_timestamp as _ts
from secretariat_shared.proto_conversions import timestamp_of as _from_ts

DueProvisional = Callable[[Document, Step], bool]
"""Whether a step's due time rests on a year with no holiday data (X-02)."""


def step_to_proto(step: Step, due_provisional: bool = False) -> documents_pb2.Step:
    message = documents_pb2.Step(
        id=step.id,
        kind=step.kind.value,
        owners=step.owners,
        state=step.state.value,
        completed_by=step.completed_by,
        comment=step.comment,
        done_by=step.done_by,
        overdue=step.overdue,
        due_provisional=due_provisional,
        escalated=step.escalated,
        stand_ins=[
            documents_pb2.StepStandIn(owner=x.owner, username=x.username, reason=x.reason.value)
            for x in step.stand_ins
        ],
        acted_for=[
            documents_pb2.StepStandIn(owner=owner, username=by, reason="acted")
            for owner, by in sorted(step.acted_for.items())
        ],
    )
    _ts(step.escalate_at, message.escalate_at)
    _ts(step.opened_at, message.opened_at)
    _ts(step.due_at, message.due_at)
    _ts(step.completed_at, message.completed_at)
    return message


def document_to_proto(
    document: Document, due_provisional: DueProvisional | None = None
) -> documents_pb2.Document:
    message = documents_pb2.Document(
        id=document.id,
        number=document.number,
        title=document.title,
        type_code=document.type_code,
        type_name=DOCUMENT_TYPES[document.type_code],
        department_code=document.department_code,
        security_class=document.security_class.value,
        retention=document.retention.value,
        priority=document.priority.value,
        readers=document.readers,
        body=document.body,
        label_colour=document.label_colour.value,
        state=document.state.value,
        registered_by=document.registered_by,
        steps=[
            step_to_proto(s, due_provisional(document, s) if due_provisional else False)
            for s in document.steps
        ],
    )
    _ts(document.registered_at, message.registered_at)
    _ts(document.flow_due_at, message.flow_due_at)
    _ts(document.flow_closed_at, message.flow_closed_at)
    if document.flow_met is not None:
        message.flow_met = document.flow_met
    return message


class DocumentRegistryServicer(documents_pb2_grpc.DocumentRegistryServicer):
    def __init__(self, register: DocumentRegister) -> None:
        self._register = register

    def RegisterDocument(  # noqa: N802
        self, request: documents_pb2.RegisterDocumentRequest, context: grpc.ServicerContext
    ) -> documents_pb2.Document:
        document = self._register.register(
            current_identity(),
            RegisterDocument(
                title=request.title,
                type_code=request.type_code,
                department_code=request.department_code,
                security_class=request.security_class,
                retention=request.retention,
                priority=request.priority,
                readers=list(request.readers),
                body=request.body,
                handler_username=request.handler_username,
            ),
        )
        return document_to_proto(document, self._register.due_provisional)

    def GetDocument(  # noqa: N802
        self, request: documents_pb2.GetDocumentRequest, context: grpc.ServicerContext
    ) -> documents_pb2.Document:
        # Read and checked (X-03, classified reads audited) before any 304 (issue 20).
        document = self._register.get(current_identity(), request.id)
        return conditional_answer(
            context, document_to_proto(document, self._register.due_provisional)
        )

    def ListDocuments(  # noqa: N802
        self, request: documents_pb2.ListDocumentsRequest, context: grpc.ServicerContext
    ) -> documents_pb2.ListDocumentsResponse:
        page = request.page or 1
        page_size = request.page_size or 20
        items, total = self._register.search(
            current_identity(),
            ListDocuments(
                q=request.q,
                number=request.number,
                department_code=request.department_code,
                type_code=request.type_code,
                registered_from=_from_ts(request, "registered_from"),
                registered_to=_from_ts(request, "registered_to"),
                page=page,
                page_size=page_size,
            ),
        )
        return documents_pb2.ListDocumentsResponse(
            items=[document_to_proto(d, self._register.due_provisional) for d in items],
            total=total,
            page=page,
            page_size=page_size,
        )

    def CompleteStep(  # noqa: N802
        self, request: documents_pb2.CompleteStepRequest, context: grpc.ServicerContext
    ) -> documents_pb2.Document:
        document = self._register.complete_step(
            current_identity(),
            CompleteStep(
                document_id=request.document_id,
                step_id=request.step_id,
                comment=request.comment,
                circulate_to=list(request.circulate_to),
            ),
        )
        return document_to_proto(document, self._register.due_provisional)

    def ListAuditEntries(  # noqa: N802
        self, request: documents_pb2.ListAuditEntriesRequest, context: grpc.ServicerContext
    ) -> documents_pb2.ListAuditEntriesResponse:
        paging = page_of(request.page, request.page_size)
        rows, total = self._register.audit_entries(
            current_identity(),
            request.entity_id,
            request.actor,
            paging.page,
            paging.page_size,
            entity_type=request.entity_type,
            at_from=_from_ts(request, "at_from"),
            at_to=_from_ts(request, "at_to"),
        )
        items = []
        for row in rows:
            entry = documents_pb2.AuditEntry(
                id=row["id"],
                actor=row["actor"],
                action=row["action"],
                entity_type=row["entity_type"],
                entity_id=row["entity_id"],
                before_json=json.dumps(row["before"], ensure_ascii=False) if row["before"] else "",
                after_json=json.dumps(row["after"], ensure_ascii=False) if row["after"] else "",
            )
            _ts(row["at"], entry.at)
            items.append(entry)
        return documents_pb2.ListAuditEntriesResponse(
            items=items, total=total, page=paging.page, page_size=paging.page_size
        )
