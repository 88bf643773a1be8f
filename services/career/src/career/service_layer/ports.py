"""What the career service needs from other services."""

from __future__ import annotations

from typing import Protocol

from secretariat_shared.approvals import ApprovalRequest as ApprovalRequest
from secretariat_shared.approvals import Approvals as Approvals
from secretariat_shared.directory import DepartmentInfo, PersonInfo


class CareerDirectory(Protocol):
    """The organisation directory (SPEC X-01) plus who reports to whom."""

    def person(self, username: str) -> PersonInfo | None: ...

    def department(self, code: str) -> DepartmentInfo | None: ...

    def role_holders(self, role: str) -> list[str]: ...

    def direct_reports(self, username: str) -> list[str]: ...
