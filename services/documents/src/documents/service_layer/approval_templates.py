"""Approval templates (SPEC D-06): the built-ins seeded once, administrators
publishing new versions, and the form each template's payload must fill."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from sqlalchemy.exc import IntegrityError

from documents.adapters.approval_repository import ApprovalRepository
from documents.domain.approvals.builtin import BUILTIN_TEMPLATES, SUPERSEDED_BUILTINS
from documents.domain.approvals.templates import Template
from documents.domain.approvals.validation import FormValidators, template_of
from documents.service_layer.approval_commands import PutTemplate
from documents.service_layer.approval_common import KNOWN_ROLES, TEMPLATE_ADMIN_ROLE, UowFactory
from documents.service_layer.ports import Directory
from secretariat.documents.v1 import events_pb2
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from secretariat_shared.identity import Identity


class ApprovalTemplates:
    def __init__(
        self, uow_factory: UowFactory, directory: Directory, clock: Clock, db: Database
    ) -> None:
        self._uow = uow_factory
        self._directory = directory
        self._clock = clock
        self._db = db
        self._forms = FormValidators()
        self._seeded = False
        self._seed_lock = threading.Lock()

    def ensure_seeded(self) -> None:
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
        self.ensure_seeded()
        with self._db.reading() as session:
            return ApprovalRepository(session).current_templates()

    def get_template(self, actor: Identity, key: str, version: int = 0) -> Template:
        self.ensure_seeded()
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
        self.ensure_seeded()
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
        template, errors = template_of(
            cmd, lambda username: self._directory.person(username) is not None, KNOWN_ROLES
        )
        if errors:
            raise ValidationFailed(errors)
        return template

    def form_errors(self, template: Template, payload: dict[str, Any]) -> list[FieldError]:
        """The payload checked against the template's JSON Schema, one error per field."""
        return self._forms.problems(template, payload)
