"""What the use cases need from outside the service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from secretariat_shared.directory import DepartmentInfo as DepartmentInfo
from secretariat_shared.directory import Directory as Directory
from secretariat_shared.directory import PersonInfo as PersonInfo
from secretariat_shared.errors import PreconditionFailed


@dataclass(frozen=True)
class ApprovalRequest:
    """An approval the engine (SPEC D-06, documents service) runs for us.

    ``source_ref`` is ``<kind>:<our id>``; the outcome comes back as a
    ``documents.approval.completed`` event carrying it.
    """

    template: str
    subject: str
    payload: dict[str, Any]
    requester_username: str
    source_ref: str
    urgent: bool = False
    content: str = ""


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
