"""Use cases of the document register (SPEC D-01..D-05, X-03, X-04)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from documents.adapters.approval_repository import ApprovalRepository
from documents.adapters.audit_view import search_visible
from documents.adapters.document_reads import read_document
from documents.adapters.orm import platform
from documents.adapters.repository import DocumentFilter, DocumentRepository
from documents.domain.approvals.routing import stand_in_for
from documents.domain.catalogue import (
    DOCUMENT_TYPES,
    DocumentState,
    Priority,
    Retention,
    SecurityClass,
    StepKind,
    StepState,
)
from documents.domain.model import (
    ESCALATION_HOURS,
    Document,
    FlowError,
    StandIn,
    StandInReason,
    Step,
    Viewer,
    act_on_step,
    assign_stand_ins,
    can_read,
    close_flow,
    flow_deadline_hours,
    flow_finished_by,
    open_step,
    step_deadline_hours,
)
from documents.domain.numbering import format_number
from documents.service_layer import metrics
from documents.service_layer.approvals import DirectoryOrganisation
from documents.service_layer.commands import CompleteStep, ListDocuments, RegisterDocument
from documents.service_layer.ports import Directory
from documents.service_layer.unit_of_work import DocumentsUnitOfWork
from secretariat.documents.v1 import events_pb2
from secretariat_shared import access
from secretariat_shared.audit_query import AuditSearch, require_audit_reader
from secretariat_shared.calendar import WALL_CLOCK_LIMIT_HOURS, BusinessCalendar
from secretariat_shared.calendar_sync import apply_calendar_update
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerFiring, TimerStore
from secretariat_shared.uow import UnitOfWork

STEP_DUE_TIMER = "document_step_due"
STEP_ESCALATION_TIMER = "document_step_escalation"
FLOW_DUE_TIMER = "document_flow_due"
REGISTRAR_ROLES = (Role.SECRETARIAT, Role.ADMIN)
AUDIT_READER_ROLES = (Role.SECRETARIAT, Role.DISCIPLINE, Role.ADMIN)
SOURCE = "documents"


def viewer_of(identity: Identity) -> Viewer:
    return access.viewer_of(identity)


def _enum_value(enum: Any, raw: str, field_name: str, errors: list[FieldError]) -> Any:
    try:
        return enum(raw)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        errors.append(FieldError(field_name, f"must be one of {allowed}; got {raw!r}"))
        return None


def document_snapshot(document: Document) -> dict[str, Any]:
    """What the audit trail keeps of a document (X-04): metadata, not the body."""
    return {
        "number": document.number,
        "title": document.title,
        "state": document.state.value,
        "security_class": document.security_class.value,
        "priority": document.priority.value,
        "readers": list(document.readers),
        "steps": [
            {
                "id": s.id,
                "kind": s.kind.value,
                "state": s.state.value,
                "done_by": s.done_by,
                "stand_ins": [
                    {"owner": x.owner, "username": x.username, "reason": x.reason.value}
                    for x in s.stand_ins
                ],
                "acted_for": dict(s.acted_for),
            }
            for s in document.steps
        ],
    }


class DocumentRegister:
    def __init__(
        self,
        uow_factory: Callable[[], DocumentsUnitOfWork],
        directory: Directory,
        calendar: BusinessCalendar,
        clock: Clock,
        db: Database,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self._uow = uow_factory
        self._db = db
        self._directory = directory
        self._calendar = calendar
        self._clock = clock
        self._timers = TimerStore(platform)
        self._zone = ZoneInfo(timezone)

    def deadline(self, opened: datetime, priority: Priority) -> datetime:
        """D-10: routine/important 24 h on the business calendar, urgent 2 h wall-clock."""
        return self._calendar.add_sla(opened, step_deadline_hours(priority))

    def due_provisional(self, document: Document, step: Step) -> bool:
        """X-02: the open step's due time crosses a year with no holiday data, so
        it counts weekends only until that year's schedule arrives."""
        if not step.is_open or step.opened_at is None or step.due_at is None:
            return False
        if step_deadline_hours(document.priority) < WALL_CLOCK_LIMIT_HOURS:
            return False
        return self._calendar.is_provisional(step.opened_at, step.due_at)

    def escalation_time(self, opened: datetime) -> datetime:
        """D-05/D-08: 48 hours after opening, counted on working days (X-02)."""
        return self._calendar.add_sla(opened, ESCALATION_HOURS)

    def _open(self, document: Document, kind: StepKind, owners: list[str], now: datetime) -> Step:
        return open_step(
            document,
            str(uuid.uuid4()),
            kind,
            owners,
            now,
            self.deadline,
            self.escalation_time,
        )

    # -- absences and escalation of flow steps (D-05 follows D-08, D-09) -------

    def _organisation(self, uow: UnitOfWork) -> DirectoryOrganisation:
        return DirectoryOrganisation(self._directory, ApprovalRepository(uow.session))

    def _follow_absences(
        self, uow: UnitOfWork, document: Document, step: Step, now: datetime
    ) -> list[StandIn]:
        """D-09 for D-05 steps: an owner away now is stood in for by the delegate their
        absence names (the chain of delegates followed as approvals follow it)."""
        org = self._organisation(uow)

        def delegate(owner: str) -> str:
            found = stand_in_for(owner, org, now, requester="")
            return "" if found == owner else found

        return assign_stand_ins(document, step, delegate, StandInReason.ABSENCE)

    def _superiors(
        self, uow: UnitOfWork, document: Document, step: Step, now: datetime
    ) -> list[StandIn]:
        """D-08 for D-05 steps: each waiting owner's superior (X-01), or the supervising
        leader of the document's department when they have none; an absent superior's
        delegate instead."""
        org = self._organisation(uow)

        def superior(owner: str) -> str:
            target = org.superior_of(owner) or org.supervising_leader(document.department_code)
            if not target or target == owner:
                return ""
            return stand_in_for(target, org, now, requester="", skip={owner})

        return assign_stand_ins(document, step, superior, StandInReason.ESCALATION)

    # -- registration -------------------------------------------------------

    def register(self, actor: Identity, cmd: RegisterDocument) -> Document:
        errors: list[FieldError] = []
        title = cmd.title.strip()
        if not title:
            errors.append(FieldError("title", "is required"))
        elif len(title) > 500:
            errors.append(FieldError("title", "must be at most 500 characters"))
        if cmd.type_code not in DOCUMENT_TYPES:
            errors.append(
                FieldError("type_code", "must be a two-digit document type from 01 to 12 (D-02)")
            )
        security = _enum_value(SecurityClass, cmd.security_class, "security_class", errors)
        retention = _enum_value(Retention, cmd.retention, "retention", errors)
        priority = _enum_value(Priority, cmd.priority, "priority", errors)
        department = None
        if not cmd.department_code:
            errors.append(FieldError("department_code", "is required"))
        else:
            department = self._directory.department(cmd.department_code)
            if department is None:
                errors.append(
                    FieldError("department_code", f"unknown department {cmd.department_code!r}")
                )
        for index, reader in enumerate(cmd.readers):
            if self._directory.person(reader) is None:
                errors.append(FieldError(f"readers[{index}]", f"unknown person {reader!r}"))
        handler = cmd.handler_username
        if handler:
            if self._directory.person(handler) is None:
                errors.append(FieldError("handler_username", f"unknown person {handler!r}"))
        elif department is not None:
            handler = department.head_username
            if not handler:
                errors.append(
                    FieldError(
                        "handler_username",
                        f"department {department.code} has no head; name who proposes handling",
                    )
                )
            elif security is SecurityClass.SECRET and handler not in (*cmd.readers, actor.username):
                # the department head reads a secret document only if named.
                errors.append(
                    FieldError(
                        "handler_username",
                        "a secret document is handled by a named reader: name the handler "
                        f"or add {handler} to its readers",
                    )
                )
        if errors:
            raise ValidationFailed(errors)
        if (
            not actor.is_service
            and actor.department_code != cmd.department_code
            and not actor.has_role(*REGISTRAR_ROLES)
        ):
            raise PermissionDenied(
                "only the department's own staff or the secretariat may register its documents"
            )

        with self._uow() as uow:
            now = self._clock.now()
            year = now.astimezone(self._zone).year
            document_id = str(uuid.uuid4())
            document = Document(
                id=document_id,
                number=f"pending-{document_id.replace('-', '')}",
                title=title,
                type_code=cmd.type_code,
                department_code=cmd.department_code,
                security_class=security,
                retention=retention,
                priority=priority,
                readers=[],
                body=cmd.body,
                state=DocumentState.REGISTERED,
                registered_by=actor.username,
                registered_at=now,
            )
            document.add_readers([actor.username, *cmd.readers])
            document.steps.append(
                Step(
                    id=str(uuid.uuid4()),
                    kind=StepKind.REGISTER,
                    owners=[actor.username],
                    state=StepState.DONE,
                    opened_at=now,
                    completed_at=now,
                    completed_by=actor.username,
                    done_by=[actor.username],
                    position=0,
                )
            )
            step = self._open(document, StepKind.PROPOSED_HANDLING, [handler], now)
            self._follow_absences(uow, document, step, now)
            document.flow_due_at = self._calendar.add_sla(
                now, flow_deadline_hours(document.priority)
            )
            with self._db.pipelined(uow.session):
                uow.documents.add(document)
                self._timers.schedule_many(
                    uow.session,
                    [
                        *self._step_timers(document, step),
                        (
                            FLOW_DUE_TIMER,
                            f"document-flow:{document.id}:due",
                            document.flow_due_at,
                            {"document_id": document.id},
                        ),
                    ],
                )
            # SPEC D-01: the counter row stays locked from its increment to the
            # commit, so it is taken last; concurrent registrations of one
            # department, year and type queue only for the commit itself, which
            # goes with the number, the events and the audit row in one round trip.
            seq = uow.documents.next_sequence(cmd.department_code, year, cmd.type_code)
            document.number = format_number(cmd.department_code, year, cmd.type_code, seq)
            uow.emit(
                "documents.document.registered",
                document.id,
                events_pb2.DocumentRegistered(
                    document_id=document.id,
                    number=document.number,
                    title=document.title,
                    department_code=document.department_code,
                    type_code=document.type_code,
                    security_class=document.security_class.value,
                    priority=document.priority.value,
                    registered_by=actor.username,
                ),
            )
            self._notify_step(uow, document, step)
            uow.audit(
                actor.username,
                "register",
                "document",
                document.id,
                None,
                document_snapshot(document),
            )
            uow.write_with_commit(*uow.documents.number_update(document.id, document.number))
            uow.commit()
        metrics.DOCUMENTS_REGISTERED.labels(document.type_code, document.priority.value).inc()
        return document

    def _announce_step(
        self, uow: UnitOfWork, document: Document, step: Step, now: datetime
    ) -> None:
        """Each owner (or who stands in for them) gets an assignment event (→ inbox,
        X-06) and the deadlines timers (X-05)."""
        self._follow_absences(uow, document, step, now)
        self._notify_step(uow, document, step)
        self._arm_step(uow, document, step)

    def _notify_step(
        self,
        uow: UnitOfWork,
        document: Document,
        step: Step,
        stand_ins: list[StandIn] | None = None,
    ) -> None:
        """Assignments of the owners and their stand-ins, or only of ``stand_ins``."""
        assignments = (
            [(owner, None) for owner in step.owners] + [(s.username, s) for s in step.stand_ins]
            if stand_ins is None
            else [(s.username, s) for s in stand_ins]
        )
        for assignee, stand_in in assignments:
            event = events_pb2.StepAssigned(
                document_id=document.id,
                number=document.number,
                title=document.title,
                step_id=step.id,
                step_kind=step.kind.value,
                assignee_username=assignee,
                priority=document.priority.value,
                due_provisional=self.due_provisional(document, step),
            )
            if stand_in is not None:
                event.on_behalf_of = stand_in.owner
                event.reason = stand_in.reason.value
            if step.due_at is not None:
                event.due_at.FromDatetime(step.due_at)
            uow.emit("documents.step.assigned", document.id, event)

    def _arm_step(self, uow: UnitOfWork, document: Document, step: Step) -> None:
        self._timers.schedule_many(uow.session, self._step_timers(document, step))

    @staticmethod
    def _step_timers(
        document: Document, step: Step
    ) -> list[tuple[str, str, datetime, dict[str, Any]]]:
        """The open step's deadline and escalation timers (X-05, D-05/D-08)."""
        payload = {"document_id": document.id, "step_id": step.id}
        timers = []
        if step.due_at is not None:
            timers.append((STEP_DUE_TIMER, f"document-step:{step.id}:due", step.due_at, payload))
        if step.escalate_at is not None:
            timers.append(
                (
                    STEP_ESCALATION_TIMER,
                    f"document-step:{step.id}:escalation",
                    step.escalate_at,
                    payload,
                )
            )
        return timers

    # -- reading ------------------------------------------------------------

    def get(self, actor: Identity, document_id: str) -> Document:
        with self._db.connected(one_statement=True) as connection:
            document = read_document(connection, document_id)
        if document is None or not can_read(viewer_of(actor), document):
            raise access.not_found("document", document_id)
        if document.security_class in (SecurityClass.CONFIDENTIAL, SecurityClass.SECRET):
            with self._uow() as uow:
                uow.audit(
                    actor.username,
                    "read_classified",
                    "document",
                    document.id,
                    None,
                    {"number": document.number, "security_class": document.security_class.value},
                )
                uow.commit()
        return document

    def search(self, actor: Identity, query: ListDocuments) -> tuple[list[Document], int]:
        errors: list[FieldError] = []
        if query.page < 1:
            errors.append(FieldError("page", "must be 1 or more"))
        if not 1 <= query.page_size <= 100:
            errors.append(FieldError("page_size", "must be between 1 and 100"))
        if query.type_code and query.type_code not in DOCUMENT_TYPES:
            errors.append(FieldError("type_code", "must be a document type from 01 to 12"))
        if (
            query.registered_from is not None
            and query.registered_to is not None
            and query.registered_from > query.registered_to
        ):
            errors.append(FieldError("from", "must not be after 'to'"))
        if errors:
            raise ValidationFailed(errors)
        with self._db.connected() as connection:
            return DocumentRepository(connection).search(
                viewer_of(actor),
                DocumentFilter(
                    q=query.q.strip(),
                    number=query.number.strip(),
                    department_code=query.department_code,
                    type_code=query.type_code,
                    registered_from=query.registered_from,
                    registered_to=query.registered_to,
                ),
                query.page,
                query.page_size,
            )

    # -- the incoming flow (D-05) -------------------------------------------

    def complete_step(self, actor: Identity, cmd: CompleteStep) -> Document:
        for index, name in enumerate(cmd.circulate_to):
            if self._directory.person(name) is None:
                raise ValidationFailed(
                    FieldError(f"circulate_to[{index}]", f"unknown person {name!r}")
                )
        with self._uow() as uow:
            document = uow.documents.get(cmd.document_id, for_update=True)
            if document is None or not can_read(viewer_of(actor), document):
                raise access.not_found("document", cmd.document_id)
            step = document.step(cmd.step_id)
            if step is None:
                raise NotFound(f"step {cmd.step_id} not found on document {document.number}")
            if cmd.circulate_to and step.kind is not StepKind.PROPOSED_HANDLING:
                raise ValidationFailed(
                    FieldError(
                        "circulate_to", "only the proposed handling step names the circulation"
                    )
                )
            outsiders = [n for n in cmd.circulate_to if n not in document.readers]
            if document.security_class is SecurityClass.SECRET and outsiders:
                # a secret document is read by its named readers only.
                raise ValidationFailed(
                    FieldError(
                        "circulate_to",
                        "a secret document circulates among its named readers only; "
                        f"not named: {', '.join(outsiders)}",
                    )
                )
            before = document_snapshot(document)
            now = self._clock.now()
            try:
                outcome = act_on_step(document, cmd.step_id, actor.username, cmd.comment, now)
            except PermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except FlowError as exc:
                raise PreconditionFailed(str(exc)) from exc
            if outcome.step_finished:
                self._finish_step(
                    uow, document, outcome.step, outcome.met_deadline, actor, cmd, now
                )
            else:
                self._record_acted_for(uow, document, outcome.step, actor)
            uow.documents.save(document, now)
            uow.audit(
                actor.username,
                f"complete_{step.kind.value}",
                "document",
                document.id,
                before,
                document_snapshot(document),
            )
            uow.commit()
        if outcome.step_finished:
            self._record_sla(document, outcome.step, outcome.met_deadline)
        return document

    def _finish_step(
        self,
        uow: DocumentsUnitOfWork,
        document: Document,
        step: Step,
        met_deadline: bool,
        actor: Identity,
        cmd: CompleteStep,
        now: datetime,
    ) -> None:
        uow.emit(
            "documents.step.completed",
            document.id,
            events_pb2.StepCompleted(
                document_id=document.id,
                step_id=step.id,
                step_kind=step.kind.value,
                completed_by=actor.username,
                met_deadline=met_deadline,
            ),
        )
        self._timers.cancel(uow.session, f"document-step:{step.id}:due", now)
        self._timers.cancel(uow.session, f"document-step:{step.id}:escalation", now)
        self._record_acted_for(uow, document, step, actor)
        next_step: Step | None = None
        if step.kind is StepKind.PROPOSED_HANDLING:
            recipients = list(cmd.circulate_to) or [
                r for r in document.readers if r not in step.owners and r != document.registered_by
            ]
            if recipients:
                next_step = self._open(document, StepKind.CIRCULATION, recipients, now)
            else:
                next_step = self._open_archive_step(document, now)
        elif step.kind is StepKind.CIRCULATION:
            next_step = self._open_archive_step(document, now)
        elif step.kind is StepKind.ARCHIVE:
            uow.emit(
                "documents.document.archived",
                document.id,
                events_pb2.DocumentArchived(
                    document_id=document.id, number=document.number, archived_by=actor.username
                ),
            )
        if next_step is not None:
            self._announce_step(uow, document, next_step, now)
        if flow_finished_by(document, step):
            self._close_flow(uow, document, now)

    def _record_acted_for(
        self, uow: UnitOfWork, document: Document, step: Step, actor: Identity
    ) -> None:
        """D-05: a stand-in's action for an owner is recorded (event and audit)."""
        owners = sorted(o for o, by in step.acted_for.items() if by == actor.username)
        if not owners:
            return
        uow.audit(
            actor.username,
            "step_acted_for",
            "document",
            document.id,
            None,
            {"step_id": step.id, "kind": step.kind.value, "for": owners},
        )

    def _close_flow(self, uow: UnitOfWork, document: Document, now: datetime) -> None:
        """D-10: the flow is through; its SLA outcome is a metric and an event (X-05)."""
        met = close_flow(document, now)
        self._timers.cancel(uow.session, f"document-flow:{document.id}:due", now)
        hours = self._sla_hours(document.registered_at, now, document.priority)
        event = events_pb2.FlowCompleted(
            document_id=document.id,
            number=document.number,
            priority=document.priority.value,
            met_deadline=met,
            hours=round(hours, 2),
        )
        if document.flow_due_at is not None:
            event.due_at.FromDatetime(document.flow_due_at)
        uow.emit("documents.flow.completed", document.id, event)
        priority = document.priority.value
        uow.after_commit(lambda: metrics.FLOW_DURATION.labels(priority).observe(hours))
        if met:
            # A breach was counted when the flow's timer fired (on_flow_due).
            uow.after_commit(lambda: metrics.FLOW_OUTCOMES.labels(priority, "met").inc())

    def _sla_hours(self, start: datetime, end: datetime, priority: Priority) -> float:
        if flow_deadline_hours(priority) >= 24:
            return self._calendar.working_hours_between(start, end)
        return (end - start).total_seconds() / 3600

    def _open_archive_step(self, document: Document, now: datetime) -> Step:
        """X-03: confidential and secret documents are archived by the
        confidential clerks (机要员), the others by the secretariat."""
        role = (
            Role.CONFIDENTIAL_CLERK
            if document.security_class in (SecurityClass.CONFIDENTIAL, SecurityClass.SECRET)
            else Role.SECRETARIAT
        )
        archivists = self._directory.role_holders(role)
        if not archivists:
            raise PreconditionFailed(
                f"nobody holds the {role.value} role ({role.label}) to archive the document"
            )
        return self._open(document, StepKind.ARCHIVE, archivists, now)

    def _record_sla(self, document: Document, step: Step, met: bool) -> None:
        metrics.STEP_OUTCOMES.labels(
            step.kind.value, document.priority.value, "met" if met else "breached"
        ).inc()
        if step.opened_at is not None and step.completed_at is not None:
            hours = (
                self._calendar.working_hours_between(step.opened_at, step.completed_at)
                if step_deadline_hours(document.priority) >= 24
                else (step.completed_at - step.opened_at).total_seconds() / 3600
            )
            metrics.STEP_DURATION.labels(step.kind.value, document.priority.value).observe(hours)

    # -- timers (X-05) --------------------------------------------------------

    def on_step_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """A step's deadline passed: mark it overdue and remind who must act, once
        (D-05 like D-08): the owners left and those standing in for them; an owner
        away by now gets their delegate first (D-09)."""
        repo = DocumentRepository(uow.session)
        document = repo.get(str(firing.payload["document_id"]), for_update=True)
        if document is None:
            return
        step = document.step(str(firing.payload["step_id"]))
        if step is None or not step.is_open or step.overdue:
            return
        step.overdue = True
        now = self._clock.now()
        added = self._follow_absences(uow, document, step, now)
        repo.save(document, now)
        if added:
            self._notify_step(uow, document, step, added)
        event = events_pb2.StepOverdue(
            document_id=document.id,
            number=document.number,
            title=document.title,
            step_id=step.id,
            step_kind=step.kind.value,
            owners=step.who_may_act(),
            due_provisional=self.due_provisional(document, step),
        )
        if step.due_at is not None:
            event.due_at.FromDatetime(step.due_at)
        uow.emit("documents.step.overdue", document.id, event)
        uow.audit(
            "system",
            "step_overdue",
            "document",
            document.id,
            None,
            {"step_id": step.id, "kind": step.kind.value},
        )
        metrics.STEPS_OVERDUE.labels(step.kind.value, document.priority.value).inc()

    def on_step_escalation(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """D-05 like D-08: a step still waiting 48 working-day hours after it opened
        escalates; each waiting owner's superior may act for them, once."""
        repo = DocumentRepository(uow.session)
        document = repo.get(str(firing.payload["document_id"]), for_update=True)
        if document is None:
            return
        step = document.step(str(firing.payload["step_id"]))
        if step is None or not step.is_open or step.escalated:
            return
        now = self._clock.now()
        waiting = step.waiting_on()
        step.escalated = True
        added = self._superiors(uow, document, step, now)
        repo.save(document, now)
        if added:
            self._notify_step(uow, document, step, added)
        uow.emit(
            "documents.step.escalated",
            document.id,
            events_pb2.StepEscalated(
                document_id=document.id,
                number=document.number,
                step_id=step.id,
                step_kind=step.kind.value,
                from_owners=waiting,
                to_usernames=sorted({s.username for s in added}),
            ),
        )
        uow.audit(
            "system",
            "step_escalated",
            "document",
            document.id,
            None,
            {
                "step_id": step.id,
                "kind": step.kind.value,
                "from": waiting,
                "to": sorted({s.username for s in added}),
            },
        )
        kind, priority = step.kind.value, document.priority.value
        uow.after_commit(lambda: metrics.STEPS_ESCALATED.labels(kind, priority).inc())

    def on_flow_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """D-10: the flow's deadline passed before it was through: breached (X-05)."""
        repo = DocumentRepository(uow.session)
        document = repo.get(str(firing.payload["document_id"]), for_update=True)
        if document is None or document.flow_closed_at is not None:
            return
        current = document.current_step()
        event = events_pb2.FlowOverdue(
            document_id=document.id,
            number=document.number,
            priority=document.priority.value,
            state=document.state.value,
            waiting_on=current.who_may_act() if current is not None else [],
        )
        if document.flow_due_at is not None:
            event.due_at.FromDatetime(document.flow_due_at)
        uow.emit("documents.flow.overdue", document.id, event)
        uow.audit(
            "system",
            "flow_overdue",
            "document",
            document.id,
            None,
            {"state": document.state.value},
        )
        priority = document.priority.value
        uow.after_commit(lambda: metrics.FLOW_OUTCOMES.labels(priority, "breached").inc())

    # -- the business calendar (X-02) -----------------------------------------

    def on_calendar_updated(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """``directory.calendar.updated``: install the year, then move the deadlines
        of open steps that run over it."""
        schedule = apply_calendar_update(self._calendar, event)
        self.recompute_deadlines(uow, schedule.year)

    def recompute_deadlines(self, uow: UnitOfWork, year: int) -> int:
        """Recompute every open step whose clock runs over ``year`` with the
        calendar as it is now; move its timer; return how many moved.

        A step already marked overdue under a provisional deadline that now
        lies ahead is no longer overdue, and gets a fresh timer.
        """
        start = self._calendar.start_of_day(date(year, 1, 1))
        end = self._calendar.start_of_day(date(year + 1, 1, 1))
        repo = DocumentRepository(uow.session)
        now = self._clock.now()
        moved = 0
        for document_id, step_id in repo.open_steps_overlapping(start, end):
            document = repo.get(document_id, for_update=True)
            step = document.step(step_id) if document is not None else None
            if document is None or step is None or step.opened_at is None:
                continue
            due_at = self.deadline(step.opened_at, document.priority)
            escalate_at = self.escalation_time(step.opened_at)
            if escalate_at != step.escalate_at and not step.escalated:
                # D-05/D-08: the 48-hour escalation clock counts working days too.
                step.escalate_at = escalate_at
                repo.save(document, now)
                self._timers.schedule(
                    uow.session,
                    STEP_ESCALATION_TIMER,
                    f"document-step:{step.id}:escalation",
                    escalate_at,
                    {"document_id": document.id, "step_id": step.id},
                )
            if due_at == step.due_at:
                continue
            before = step.due_at
            step.due_at = due_at
            key = f"document-step:{step.id}:due"
            if step.overdue and due_at > now:
                step.overdue = False
                key = f"{key}@{due_at:%Y%m%dT%H%M%S}"
            repo.save(document, now)
            self._timers.schedule(
                uow.session,
                STEP_DUE_TIMER,
                key,
                due_at,
                {"document_id": document.id, "step_id": step.id},
            )
            event = events_pb2.StepDeadlineMoved(
                document_id=document.id,
                number=document.number,
                step_id=step.id,
                step_kind=step.kind.value,
                owners=step.waiting_on(),
                due_provisional=self.due_provisional(document, step),
            )
            event.due_at.FromDatetime(due_at)
            if before is not None:
                event.previous_due_at.FromDatetime(before)
            uow.emit("documents.step.deadline_moved", document.id, event)
            uow.audit(
                "system",
                "step_deadline_moved",
                "document",
                document.id,
                {"step_id": step.id, "due_at": before},
                {"step_id": step.id, "due_at": due_at, "calendar_year": year},
            )
            moved += 1
        self._recompute_flow_deadlines(repo, uow, start, end, now)
        return moved

    def _recompute_flow_deadlines(
        self,
        repo: DocumentRepository,
        uow: UnitOfWork,
        start: datetime,
        end: datetime,
        now: datetime,
    ) -> None:
        """D-10 with X-02: a running flow's 24-hour clock over the year moves with it."""
        for document_id in repo.open_flows_overlapping(start, end):
            document = repo.get(document_id, for_update=True)
            if document is None or document.flow_closed_at is not None:
                continue
            due_at = self._calendar.add_sla(
                document.registered_at, flow_deadline_hours(document.priority)
            )
            if due_at == document.flow_due_at:
                continue
            document.flow_due_at = due_at
            repo.save(document, now)
            self._timers.schedule(
                uow.session,
                FLOW_DUE_TIMER,
                f"document-flow:{document.id}:due",
                due_at,
                {"document_id": document.id},
            )

    # -- audit (X-04) -------------------------------------------------------

    def audit_entries(
        self,
        actor: Identity,
        entity_id: str,
        actor_filter: str,
        page: int,
        page_size: int,
        *,
        entity_type: str = "",
        at_from: datetime | None = None,
        at_to: datetime | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """X-04: the audit trail by entity, actor, entity type and time range,
        without entries about items the caller may not read (X-03); the shared
        search with documents' redaction (the administrator reads it here too)."""
        require_audit_reader(actor, AUDIT_READER_ROLES)
        if page < 1 or not 1 <= page_size <= 200:
            raise ValidationFailed(FieldError("page_size", "must be between 1 and 200"))
        rows, total = search_visible(
            self._db,
            actor,
            AuditSearch(
                entity_id=entity_id,
                actor=actor_filter,
                entity_type=entity_type,
                at_from=at_from,
                at_to=at_to,
                page=Page(page, page_size),
            ),
            AUDIT_READER_ROLES,
        )
        return [asdict(row) for row in rows], total
