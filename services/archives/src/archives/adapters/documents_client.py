"""The documents service over gRPC: archived documents and sealed approvals.

Calls carry a service token; documents lets services read every document
(each service enforces X-03 again on what it exposes).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

import grpc

from archives.service_layer.ports import ArchivedDocument, SealedFile
from secretariat.documents.v1 import (
    approvals_pb2,
    approvals_pb2_grpc,
    documents_pb2,
    documents_pb2_grpc,
)
from secretariat_shared.grpc_server import identity_metadata


class GrpcDocuments:
    def __init__(self, address: str, token: Callable[[], str], timeout: float = 10.0) -> None:
        self._channel = grpc.insecure_channel(address)
        self._documents = documents_pb2_grpc.DocumentRegistryStub(self._channel)
        self._approvals = approvals_pb2_grpc.ApprovalsStub(self._channel)
        self._token = token
        self._timeout = timeout

    def document(self, document_id: str) -> ArchivedDocument:
        doc = self._documents.GetDocument(
            documents_pb2.GetDocumentRequest(id=document_id),
            metadata=identity_metadata(self._token()),
            timeout=self._timeout,
        )
        return ArchivedDocument(
            id=doc.id,
            number=doc.number,
            title=doc.title,
            type_code=doc.type_code,
            department_code=doc.department_code,
            security_class=doc.security_class,
            retention=doc.retention,
            body=doc.body,
            readers=list(doc.readers),
            registered_at=doc.registered_at.ToDatetime(tzinfo=UTC),
            priority=doc.priority,
        )

    def seal(self, approval_id: str) -> SealedFile:
        seal = self._approvals.GetSeal(
            approvals_pb2.GetSealRequest(approval_id=approval_id),
            metadata=identity_metadata(self._token()),
            timeout=self._timeout,
        )
        return SealedFile(
            seal_id=seal.seal_id,
            approval_id=seal.approval_id,
            file=seal.file,
            file_name=seal.file_name,
            content_sha256=seal.content_sha256,
            signature_b64=seal.signature_b64,
            public_key_pem=seal.public_key_pem,
        )

    def close(self) -> None:
        self._channel.close()
