"""What the career service needs from other services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from secretariat_shared.directory import DepartmentInfo, PersonInfo


class CareerDirectory(Protocol):
    """The organisation directory (SPEC X-01) plus who reports to whom."""

    def person(self, username: str) -> PersonInfo | None: ...

    def department(self, code: str) -> DepartmentInfo | None: ...

    def role_holders(self, role: str) -> list[str]: ...

    def direct_reports(self, username: str) -> list[str]: ...


@dataclass(frozen=True)
class ApprovalRequest:
    template: str
    subject: str
    requester_username: str
    source_ref: str
    payload: dict[str, Any] = field(default_factory=dict)


class Approvals(Protocol):
    """The approval engine (documents, SPEC D-06)."""

    def start(self, request: ApprovalRequest) -> str: ...
