"""Names and small pieces every part of the approval engine shares."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from documents.adapters.approval_repository import ApprovalRepository
from documents.domain.approvals import access as approval_access
from documents.domain.approvals.model import (
    AlreadyDecided,
    Approval,
    ApprovalClosed,
    ApprovalStep,
    InvalidDecision,
    NoApprover,
    NotAnApprover,
)
from documents.service_layer.ports import Directory
from secretariat.documents.v1 import events_pb2
from secretariat_shared.access import viewer_of
from secretariat_shared.errors import (
    FieldError,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.roles import ROLES, Role
from secretariat_shared.uow import UnitOfWork

REMINDER_TIMER = "approval_step_reminder"
ESCALATION_TIMER = "approval_step_escalation"
STEP_APPROVED = "documents.approval.step_approved"
"""One step approved (or one approver of an "all" step); not the whole approval."""
SERVICE = "documents"
TEMPLATE_ADMIN_ROLE = Role.ADMIN
KNOWN_ROLES = ROLES

UowFactory = Callable[[], UnitOfWork]


class ApprovalBusy(Exception):
    """Another transaction holds the approval; the timer firing is retried later."""


class DirectoryOrganisation:
    """The Directory (X-01) and the absence register, as routing asks for them."""

    def __init__(self, directory: Directory, repo: ApprovalRepository) -> None:
        self._directory = directory
        self._repo = repo

    def department_head(self, code: str) -> str:
        department = self._directory.department(code)
        return department.head_username if department else ""

    def supervising_leader(self, code: str) -> str:
        department = self._directory.department(code)
        return department.supervising_leader_username if department else ""

    def superior_of(self, username: str) -> str:
        person = self._directory.person(username)
        return person.superior_username if person else ""

    def department_of(self, username: str) -> str:
        person = self._directory.person(username)
        return person.department_code if person else ""

    def role_holders(self, role: str) -> list[str]:
        return self._directory.role_holders(role)

    def exists(self, username: str) -> bool:
        return self._directory.person(username) is not None

    def stand_in(self, username: str, at: datetime) -> str:
        return self._repo.stand_in(username, at)


def approval_snapshot(approval: Approval) -> dict[str, Any]:
    """What the audit trail keeps of an approval's state (X-04)."""
    current = approval.current_step()
    return {
        "status": approval.status.value,
        "revision": approval.revision,
        "subject": approval.subject,
        "current_step": current.index if current else -1,
        "current_step_name": current.name if current else "",
        "waiting_on": current.waiting_on() if current else [],
        "seal_id": approval.seal_id,
    }


@contextmanager
def domain_errors() -> Iterator[None]:
    """The state machine's refusals as the errors callers see (422, 403, 409)."""
    try:
        yield
    except InvalidDecision as exc:
        raise ValidationFailed(FieldError(exc.field, exc.message)) from exc
    except NotAnApprover as exc:
        raise PermissionDenied(str(exc)) from exc
    except (AlreadyDecided, ApprovalClosed, NoApprover) as exc:
        raise PreconditionFailed(str(exc)) from exc


def approval_ref(approval: Approval) -> events_pb2.ApprovalRef:
    """The approval as every ``documents.approval.*`` event names it."""
    return events_pb2.ApprovalRef(
        approval_id=approval.id,
        template=approval.template,
        subject=approval.subject,
        requester=approval.requester,
        source_service=approval.source_service,
        source_ref=approval.source_ref,
        urgent=approval.urgent,
    )


def visible(approval: Approval, actor: Identity) -> bool:
    """SPEC X-03, the shared rule: invisible approvals are 404 like missing ones."""
    return approval_access.can_view(viewer_of(actor), approval)


def timer_key(approval: Approval, step: ApprovalStep, kind: str) -> str:
    return f"approval:{approval.id}:step:{step.index}:{kind}"
