"""Starting an approval (SPEC D-06, D-07): checks, routing, the first step;
idempotent on a service's (source_service, source_ref) (issue 11 item 6)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError

from documents.adapters.approval_repository import ApprovalRepository
from documents.domain.approvals import model
from documents.domain.approvals.model import Approval
from documents.domain.approvals.templates import Template, TemplateStep, plan_for
from documents.domain.approvals.validation import (
    parse_json_object,
    start_problems,
    subject_problems,
)
from documents.service_layer import approval_metrics as metrics
from documents.service_layer.approval_commands import StartApproval
from documents.service_layer.approval_common import (
    DirectoryOrganisation,
    approval_snapshot,
    domain_errors,
)
from documents.service_layer.approval_flow import ApprovalFlow
from secretariat.documents.v1 import events_pb2
from secretariat_shared.errors import FieldError, ValidationFailed
from secretariat_shared.identity import Identity


class ApprovalStarting(ApprovalFlow):
    def start(self, actor: Identity, cmd: StartApproval) -> Approval:
        self._templates.ensure_seeded()
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
        errors.extend(subject_problems(subject))
        payload = parse_json_object(cmd.payload_json, "payload", errors)
        if template is not None and payload is not None:
            errors.extend(self._templates.form_errors(template, payload))
        errors.extend(
            start_problems(cmd.content, cmd.source_service, cmd.source_ref, actor.is_service)
        )
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
            with domain_errors():
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
