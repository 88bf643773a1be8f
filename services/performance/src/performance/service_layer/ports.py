"""What the use cases need from outside the service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from secretariat_shared.directory import Directory as Directory
from secretariat_shared.directory import PersonInfo as PersonInfo


@dataclass(frozen=True)
class ApprovalRequest:
    """An approval the engine (documents service, D-06) runs for us; the outcome
    comes back as ``documents.approval.completed`` carrying ``source_ref``."""

    template: str
    subject: str
    payload: dict[str, Any]
    requester_username: str
    source_ref: str


class Approvals(Protocol):
    """The approval engine; :meth:`start` returns the new approval's id."""

    def start(self, request: ApprovalRequest) -> str: ...
