"""What the use cases need from outside the service."""

from __future__ import annotations

from typing import Protocol

from secretariat_shared.approvals import ApprovalRequest as ApprovalRequest
from secretariat_shared.directory import DepartmentInfo as DepartmentInfo
from secretariat_shared.directory import Directory as Directory
from secretariat_shared.directory import PersonInfo as PersonInfo
from secretariat_shared.errors import PreconditionFailed


class ApprovalsUnavailable(PreconditionFailed):
    """The engine did not answer: the approval may or may not have started."""


class Approvals(Protocol):
    """The approval engine; :meth:`start` returns the approval's id.

    Idempotent on ``source_ref``: starting the same reference again returns
    the approval the first call started. Raises ``ValidationFailed`` or
    ``PreconditionFailed`` when the engine refuses the request and
    :class:`ApprovalsUnavailable` when it cannot be reached.
    """

    def start(self, request: ApprovalRequest) -> str: ...
