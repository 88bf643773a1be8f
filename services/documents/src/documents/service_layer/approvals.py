"""Use cases of the approval engine (SPEC D-06..D-10, X-04, X-05, X-06).

Every change runs in one unit of work that locks the approval's row
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers), so
concurrent decisions on one approval apply one after the other and each
counts exactly once. Each change writes its events, its inbox notices
(``documents.notification.requested``) and its audit rows in the same
transaction; step deadlines are timers scheduled there too.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
from jsonschema.exceptions import SchemaError
from sqlalchemy.exc import IntegrityError, OperationalError

from documents.adapters.approval_repository import ApprovalFilter, ApprovalRepository
from documents.adapters.orm import platform
from documents.adapters.seal_signer import SealSigner, signature_valid
from documents.domain.approvals import access as approval_access
from documents.domain.approvals import model
from documents.domain.approvals.builtin import BUILTIN_TEMPLATES, SUPERSEDED_BUILTINS
from documents.domain.approvals.model import (
    Absence,
    Action,
    AlreadyDecided,
    Approval,
    ApprovalClosed,
    ApprovalStep,
    InvalidDecision,
    NoApprover,
    NotAnApprover,
    absence_problems,
)
from documents.domain.approvals.routing import (
    escalation_targets,
    level_refusal,
    resolve_holders,
    seats_for,
    seats_now,
)
from documents.domain.approvals.seal import (
    SealRecord,
    Verdict,
    content_digest,
    sealed_content,
    sealed_file,
    verify_sealed_file,
)
from documents.domain.approvals.sla import (
    SlaFigures,
    month_bounds,
    month_figures,
    sla_hours,
    step_deadlines,
)
from documents.domain.approvals.templates import (
    ApproverRule,
    Condition,
    ConditionOp,
    RuleKind,
    StepMode,
    Template,
    TemplateStep,
    plan_for,
    template_problems,
)
from documents.service_layer import approval_metrics as metrics
from documents.service_layer.approval_commands import (
    Decide,
    ListApprovals,
    PutTemplate,
    RecordAbsence,
    Resubmit,
    StartApproval,
    Withdraw,
)
from documents.service_layer.ports import Directory
from secretariat.documents.v1 import events_pb2
from secretariat_shared import access
from secretariat_shared.access import viewer_of
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.notices import request_notice
from secretariat_shared.roles import ROLES, Role
from secretariat_shared.timers import TimerFiring, TimerStore
from secretariat_shared.uow import UnitOfWork

REMINDER_TIMER = "approval_step_reminder"
ESCALATION_TIMER = "approval_step_escalation"
STEP_APPROVED = "documents.approval.step_approved"
"""One step approved (or one approver of an "all" step); not the whole approval."""
SERVICE = "documents"
TEMPLATE_ADMIN_ROLE = Role.ADMIN
KNOWN_ROLES = ROLES
MAX_SUBJECT = 500
MAX_CONTENT = 200_000
MAX_PAYLOAD_BYTES = 256_000

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
def _domain_errors() -> Iterator[None]:
    """The state machine's refusals as the errors callers see (422, 403, 409)."""
    try:
        yield
    except InvalidDecision as exc:
        raise ValidationFailed(FieldError(exc.field, exc.message)) from exc
    except NotAnApprover as exc:
        raise PermissionDenied(str(exc)) from exc
    except (AlreadyDecided, ApprovalClosed, NoApprover) as exc:
        raise PreconditionFailed(str(exc)) from exc


def _parse_json_object(raw: str, field: str, errors: list[FieldError]) -> dict[str, Any] | None:
    if len(raw.encode()) > MAX_PAYLOAD_BYTES:
        errors.append(FieldError(field, f"must be at most {MAX_PAYLOAD_BYTES} bytes of JSON"))
        return None
    try:
        value = json.loads(raw) if raw.strip() else {}
    except ValueError as exc:
        errors.append(FieldError(field, f"is not valid JSON: {exc}"))
        return None
    if not isinstance(value, dict):
        errors.append(FieldError(field, "must be a JSON object"))
        return None
    return value


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
        self._uow = uow_factory
        self._directory = directory
        self._calendar = calendar
        self._clock = clock
        self._db = db
        self._signer = signer
        self._zone = ZoneInfo(timezone)
        self._timers = TimerStore(platform)
        self._validators: dict[tuple[str, int], Any] = {}
        self._seeded = False
        self._seed_lock = threading.Lock()

    # -- templates (D-06) ---------------------------------------------------

    def _ensure_templates(self) -> None:
        """Seed the built-in templates' versions still missing, once per process."""
        if self._seeded:
            return
        with self._seed_lock:
            if self._seeded:
                return
            with self._uow() as uow:
                ApprovalRepository(uow.session).seed_templates(
                    SUPERSEDED_BUILTINS + BUILTIN_TEMPLATES, self._clock.now()
                )
                uow.commit()
            self._seeded = True

    def list_templates(self, actor: Identity) -> list[Template]:
        self._ensure_templates()
        with self._db.reading() as session:
            return ApprovalRepository(session).current_templates()

    def get_template(self, actor: Identity, key: str, version: int = 0) -> Template:
        self._ensure_templates()
        with self._db.reading() as session:
            template = ApprovalRepository(session).template(key, version)
        if template is None:
            raise NotFound(
                f"template {key!r}" + (f" version {version}" if version else "") + " not found"
            )
        return template

    def put_template(self, actor: Identity, cmd: PutTemplate) -> Template:
        """An administrator publishes a new version; running approvals keep theirs."""
        if not actor.has_role(TEMPLATE_ADMIN_ROLE):
            raise PermissionDenied("only administrators create and change approval templates")
        template = self._parse_template(cmd)
        self._ensure_templates()
        try:
            with self._uow() as uow:
                repo = ApprovalRepository(uow.session)
                template = replace(
                    template,
                    version=repo.next_template_version(template.key),
                    created_at=self._clock.now(),
                    created_by=actor.username,
                )
                repo.add_template(template)
                uow.emit(
                    "documents.approval_template.published",
                    f"{template.key}@{template.version}",
                    events_pb2.ApprovalTemplatePublished(
                        key=template.key,
                        version=template.version,
                        name=template.name,
                        published_by=actor.username,
                    ),
                )
                uow.audit(
                    actor.username,
                    "publish_template",
                    "approval_template",
                    f"{template.key}@{template.version}",
                    None,
                    {"key": template.key, "version": template.version, "name": template.name},
                )
                uow.commit()
        except IntegrityError as exc:
            raise Conflict(
                f"another version of template {template.key!r} was published at the same "
                "moment; send yours again"
            ) from exc
        return template

    def _parse_template(self, cmd: PutTemplate) -> Template:
        errors: list[FieldError] = []
        schema = _parse_json_object(cmd.form_schema_json, "form_schema", errors)
        if schema is not None:
            try:
                jsonschema.validators.validator_for(schema).check_schema(schema)
            except SchemaError as exc:
                errors.append(
                    FieldError("form_schema", f"is not a valid JSON Schema: {exc.message}")
                )
        steps: list[TemplateStep] = []
        for i, spec in enumerate(cmd.steps):
            where = f"steps[{i}]"
            try:
                mode = StepMode(spec.mode or "any")
            except ValueError:
                errors.append(FieldError(f"{where}.mode", "must be any or all"))
                mode = StepMode.ANY
            rules: list[ApproverRule] = []
            for j, rule in enumerate(spec.approvers):
                try:
                    kind = RuleKind(rule.kind)
                except ValueError:
                    kinds = ", ".join(k.value for k in RuleKind)
                    errors.append(
                        FieldError(f"{where}.approvers[{j}].kind", f"must be one of {kinds}")
                    )
                    continue
                if (
                    kind is RuleKind.PERSON
                    and rule.username
                    and not self._directory.person(rule.username)
                ):
                    errors.append(
                        FieldError(
                            f"{where}.approvers[{j}].username", f"unknown person {rule.username!r}"
                        )
                    )
                rules.append(ApproverRule(kind, rule.role.strip(), rule.username.strip()))
            conditions: list[Condition] = []
            for j, cond in enumerate(spec.conditions):
                try:
                    op = ConditionOp(cond.op)
                except ValueError:
                    ops = ", ".join(o.value for o in ConditionOp)
                    errors.append(
                        FieldError(f"{where}.conditions[{j}].op", f"must be one of {ops}")
                    )
                    continue
                try:
                    value = json.loads(cond.value_json)
                except ValueError:
                    errors.append(
                        FieldError(f"{where}.conditions[{j}].value", "must be a JSON value")
                    )
                    continue
                conditions.append(Condition(cond.field.strip(), op, value))
            steps.append(TemplateStep(spec.name.strip(), tuple(rules), mode, tuple(conditions)))
        template = Template(
            key=cmd.key.strip(),
            version=0,
            name=cmd.name.strip(),
            description=cmd.description.strip(),
            form_schema=schema or {},
            steps=tuple(steps),
        )
        errors.extend(template_problems(template, KNOWN_ROLES))
        if errors:
            raise ValidationFailed(errors)
        return template

    def _form_errors(self, template: Template, payload: dict[str, Any]) -> list[FieldError]:
        """The payload checked against the template's JSON Schema, one error per field."""
        key = (template.key, template.version)
        validator = self._validators.get(key)
        if validator is None:
            schema = dict(template.form_schema)
            cls = jsonschema.validators.validator_for(schema)
            validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
            self._validators[key] = validator
        found: dict[str, FieldError] = {}
        for error in sorted(validator.iter_errors(payload), key=lambda e: list(map(str, e.path))):
            path = ".".join(str(p) for p in error.absolute_path)
            name = f"payload.{path}" if path else "payload"
            found.setdefault(name, FieldError(name, error.message))
        return list(found.values())

    # -- starting (D-06, D-07) ----------------------------------------------

    def start(self, actor: Identity, cmd: StartApproval) -> Approval:
        self._ensure_templates()
        errors: list[FieldError] = []
        requester, department = self._requester(actor, cmd, errors)
        template: Template | None = None
        with self._db.reading() as session:
            repo = ApprovalRepository(session)
            if cmd.template:
                template = repo.template(cmd.template)
            if template is None:
                known = ", ".join(t.key for t in repo.current_templates())
                errors.append(
                    FieldError("template", f"unknown template {cmd.template!r}; one of {known}")
                )
        subject = cmd.subject.strip()
        if not subject:
            errors.append(FieldError("subject", "must not be empty"))
        elif len(subject) > MAX_SUBJECT:
            errors.append(FieldError("subject", f"must be at most {MAX_SUBJECT} characters"))
        payload = _parse_json_object(cmd.payload_json, "payload", errors)
        if template is not None and payload is not None:
            errors.extend(self._form_errors(template, payload))
        if len(cmd.content) > MAX_CONTENT:
            errors.append(FieldError("content", f"must be at most {MAX_CONTENT} characters"))
        if len(cmd.source_service) > 50:
            errors.append(FieldError("source_service", "must be at most 50 characters"))
        elif cmd.source_service.strip() and not actor.is_service:
            errors.append(FieldError("source_service", "only a service names itself as source"))
        if len(cmd.source_ref) > 200:
            errors.append(FieldError("source_ref", "must be at most 200 characters"))
        if errors or template is None or payload is None:
            raise ValidationFailed(errors)
        source_service = cmd.source_service.strip()
        if actor.is_service and not source_service:
            source_service = actor.username.removeprefix("service:")
        source_ref = cmd.source_ref.strip()
        plan = plan_for(template, payload, cmd.urgent)
        try:
            return self._start(
                actor,
                cmd,
                template,
                plan,
                payload,
                subject,
                requester,
                department,
                source_service,
                source_ref,
            )
        except IntegrityError:
            # Issue 11 item 6: a start of the same (source_service, source_ref)
            # committed between our lookup and our insert; the unique index
            # refused ours, and theirs is the answer.
            if not (source_service and source_ref):
                raise
            with self._db.reading() as session:
                existing = ApprovalRepository(session).by_source(source_service, source_ref)
            if existing is None:
                raise
            return existing

    def _start(
        self,
        actor: Identity,
        cmd: StartApproval,
        template: Template,
        plan: list[TemplateStep],
        payload: dict[str, Any],
        subject: str,
        requester: str,
        department: str,
        source_service: str,
        source_ref: str,
    ) -> Approval:
        with self._uow() as uow:
            repo = ApprovalRepository(uow.session)
            if source_service and source_ref:
                # Issue 11: a service retries a start whose answer it lost; the
                # same (source_service, source_ref) is the same approval.
                existing = repo.by_source(source_service, source_ref)
                if existing is not None:
                    return existing
            org = DirectoryOrganisation(self._directory, repo)
            now = self._clock.now()
            with _domain_errors():
                approval = model.new_approval(
                    approval_id=str(uuid.uuid4()),
                    template=template.key,
                    template_version=template.version,
                    subject=subject,
                    payload=payload,
                    urgent=cmd.urgent,
                    requester=requester,
                    department_code=department,
                    plan=plan,
                    now=now,
                    content=cmd.content,
                    source_service=source_service,
                    source_ref=source_ref,
                )
                self._check_routable(approval, org)
                uow.emit(
                    "documents.approval.started",
                    approval.id,
                    events_pb2.ApprovalStarted(
                        approval=self._ref(approval),
                        template=approval.template,
                        template_version=approval.template_version,
                        step_names=[s.name for s in approval.steps],
                    ),
                )
                self._advance(uow, repo, approval, org, now)
            repo.add(approval, now)
            uow.audit(
                actor.username,
                "start_approval",
                "approval",
                approval.id,
                None,
                {
                    **approval_snapshot(approval),
                    "template": approval.template,
                    "template_version": approval.template_version,
                    "requester": approval.requester,
                    "urgent": approval.urgent,
                },
            )
            uow.commit()
        metrics.APPROVALS_STARTED.labels(approval.template, approval.priority).inc()
        return approval

    def _requester(
        self, actor: Identity, cmd: StartApproval, errors: list[FieldError]
    ) -> tuple[str, str]:
        """Services start approvals on a person's behalf; a person starts their own."""
        named = cmd.requester_username.strip()
        if actor.is_service:
            if not named:
                errors.append(
                    FieldError(
                        "requester_username",
                        "a service starts approvals on a person's behalf: name the requester",
                    )
                )
                return "", ""
            person = self._directory.person(named)
            if person is None:
                errors.append(FieldError("requester_username", f"unknown person {named!r}"))
                return named, ""
            return named, person.department_code
        if named and named != actor.username:
            errors.append(
                FieldError(
                    "requester_username", "people start approvals for themselves; leave it empty"
                )
            )
        return actor.username, actor.department_code

    def _check_routable(self, approval: Approval, org: DirectoryOrganisation) -> None:
        """Refuse at the start a request some later step could never route (it would stall)."""
        for step in approval.steps[1:]:
            if step.revision != approval.revision:
                continue
            if any(r.kind is RuleKind.PREVIOUS_APPROVER_SUPERIOR for r in step.rules):
                continue
            resolve_holders(approval, step, org)

    def _advance(
        self,
        uow: UnitOfWork,
        repo: ApprovalRepository,
        approval: Approval,
        org: DirectoryOrganisation,
        now: datetime,
    ) -> None:
        """Open the next pending step, or complete and seal the approval when none is left."""
        step = approval.next_pending()
        if step is None:
            model.complete(approval, now)
            self._seal(uow, repo, approval, now)
            self._announce_completion(uow, approval, "approved")
            return
        seats = seats_for(approval, step, org, now)
        due_at, escalate_at = step_deadlines(now, approval.urgent, self._calendar.add_sla)
        model.open_step(approval, step, seats, now, due_at, escalate_at)
        payload = {"approval_id": approval.id, "step_index": step.index}
        self._timers.schedule(
            uow.session,
            REMINDER_TIMER,
            self._timer_key(approval, step, "reminder"),
            due_at,
            payload,
        )
        self._timers.schedule(
            uow.session,
            ESCALATION_TIMER,
            self._timer_key(approval, step, "escalation"),
            escalate_at,
            payload,
        )
        event = events_pb2.ApprovalStepOpened(
            approval=self._ref(approval),
            step_index=step.index,
            step_name=step.name,
            approvers=step.waiting_on(),
            on_behalf_of=step.on_behalf_of(),
            due_provisional=not approval.urgent and self._calendar.is_provisional(now, due_at),
        )
        event.due_at.FromDatetime(due_at)
        uow.emit("documents.approval.step_opened", approval.id, event)
        self._notify(
            uow,
            approval,
            step.waiting_on(),
            "approval_step_opened",
            f"待审批：{approval.subject}",
            f"{approval.requester} 的{approval.template}审批，步骤「{step.name}」等待您的决定。",
            due_at,
        )

    @staticmethod
    def _timer_key(approval: Approval, step: ApprovalStep, kind: str) -> str:
        return f"approval:{approval.id}:step:{step.index}:{kind}"

    def _cancel_timers(self, uow: UnitOfWork, approval: Approval, step: ApprovalStep) -> None:
        now = self._clock.now()
        for kind in ("reminder", "escalation"):
            self._timers.cancel(uow.session, self._timer_key(approval, step, kind), now)

    # -- following the directory (X-01) ----------------------------------------

    def _follow_directory(
        self,
        uow: UnitOfWork,
        repo: ApprovalRepository,
        approval: Approval,
        org: DirectoryOrganisation,
        now: datetime,
    ) -> model.Reassignment | None:
        """Hand the open step to whoever its rules name now (a head replaced after it
        opened, a role changed hands); saved, audited (X-04) and notified (X-06).

        The gateway's directory publishes no change events, so this runs when
        the engine touches the step: before each decision and on each timer.
        """
        step = approval.current_step()
        if step is None or approval.status is not model.ApprovalStatus.IN_PROGRESS:
            return None
        seats = seats_now(approval, step, org, now)
        if seats is None:
            return None
        before = approval_snapshot(approval)
        change = model.reassign(approval, step.index, seats, now)
        if change is None:
            return None
        repo.save(approval, now)
        newcomers = [p for p in change.to_approvers if p not in change.from_approvers]
        relieved = [p for p in change.from_approvers if p not in change.to_approvers]
        self._notify(
            uow,
            approval,
            newcomers,
            "approval_reassigned",
            f"待审批：{approval.subject}",
            f"{approval.requester} 的{approval.template}审批，步骤「{step.name}」"
            f"因组织机构调整改由您决定（原审批人：{', '.join(change.from_holders)}）。",
            step.due_at,
        )
        self._notify(
            uow,
            approval,
            relieved,
            "approval_reassigned",
            f"审批已转交：{approval.subject}",
            f"步骤「{step.name}」因组织机构调整改由 {', '.join(change.to_holders)} 决定，"
            "无需您再处理。",
        )
        uow.audit(
            "system",
            "approval_reassigned",
            "approval",
            approval.id,
            before,
            {
                **approval_snapshot(approval),
                "step_index": step.index,
                "from": change.from_holders,
                "to": change.to_holders,
            },
        )
        return change

    def _follow_directory_now(self, approval_id: str) -> None:
        """Bring the approval's open step in line with the directory in a transaction of
        its own, so the hand-over stands even when the decision that follows is refused
        (the replaced head asking to decide learns it is no longer theirs). Checked on a
        read first: most decisions find nothing to change and take no extra write lock."""
        with self._db.reading() as session:
            repo = ApprovalRepository(session)
            found = repo.get(approval_id)
            step = found.current_step() if found is not None else None
            if found is None or step is None:
                return
            org = DirectoryOrganisation(self._directory, repo)
            if seats_now(found, step, org, self._clock.now()) is None:
                return
        with self._uow() as uow:
            repo = ApprovalRepository(uow.session)
            approval = repo.get(approval_id, for_update=True)
            if approval is None:
                return
            org = DirectoryOrganisation(self._directory, repo)
            if self._follow_directory(uow, repo, approval, org, self._clock.now()) is not None:
                uow.commit()

    # -- deciding (D-09) ----------------------------------------------------

    def _load_for_update(
        self, repo: ApprovalRepository, actor: Identity, approval_id: str
    ) -> Approval:
        approval = repo.get(approval_id, for_update=True)
        if approval is None or not self._visible(approval, actor):
            raise NotFound(f"approval {approval_id} not found")
        return approval

    @staticmethod
    def _visible(approval: Approval, actor: Identity) -> bool:
        """SPEC X-03, the shared rule: invisible approvals are 404 like missing ones."""
        return approval_access.can_view(viewer_of(actor), approval)

    def decide(self, actor: Identity, cmd: Decide) -> Approval:
        try:
            action = Action(cmd.action)
        except ValueError:
            raise ValidationFailed(
                FieldError("action", "must be one of approve, reject, return, delegate")
            ) from None
        delegate = cmd.delegate_to.strip()
        if action is Action.DELEGATE and delegate and self._directory.person(delegate) is None:
            raise ValidationFailed(FieldError("delegate_to", f"unknown person {delegate!r}"))
        self._follow_directory_now(cmd.approval_id)
        with self._uow() as uow:
            repo = ApprovalRepository(uow.session)
            approval = self._load_for_update(repo, actor, cmd.approval_id)
            before = approval_snapshot(approval)
            now = self._clock.now()
            current = approval.current_step()
            org = DirectoryOrganisation(self._directory, repo)
            with _domain_errors():
                outcome = model.decide(
                    approval,
                    actor.username,
                    action,
                    now,
                    cmd.comment,
                    delegate,
                    level_refusal(approval, current, org) if current is not None else None,
                )
            step = outcome.step
            closed: list[ApprovalStep] = []
            if outcome.step_closed:
                closed.append(step)
                self._cancel_timers(uow, approval, step)
            if action is Action.APPROVE:
                step_approved = events_pb2.ApprovalStepApproved(
                    approval=self._ref(approval),
                    step_index=step.index,
                    approver=actor.username,
                    met_deadline=step.due_at is None or now <= step.due_at,
                    step_closed=outcome.step_closed,
                )
                uow.emit(STEP_APPROVED, approval.id, step_approved)
                # Deprecated name of the same fact (issue 11 item 7): published
                # until every consumer has moved to STEP_APPROVED.
                uow.emit("documents.approval.approved", approval.id, step_approved)
                if outcome.step_closed:
                    with _domain_errors():
                        self._advance(uow, repo, approval, org, now)
            elif action is Action.REJECT:
                uow.emit(
                    "documents.approval.rejected",
                    approval.id,
                    events_pb2.ApprovalRejected(
                        approval=self._ref(approval),
                        step_index=step.index,
                        approver=actor.username,
                        reason=outcome.decision.comment,
                    ),
                )
                self._announce_completion(uow, approval, "rejected", outcome.decision.comment)
            elif action is Action.RETURN:
                uow.emit(
                    "documents.approval.returned",
                    approval.id,
                    events_pb2.ApprovalReturned(
                        approval=self._ref(approval),
                        step_index=step.index,
                        approver=actor.username,
                        comment=outcome.decision.comment,
                    ),
                )
                self._notify(
                    uow,
                    approval,
                    [approval.requester],
                    "approval_returned",
                    f"审批退回修改：{approval.subject}",
                    f"{actor.username} 退回：{outcome.decision.comment}",
                )
            else:
                uow.emit(
                    "documents.approval.delegated",
                    approval.id,
                    events_pb2.ApprovalDelegated(
                        approval=self._ref(approval),
                        step_index=step.index,
                        from_approver=actor.username,
                        to_approver=delegate,
                        comment=outcome.decision.comment,
                    ),
                )
                self._notify(
                    uow,
                    approval,
                    [delegate],
                    "approval_step_opened",
                    f"委托审批：{approval.subject}",
                    f"{actor.username} 将步骤「{step.name}」委托给您审批。",
                    step.due_at,
                )
            repo.save(approval, now)
            uow.audit(
                actor.username,
                f"approval_{action.value}",
                "approval",
                approval.id,
                before,
                {**approval_snapshot(approval), "comment": outcome.decision.comment},
            )
            uow.after_commit(lambda: self._record_closed_steps(approval, closed))
            uow.commit()
        return approval

    def resubmit(self, actor: Identity, cmd: Resubmit) -> Approval:
        """SPEC D-09: the requester edits a returned approval; it starts again at its first step."""
        with self._db.reading() as session:
            repo = ApprovalRepository(session)
            found = repo.get(cmd.approval_id)
            if found is None or not self._visible(found, actor):
                raise NotFound(f"approval {cmd.approval_id} not found")
            template = repo.template(found.template, found.template_version)
        if template is None:
            raise PreconditionFailed(
                f"template {found.template} version {found.template_version} no longer exists"
            )
        errors: list[FieldError] = []
        payload: dict[str, Any] | None = found.payload
        if cmd.payload_json.strip():
            payload = _parse_json_object(cmd.payload_json, "payload", errors)
        if payload is not None:
            errors.extend(self._form_errors(template, payload))
        subject = cmd.subject.strip() or found.subject
        if len(subject) > MAX_SUBJECT:
            errors.append(FieldError("subject", f"must be at most {MAX_SUBJECT} characters"))
        if errors or payload is None:
            raise ValidationFailed(errors)
        with self._uow() as uow:
            repo = ApprovalRepository(uow.session)
            approval = self._load_for_update(repo, actor, cmd.approval_id)
            self._require_requester(approval, actor, "resubmit")
            before = approval_snapshot(approval)
            now = self._clock.now()
            org = DirectoryOrganisation(self._directory, repo)
            with _domain_errors():
                model.resubmit(
                    approval,
                    actor.username,
                    payload,
                    subject,
                    plan_for(template, payload, approval.urgent),
                    now,
                    cmd.comment,
                )
                self._check_routable(approval, org)
                uow.emit(
                    "documents.approval.resubmitted",
                    approval.id,
                    events_pb2.ApprovalResubmitted(
                        approval=self._ref(approval),
                        revision=approval.revision,
                        comment=cmd.comment.strip(),
                    ),
                )
                self._advance(uow, repo, approval, org, now)
            repo.save(approval, now)
            uow.audit(
                actor.username,
                "resubmit_approval",
                "approval",
                approval.id,
                before,
                approval_snapshot(approval),
            )
            uow.commit()
        return approval

    def withdraw(self, actor: Identity, cmd: Withdraw) -> Approval:
        with self._uow() as uow:
            repo = ApprovalRepository(uow.session)
            approval = self._load_for_update(repo, actor, cmd.approval_id)
            self._require_requester(approval, actor, "withdraw")
            before = approval_snapshot(approval)
            now = self._clock.now()
            open_step = approval.current_step()
            with _domain_errors():
                waiting = model.withdraw(approval, actor.username, now, cmd.comment)
            closed = [open_step] if open_step is not None else []
            for step in closed:
                self._cancel_timers(uow, approval, step)
            self._announce_completion(uow, approval, "withdrawn", cmd.comment.strip())
            self._notify(
                uow,
                approval,
                waiting,
                "approval_withdrawn",
                f"审批已撤回：{approval.subject}",
                f"{approval.requester} 撤回了此审批，无需再处理。",
            )
            repo.save(approval, now)
            uow.audit(
                actor.username,
                "withdraw_approval",
                "approval",
                approval.id,
                before,
                approval_snapshot(approval),
            )
            uow.after_commit(lambda: self._record_closed_steps(approval, closed))
            uow.commit()
        return approval

    @staticmethod
    def _require_requester(approval: Approval, actor: Identity, what: str) -> None:
        if actor.is_service or actor.username == approval.requester:
            return
        raise PermissionDenied(f"only the requester {approval.requester} can {what} this approval")

    # -- events, notices, metrics ---------------------------------------------

    @staticmethod
    def _ref(approval: Approval) -> events_pb2.ApprovalRef:
        return events_pb2.ApprovalRef(
            approval_id=approval.id,
            template=approval.template,
            subject=approval.subject,
            requester=approval.requester,
            source_service=approval.source_service,
            source_ref=approval.source_ref,
            urgent=approval.urgent,
        )

    def _notify(
        self,
        uow: UnitOfWork,
        approval: Approval,
        recipients: list[str],
        kind: str,
        title: str,
        body: str,
        due_at: datetime | None = None,
    ) -> None:
        """SPEC X-06: an inbox item for each person (infohub turns the event into items)."""
        request_notice(
            uow,
            SERVICE,
            recipients,
            kind=kind,
            title=title,
            body=body,
            subject_ref=f"approvals/{approval.id}",
            key=approval.id,
            due_at=due_at,
            directory=self._directory,
        )

    def _announce_completion(
        self, uow: UnitOfWork, approval: Approval, outcome: str, reason: str = ""
    ) -> None:
        event = events_pb2.ApprovalCompleted(
            approval=self._ref(approval),
            outcome=outcome,
            payload_json=json.dumps(approval.payload, ensure_ascii=False, sort_keys=True),
            seal_id=approval.seal_id,
        )
        if approval.completed_at is not None:
            event.completed_at.FromDatetime(approval.completed_at)
        uow.emit("documents.approval.completed", approval.id, event)
        if outcome != "withdrawn":
            words = {"approved": "审批通过", "rejected": "审批驳回"}[outcome]
            self._notify(
                uow,
                approval,
                [approval.requester],
                f"approval_{outcome}",
                f"{words}：{approval.subject}",
                reason or words,
            )
        uow.after_commit(
            lambda: metrics.APPROVALS_FINISHED.labels(approval.template, outcome).inc()
        )

    def _record_closed_steps(self, approval: Approval, steps: list[ApprovalStep]) -> None:
        """SPEC D-10: duration and met/breached of each step that closed."""
        for step in steps:
            if step.opened_at is None or step.closed_at is None:
                continue
            outcome = "met" if step.met_deadline() else "breached"
            metrics.STEP_OUTCOMES.labels(approval.template, approval.priority, outcome).inc()
            metrics.STEP_DURATION.labels(approval.template, approval.priority).observe(
                sla_hours(
                    step.opened_at,
                    step.closed_at,
                    approval.urgent,
                    self._calendar.working_hours_between,
                )
            )

    # -- seal (D-09) ----------------------------------------------------------

    def _seal(
        self, uow: UnitOfWork, repo: ApprovalRepository, approval: Approval, now: datetime
    ) -> None:
        """Produce the sealed final version in the completing transaction; announce it."""
        seal_id = str(uuid.uuid4())
        content = sealed_content(approval, seal_id, now, self._signer.name)
        digest = content_digest(content)
        signature = self._signer.sign(digest)
        record = SealRecord(
            id=seal_id,
            approval_id=approval.id,
            file=sealed_file(content, digest, signature, self._signer.public_key_pem),
            file_name=f"approval-{approval.id}-sealed.json",
            content_sha256=digest.hex(),
            signature_b64=signature,
            signer=self._signer.name,
            public_key_pem=self._signer.public_key_pem,
            sealed_at=now,
        )
        repo.add_seal(record)
        approval.seal_id = seal_id
        event = events_pb2.ApprovalSealed(
            approval=self._ref(approval),
            seal_id=seal_id,
            content_sha256=record.content_sha256,
            file_name=record.file_name,
        )
        event.sealed_at.FromDatetime(now)
        uow.emit("documents.approval.sealed", approval.id, event)
        uow.audit(
            "system",
            "seal_approval",
            "approval",
            approval.id,
            None,
            {"seal_id": seal_id, "content_sha256": record.content_sha256, "signer": record.signer},
        )

    def get_seal(self, actor: Identity, approval_id: str) -> SealRecord:
        with self._db.reading() as session:
            repo = ApprovalRepository(session)
            approval = repo.get(approval_id)
            if approval is None or not self._visible(approval, actor):
                raise NotFound(f"approval {approval_id} not found")
            seal = repo.seal(approval_id=approval_id)
        if seal is None:
            raise NotFound(
                f"approval {approval_id} has no sealed version: it is {approval.status.value}"
            )
        return seal

    def verify_seal(self, actor: Identity, data: bytes) -> Verdict:
        """SPEC D-09: anyone can check that a sealed file is exactly what was sealed."""
        if not data:
            raise ValidationFailed(FieldError("file", "upload the sealed file to verify"))

        def find_seal(seal_id: str) -> SealRecord | None:
            with self._db.reading() as session:
                return ApprovalRepository(session).seal(seal_id=seal_id)

        return verify_sealed_file(data, find_seal, signature_valid, self._zone)

    # -- reading --------------------------------------------------------------

    def get(self, actor: Identity, approval_id: str) -> Approval:
        with self._db.reading() as session:
            approval = ApprovalRepository(session).get(approval_id)
        if approval is None or not self._visible(approval, actor):
            raise access.not_found("approval", approval_id)
        if not actor.is_service and approval_access.is_classified(approval):
            with self._uow() as uow:
                uow.audit(
                    actor.username,
                    "read_classified",
                    "approval",
                    approval.id,
                    None,
                    {"template": approval.template, "requester": approval.requester},
                )
                uow.commit()
        return approval

    @staticmethod
    def _check_paging(page: int, page_size: int) -> None:
        errors = []
        if page < 1:
            errors.append(FieldError("page", "must be 1 or more"))
        if not 1 <= page_size <= 100:
            errors.append(FieldError("page_size", "must be between 1 and 100"))
        if errors:
            raise ValidationFailed(errors)

    def search(self, actor: Identity, query: ListApprovals) -> tuple[list[Approval], int]:
        """SPEC X-03: the approvals the caller may read; overseers list every
        approval, those they may not read without content (:func:`redacted`)."""
        self._check_paging(query.page, query.page_size)
        viewer = viewer_of(actor)
        with self._db.reading() as session:
            found, total = ApprovalRepository(session).search(
                ApprovalFilter(
                    status=query.status,
                    template=query.template,
                    requester=actor.username if query.mine else "",
                    source_service=query.source_service,
                    source_ref=query.source_ref,
                ),
                viewer,
                query.page,
                query.page_size,
            )
        return [a if self._visible(a, actor) else approval_access.redacted(a) for a in found], total

    def pending_for(self, actor: Identity, page: int, page_size: int) -> tuple[list[Approval], int]:
        """The caller's approval inbox: approvals whose current step waits for them."""
        self._check_paging(page, page_size)
        with self._db.reading() as session:
            return ApprovalRepository(session).pending_for(actor.username, page, page_size)

    # -- absences (D-09) ------------------------------------------------------

    def record_absence(self, actor: Identity, cmd: RecordAbsence) -> Absence:
        if actor.is_service:
            raise PermissionDenied("an absence is recorded by the person who will be away")
        now = self._clock.now()
        delegate = cmd.delegate_username.strip()
        errors = [
            FieldError(f, m)
            for f, m in absence_problems(actor.username, cmd.start, cmd.end, delegate, now)
        ]
        if delegate and delegate != actor.username and self._directory.person(delegate) is None:
            errors.append(FieldError("delegate_username", f"unknown person {delegate!r}"))
        if errors or cmd.start is None or cmd.end is None:
            raise ValidationFailed(errors)
        absence = Absence(
            id=str(uuid.uuid4()),
            username=actor.username,
            start=cmd.start,
            end=cmd.end,
            delegate_username=delegate,
            created_at=now,
        )
        with self._uow() as uow:
            ApprovalRepository(uow.session).add_absence(absence)
            event = events_pb2.AbsenceRecorded(
                absence_id=absence.id,
                username=absence.username,
                delegate_username=absence.delegate_username,
            )
            event.start.FromDatetime(absence.start)
            event.end.FromDatetime(absence.end)
            uow.emit("documents.absence.recorded", absence.id, event)
            uow.audit(
                actor.username,
                "record_absence",
                "absence",
                absence.id,
                None,
                {
                    "start": absence.start.isoformat(),
                    "end": absence.end.isoformat(),
                    "delegate_username": absence.delegate_username,
                },
            )
            uow.commit()
        return absence

    def absences(self, actor: Identity) -> list[Absence]:
        with self._db.reading() as session:
            return ApprovalRepository(session).absences_of(actor.username)

    # -- SLA (D-10) -------------------------------------------------------------

    def sla_report(self, actor: Identity, month: str = "") -> tuple[str, SlaFigures]:
        now = self._clock.now()
        month = month.strip() or now.astimezone(self._zone).strftime("%Y-%m")
        try:
            start, end = month_bounds(month, self._zone)
        except ValueError as exc:
            raise ValidationFailed(FieldError("month", str(exc))) from exc
        with self._db.reading() as session:
            steps = ApprovalRepository(session).sla_steps(start, end)
        return month, month_figures(steps, start, end, now)

    # -- timers (D-08, X-05) ------------------------------------------------------

    @staticmethod
    def _lock_for_timer(repo: ApprovalRepository, firing: TimerFiring) -> Approval | None:
        """Lock the approval a timer concerns without waiting.

        The scheduler already holds the timer's row, while a decision locks
        the approval and then cancels its timers: waiting here could
        deadlock. A busy approval fails the firing instead; the scheduler
        retries it after a short backoff, by when the decision has either
        cancelled the timer or left it due.
        """
        try:
            return repo.get(str(firing.payload["approval_id"]), for_update=True, nowait=True)
        except OperationalError as exc:
            raise ApprovalBusy(
                f"approval {firing.payload['approval_id']} is being changed; timer retries"
            ) from exc

    def on_step_reminder(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """The step reached its due time while open: remind who must decide, once."""
        repo = ApprovalRepository(uow.session)
        approval = self._lock_for_timer(repo, firing)
        if approval is None:
            return
        now = self._clock.now()
        self._follow_directory(
            uow, repo, approval, DirectoryOrganisation(self._directory, repo), now
        )
        step = model.remind(approval, int(firing.payload["step_index"]), now)
        if step is None:
            return
        repo.save(approval, now)
        event = events_pb2.ApprovalReminded(
            approval=self._ref(approval), step_index=step.index, approvers=step.waiting_on()
        )
        if step.due_at is not None:
            event.due_at.FromDatetime(step.due_at)
        uow.emit("documents.approval.reminded", approval.id, event)
        self._notify(
            uow,
            approval,
            step.waiting_on(),
            "approval_reminder",
            f"审批已到期：{approval.subject}",
            f"步骤「{step.name}」已到处理时限，请尽快决定。",
            step.due_at,
        )
        uow.audit(
            "system",
            "approval_reminded",
            "approval",
            approval.id,
            None,
            {"step_index": step.index, "waiting_on": step.waiting_on()},
        )
        uow.after_commit(
            lambda: metrics.REMINDERS.labels(approval.template, approval.priority).inc()
        )

    def on_step_escalation(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """48 hours after opening and still waiting: each pending approver's superior joins."""
        repo = ApprovalRepository(uow.session)
        approval = self._lock_for_timer(repo, firing)
        if approval is None:
            return
        step = approval.step(int(firing.payload["step_index"]))
        if step is None or not step.is_open or step.escalated:
            return
        now = self._clock.now()
        org = DirectoryOrganisation(self._directory, repo)
        self._follow_directory(uow, repo, approval, org, now)
        escalation = model.escalate(
            approval, step.index, escalation_targets(approval, step, org, now), now
        )
        if escalation is None:
            return
        repo.save(approval, now)
        uow.emit(
            "documents.approval.escalated",
            approval.id,
            events_pb2.ApprovalEscalated(
                approval=self._ref(approval),
                step_index=step.index,
                from_approvers=escalation.from_approvers,
                to_approvers=escalation.to_approvers,
            ),
        )
        self._notify(
            uow,
            approval,
            escalation.to_approvers,
            "approval_escalated",
            f"审批升级：{approval.subject}",
            f"步骤「{step.name}」开启48小时仍未处理（{', '.join(escalation.from_approvers)}），"
            "已升级给您。",
            step.due_at,
        )
        uow.audit(
            "system",
            "approval_escalated",
            "approval",
            approval.id,
            None,
            {
                "step_index": step.index,
                "from": escalation.from_approvers,
                "to": escalation.to_approvers,
            },
        )
        uow.after_commit(
            lambda: metrics.ESCALATIONS.labels(approval.template, approval.priority).inc()
        )
