"""Starting an approval in the approval engine (documents service, SPEC D-06)
from another service, over gRPC.

Calls carry a service token: the engine trusts ``requester_username`` only
from a service, which is how an approval is started on a person's behalf.
The engine is idempotent on ``(source_service, source_ref)``, so a caller
commits its own record first and may retry the start (docs/adding-a-service.md).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import grpc

from secretariat.documents.v1 import approvals_pb2, approvals_pb2_grpc
from secretariat.documents.v1 import events_pb2 as documents_events
from secretariat_shared.channels import open_channel
from secretariat_shared.contract.status import field_errors_of
from secretariat_shared.errors import FieldError, PreconditionFailed, ValidationFailed
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.grpc_server import identity_metadata
from secretariat_shared.uow import UnitOfWork

log = logging.getLogger(__name__)

APPROVAL_COMPLETED = "documents.approval.completed"
OUTCOMES = ("approved", "rejected", "withdrawn")

Decided = Callable[[UnitOfWork, str, str, str], None]
"""``(uow, local_id, approval_id, outcome)``: a use case learns its approval's outcome."""


@dataclass(frozen=True)
class ApprovalRequest:
    """An approval the engine runs for a service; ``source_ref`` is
    ``<kind>:<the service's id>`` and comes back on ``documents.approval.completed``."""

    template: str
    subject: str
    requester_username: str
    source_ref: str
    payload: dict[str, Any] = field(default_factory=dict)
    urgent: bool = False
    content: str = ""


class Approvals(Protocol):
    def start(self, request: ApprovalRequest) -> str: ...


def _field_errors(exc: grpc.RpcError) -> list[FieldError]:
    return [FieldError(f"approval.{e.field}", e.message) for e in field_errors_of(exc)]


class GrpcApprovals:
    """:class:`Approvals` over gRPC for the service ``source_service``."""

    def __init__(
        self,
        address: str,
        token: Callable[[], str],
        source_service: str,
        timeout: float = 10.0,
        unavailable: Callable[[], PreconditionFailed] | None = None,
    ) -> None:
        """``unavailable`` makes the error raised when the engine does not answer; by
        default "nothing was submitted, try again" (a caller that retries through a
        timer says so in its own error)."""
        self._channel = open_channel(address)
        self._stub = approvals_pb2_grpc.ApprovalsStub(self._channel)
        self._token = token
        self._source_service = source_service
        self._timeout = timeout
        self._unavailable = unavailable or (
            lambda: PreconditionFailed(
                "the approval engine cannot be reached; nothing was submitted, try again"
            )
        )

    def start(self, request: ApprovalRequest) -> str:
        """The engine's approval id; refusals become field errors or a precondition."""
        message = approvals_pb2.StartApprovalRequest(
            template=request.template,
            subject=request.subject,
            payload_json=json.dumps(request.payload, ensure_ascii=False),
            urgent=request.urgent,
            requester_username=request.requester_username,
            source_service=self._source_service,
            source_ref=request.source_ref,
            content=request.content,
        )
        try:
            approval = self._stub.StartApproval(
                message, metadata=identity_metadata(self._token()), timeout=self._timeout
            )
        except grpc.RpcError as exc:
            code = exc.code()
            details = exc.details() or ""
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                errors = _field_errors(exc) or [FieldError("approval", details)]
                raise ValidationFailed(
                    errors, f"the approval engine refused it: {details}"
                ) from exc
            if code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION):
                raise PreconditionFailed(f"the approval engine refused it: {details}") from exc
            log.warning("StartApproval failed: %s %s", code, details)
            raise self._unavailable() from exc
        return str(approval.id)

    def close(self) -> None:
        self._channel.close()


class OutcomeRoutes:
    """``documents.approval.completed`` for the approvals ``service`` started,
    routed by the kind in ``source_ref = <kind>:<local id>`` to the use case
    that owns it; other services' approvals are ignored, unknown kinds and
    outcomes logged and dropped."""

    def __init__(self, service: str, routes: Mapping[str, Decided] | None = None) -> None:
        self._service = service
        self._routes: dict[str, Decided] = dict(routes or {})

    def route(self, kind: str, decided: Decided) -> None:
        self._routes[kind] = decided

    def on_approval_completed(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        payload = event.payload_as(documents_events.ApprovalCompleted)
        assert isinstance(payload, documents_events.ApprovalCompleted)
        ref = payload.approval
        if ref.source_service != self._service:
            return
        kind, _, local_id = ref.source_ref.partition(":")
        decided = self._routes.get(kind)
        if decided is None or not local_id or payload.outcome not in OUTCOMES:
            log.warning(
                "approval %s: unknown source %r or outcome %r",
                ref.approval_id,
                ref.source_ref,
                payload.outcome,
            )
            return
        decided(uow, local_id, ref.approval_id, payload.outcome)
