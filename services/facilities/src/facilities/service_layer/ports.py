"""What the use cases need from outside the service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from secretariat_shared.directory import DepartmentInfo as DepartmentInfo
from secretariat_shared.directory import Directory as Directory
from secretariat_shared.directory import PersonInfo as PersonInfo


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


class Approvals(Protocol):
    """The approval engine; :meth:`start` returns the new approval's id.

    Raises ``ValidationFailed`` when the engine refuses the request and
    ``PreconditionFailed`` when it cannot be reached.
    """

    def start(self, request: ApprovalRequest) -> str: ...
