"""Checks of the approval engine's inputs that need no I/O (SPEC D-06, D-09).

The use cases call these before anything changes and add what only the
directory or the database can tell (an unknown person, an unknown template).
Problems are :class:`FieldError`s naming the request field at fault.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import jsonschema
from jsonschema.exceptions import SchemaError

from documents.domain.approvals.model import Action
from documents.domain.approvals.templates import (
    ApproverRule,
    Condition,
    ConditionOp,
    RuleKind,
    StepMode,
    Template,
    TemplateStep,
    template_problems,
)
from secretariat_shared.errors import FieldError

MAX_SUBJECT = 500
MAX_CONTENT = 200_000
MAX_PAYLOAD_BYTES = 256_000
MAX_SOURCE_SERVICE = 50
MAX_SOURCE_REF = 200
MAX_PAGE_SIZE = 100


def parse_json_object(raw: str, field: str, errors: list[FieldError]) -> dict[str, Any] | None:
    """``raw`` as a JSON object ("" is ``{}``); None with a problem in ``errors`` otherwise."""
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


def subject_problems(subject: str, required: bool = True) -> list[FieldError]:
    if not subject:
        return [FieldError("subject", "must not be empty")] if required else []
    if len(subject) > MAX_SUBJECT:
        return [FieldError("subject", f"must be at most {MAX_SUBJECT} characters")]
    return []


def start_problems(
    content: str, source_service: str, source_ref: str, by_service: bool
) -> list[FieldError]:
    """The limits of a start's content and source; only a service names itself as source."""
    errors: list[FieldError] = []
    if len(content) > MAX_CONTENT:
        errors.append(FieldError("content", f"must be at most {MAX_CONTENT} characters"))
    if len(source_service) > MAX_SOURCE_SERVICE:
        errors.append(
            FieldError("source_service", f"must be at most {MAX_SOURCE_SERVICE} characters")
        )
    elif source_service.strip() and not by_service:
        errors.append(FieldError("source_service", "only a service names itself as source"))
    if len(source_ref) > MAX_SOURCE_REF:
        errors.append(FieldError("source_ref", f"must be at most {MAX_SOURCE_REF} characters"))
    return errors


def action_of(text: str) -> Action | None:
    try:
        return Action(text)
    except ValueError:
        return None


ACTION_PROBLEM = FieldError("action", "must be one of approve, reject, return, delegate")


def paging_problems(page: int, page_size: int) -> list[FieldError]:
    errors = []
    if page < 1:
        errors.append(FieldError("page", "must be 1 or more"))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        errors.append(FieldError("page_size", f"must be between 1 and {MAX_PAGE_SIZE}"))
    return errors


class FormValidators:
    """A template's form (its JSON Schema), compiled once per (key, version)."""

    def __init__(self) -> None:
        self._validators: dict[tuple[str, int], Any] = {}

    def problems(self, template: Template, payload: dict[str, Any]) -> list[FieldError]:
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


# -- a template an administrator publishes ------------------------------------------


class RuleSpecLike(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def username(self) -> str: ...


class ConditionSpecLike(Protocol):
    @property
    def field(self) -> str: ...
    @property
    def op(self) -> str: ...
    @property
    def value_json(self) -> str: ...


class StepSpecLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def mode(self) -> str: ...
    @property
    def approvers(self) -> Sequence[RuleSpecLike]: ...
    @property
    def conditions(self) -> Sequence[ConditionSpecLike]: ...


class TemplateSpecLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def form_schema_json(self) -> str: ...
    @property
    def steps(self) -> Sequence[StepSpecLike]: ...


def template_of(
    spec: TemplateSpecLike, person_exists: Callable[[str], bool], known_roles: Sequence[str]
) -> tuple[Template, list[FieldError]]:
    """The template ``spec`` describes (version 0, to be numbered) and every problem
    with it; ``person_exists`` answers for the people its rules name."""
    errors: list[FieldError] = []
    schema = parse_json_object(spec.form_schema_json, "form_schema", errors)
    if schema is not None:
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except SchemaError as exc:
            errors.append(FieldError("form_schema", f"is not a valid JSON Schema: {exc.message}"))
    steps: list[TemplateStep] = []
    for i, step in enumerate(spec.steps):
        where = f"steps[{i}]"
        try:
            mode = StepMode(step.mode or "any")
        except ValueError:
            errors.append(FieldError(f"{where}.mode", "must be any or all"))
            mode = StepMode.ANY
        rules: list[ApproverRule] = []
        for j, rule in enumerate(step.approvers):
            try:
                kind = RuleKind(rule.kind)
            except ValueError:
                kinds = ", ".join(k.value for k in RuleKind)
                errors.append(FieldError(f"{where}.approvers[{j}].kind", f"must be one of {kinds}"))
                continue
            if kind is RuleKind.PERSON and rule.username and not person_exists(rule.username):
                errors.append(
                    FieldError(
                        f"{where}.approvers[{j}].username", f"unknown person {rule.username!r}"
                    )
                )
            rules.append(ApproverRule(kind, rule.role.strip(), rule.username.strip()))
        conditions: list[Condition] = []
        for j, cond in enumerate(step.conditions):
            try:
                op = ConditionOp(cond.op)
            except ValueError:
                ops = ", ".join(o.value for o in ConditionOp)
                errors.append(FieldError(f"{where}.conditions[{j}].op", f"must be one of {ops}"))
                continue
            try:
                value = json.loads(cond.value_json)
            except ValueError:
                errors.append(FieldError(f"{where}.conditions[{j}].value", "must be a JSON value"))
                continue
            conditions.append(Condition(cond.field.strip(), op, value))
        steps.append(TemplateStep(step.name.strip(), tuple(rules), mode, tuple(conditions)))
    template = Template(
        key=spec.key.strip(),
        version=0,
        name=spec.name.strip(),
        description=spec.description.strip(),
        form_schema=schema or {},
        steps=tuple(steps),
    )
    errors.extend(template_problems(template, known_roles))
    return template, errors
