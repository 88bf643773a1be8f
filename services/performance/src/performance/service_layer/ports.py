"""What the use cases need from outside the service."""

from __future__ import annotations

from typing import Protocol

from secretariat_shared.approvals import ApprovalRequest as ApprovalRequest
from secretariat_shared.directory import Directory as Directory
from secretariat_shared.directory import PersonInfo as PersonInfo


class Approvals(Protocol):
    """The approval engine; :meth:`start` returns the new approval's id."""

    def start(self, request: ApprovalRequest) -> str: ...
