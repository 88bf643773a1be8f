"""Use cases of the approval engine (SPEC D-06..D-10, X-04, X-05, X-06).

Every change runs in one unit of work that locks the approval's row
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers), so
concurrent decisions on one approval apply one after the other and each
counts exactly once. Each change writes its events, its inbox notices
(``documents.notification.requested``) and its audit rows in the same
transaction; step deadlines are timers scheduled there too.

:class:`ApprovalEngine` is the one object the servicer, the timers and the
tests hold; each capability lives in a module of its own (issue 11 item 5):

- ``approval_templates``: the built-ins, administrators' versions, forms;
- ``approval_starting``: starting, idempotent on a service's source;
- ``approval_deciding``: decisions, resubmission, withdrawal;
- ``approval_absences``: absences and stand-ins;
- ``approval_sealing``: the sealed final version and its verification;
- ``approval_queries``: reading, listing, the inbox and the SLA report;
- ``approval_timers``: reminders and escalations;
- ``approval_flow``: what they share (opening steps, following the directory,
  completion, notices); ``approval_common``: names and small helpers.

Checks that need no I/O live in :mod:`documents.domain.approvals.validation`.
"""

from __future__ import annotations

from documents.adapters.seal_signer import SealSigner
from documents.domain.approvals.model import Absence, Approval, ApprovalStep
from documents.domain.approvals.seal import SealRecord, Verdict
from documents.domain.approvals.sla import SlaFigures
from documents.domain.approvals.templates import Template
from documents.service_layer.approval_absences import ApprovalAbsences
from documents.service_layer.approval_commands import (
    Decide,
    ListApprovals,
    PutTemplate,
    RecordAbsence,
    Resubmit,
    StartApproval,
    Withdraw,
)
from documents.service_layer.approval_common import (
    ESCALATION_TIMER,
    KNOWN_ROLES,
    REMINDER_TIMER,
    SERVICE,
    STEP_APPROVED,
    TEMPLATE_ADMIN_ROLE,
    ApprovalBusy,
    DirectoryOrganisation,
    UowFactory,
    approval_snapshot,
    timer_key,
)
from documents.service_layer.approval_deciding import ApprovalDecisions
from documents.service_layer.approval_queries import ApprovalQueries
from documents.service_layer.approval_sealing import ApprovalSeals
from documents.service_layer.approval_starting import ApprovalStarting
from documents.service_layer.approval_templates import ApprovalTemplates
from documents.service_layer.approval_timers import ApprovalTimers
from documents.service_layer.ports import Directory
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.identity import Identity
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

__all__ = [
    "ESCALATION_TIMER",
    "KNOWN_ROLES",
    "REMINDER_TIMER",
    "SERVICE",
    "STEP_APPROVED",
    "TEMPLATE_ADMIN_ROLE",
    "ApprovalBusy",
    "ApprovalEngine",
    "DirectoryOrganisation",
    "approval_snapshot",
]


class ApprovalEngine:
    def __init__(
        self,
        uow_factory: UowFactory,
        directory: Directory,
        calendar: BusinessCalendar,
        clock: Clock,
        db: Database,
        signer: SealSigner,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self._templates = ApprovalTemplates(uow_factory, directory, clock, db)
        parts = (uow_factory, directory, calendar, clock, db, signer, self._templates, timezone)
        self._starting = ApprovalStarting(*parts)
        self._decisions = ApprovalDecisions(*parts)
        self._absences = ApprovalAbsences(*parts)
        self._queries = ApprovalQueries(*parts)
        self._timers = ApprovalTimers(*parts)
        self._seals = ApprovalSeals(db, timezone)

    @staticmethod
    def _timer_key(approval: Approval, step: ApprovalStep, kind: str) -> str:
        return timer_key(approval, step, kind)

    # -- templates (D-06) ---------------------------------------------------

    def list_templates(self, actor: Identity) -> list[Template]:
        return self._templates.list_templates(actor)

    def get_template(self, actor: Identity, key: str, version: int = 0) -> Template:
        return self._templates.get_template(actor, key, version)

    def put_template(self, actor: Identity, cmd: PutTemplate) -> Template:
        return self._templates.put_template(actor, cmd)

    # -- starting and deciding (D-06, D-07, D-09) -----------------------------

    def start(self, actor: Identity, cmd: StartApproval) -> Approval:
        return self._starting.start(actor, cmd)

    def decide(self, actor: Identity, cmd: Decide) -> Approval:
        return self._decisions.decide(actor, cmd)

    def resubmit(self, actor: Identity, cmd: Resubmit) -> Approval:
        return self._decisions.resubmit(actor, cmd)

    def withdraw(self, actor: Identity, cmd: Withdraw) -> Approval:
        return self._decisions.withdraw(actor, cmd)

    # -- absences (D-09) ------------------------------------------------------

    def record_absence(self, actor: Identity, cmd: RecordAbsence) -> Absence:
        return self._absences.record_absence(actor, cmd)

    def absences(self, actor: Identity) -> list[Absence]:
        return self._absences.absences(actor)

    # -- seal (D-09) ----------------------------------------------------------

    def get_seal(self, actor: Identity, approval_id: str) -> SealRecord:
        return self._seals.get_seal(actor, approval_id)

    def verify_seal(self, actor: Identity, data: bytes) -> Verdict:
        return self._seals.verify_seal(actor, data)

    # -- reading and the SLA report (D-10) ------------------------------

    def get(self, actor: Identity, approval_id: str) -> Approval:
        return self._queries.get(actor, approval_id)

    def search(self, actor: Identity, query: ListApprovals) -> tuple[list[Approval], int]:
        return self._queries.search(actor, query)

    def pending_for(self, actor: Identity, page: int, page_size: int) -> tuple[list[Approval], int]:
        return self._queries.pending_for(actor, page, page_size)

    def sla_report(self, actor: Identity, month: str = "") -> tuple[str, SlaFigures]:
        return self._queries.sla_report(actor, month)

    # -- timers (D-08, X-05) ------------------------------------------------------

    def on_step_reminder(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        self._timers.on_step_reminder(uow, firing)

    def on_step_escalation(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        self._timers.on_step_escalation(uow, firing)
