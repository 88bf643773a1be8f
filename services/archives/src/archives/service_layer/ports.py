"""What the use cases need from outside the service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from secretariat_shared.approvals import ApprovalRequest as ApprovalRequest
from secretariat_shared.approvals import Approvals as Approvals
from secretariat_shared.directory import DepartmentInfo as DepartmentInfo
from secretariat_shared.directory import Directory as Directory
from secretariat_shared.directory import PersonInfo as PersonInfo


@dataclass(frozen=True)
class ArchivedDocument:
    """A registered document as the documents service shows it to services."""

    id: str
    number: str
    title: str
    type_code: str
    department_code: str
    security_class: str
    retention: str
    body: str
    registered_at: datetime
    readers: list[str] = field(default_factory=list)
    priority: str = "routine"


@dataclass(frozen=True)
class SealedFile:
    """A sealed approval's final version (D-09)."""

    seal_id: str
    approval_id: str
    file: bytes
    file_name: str
    content_sha256: str
    signature_b64: str
    public_key_pem: str


class Documents(Protocol):
    """The documents service: archived documents and sealed approvals."""

    def document(self, document_id: str) -> ArchivedDocument: ...

    def seal(self, approval_id: str) -> SealedFile: ...
