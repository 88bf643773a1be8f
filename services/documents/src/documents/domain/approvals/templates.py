"""Approval templates as data (SPEC D-06).

A template is a sequence of steps. Each step names who approves it by rule
(the requester's department head, a role, a named person, the previous
approver's superior, …), whether one approver suffices (``any``) or every
one must approve (``all``, parallel), and conditions on the payload that
decide whether the step applies at all (an amount above a threshold adds a
step). Templates are versioned: a change is a new version, and an approval
keeps the version it started with.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from secretariat_shared.errors import FieldError

TEMPLATE_KEY = re.compile(r"^[a-z][a-z0-9_]{1,49}$")
USERNAME = re.compile(r"^\S{1,100}$")


class RuleKind(StrEnum):
    """How a step's approvers are found in the organisation directory (X-01)."""

    REQUESTER_DEPARTMENT_HEAD = "requester_department_head"
    ROLE = "role"
    PERSON = "person"
    PREVIOUS_APPROVER_SUPERIOR = "previous_approver_superior"
    REQUESTER_SUPERIOR = "requester_superior"
    SUPERVISING_LEADER = "supervising_leader"


class StepMode(StrEnum):
    ANY = "any"
    """One approver's approval closes the step."""
    ALL = "all"
    """Parallel: every approver must approve."""


class ConditionOp(StrEnum):
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    EQ = "eq"
    NE = "ne"
    IN = "in"


@dataclass(frozen=True)
class ApproverRule:
    kind: RuleKind
    role: str = ""
    username: str = ""

    def describe(self) -> str:
        if self.kind is RuleKind.ROLE:
            return f"role {self.role}"
        if self.kind is RuleKind.PERSON:
            return f"person {self.username}"
        return self.kind.value.replace("_", " ")


_MISSING = object()


def field_value(payload: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (``items.0.qty``), or ``_MISSING``."""
    node: Any = payload
    for part in path.split("."):
        if isinstance(node, Mapping):
            if part not in node:
                return _MISSING
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    return type(a) is type(b) and bool(a == b)


@dataclass(frozen=True)
class Condition:
    """A test on one payload field; the step applies only when all its conditions hold.

    A field missing from the payload makes the condition false whatever the
    operator. ``gt``/``gte``/``lt``/``lte`` compare numbers with numbers and
    strings with strings; any other pairing is false.
    """

    field: str
    op: ConditionOp
    value: Any

    def holds(self, payload: Mapping[str, Any]) -> bool:
        actual = field_value(payload, self.field)
        if actual is _MISSING:
            return False
        match self.op:
            case ConditionOp.EQ:
                return _same(actual, self.value)
            case ConditionOp.NE:
                return not _same(actual, self.value)
            case ConditionOp.IN:
                return isinstance(self.value, list) and any(_same(actual, v) for v in self.value)
        comparable = (_is_number(actual) and _is_number(self.value)) or (
            isinstance(actual, str) and isinstance(self.value, str)
        )
        if not comparable:
            return False
        match self.op:
            case ConditionOp.GT:
                return bool(actual > self.value)
            case ConditionOp.GTE:
                return bool(actual >= self.value)
            case ConditionOp.LT:
                return bool(actual < self.value)
            case ConditionOp.LTE:
                return bool(actual <= self.value)
        return False


@dataclass(frozen=True)
class TemplateStep:
    name: str
    approvers: tuple[ApproverRule, ...]
    mode: StepMode = StepMode.ANY
    conditions: tuple[Condition, ...] = ()

    def applies(self, payload: Mapping[str, Any]) -> bool:
        return all(c.holds(payload) for c in self.conditions)


@dataclass(frozen=True)
class Template:
    key: str
    version: int
    name: str
    form_schema: Mapping[str, Any]
    steps: tuple[TemplateStep, ...]
    created_at: datetime | None = None
    created_by: str = ""
    description: str = field(default="", compare=False)

    def plan(self, payload: Mapping[str, Any]) -> list[TemplateStep]:
        """SPEC D-06: the steps this payload goes through, conditions evaluated once at start."""
        return [step for step in self.steps if step.applies(payload)]


GREEN_CHANNEL_STEP = TemplateStep(
    name="green channel: supervising leader",
    approvers=(ApproverRule(RuleKind.SUPERVISING_LEADER),),
    mode=StepMode.ANY,
)
"""SPEC D-07: an urgent request skips the ordinary levels and goes straight
to the supervising leader of the requester's department."""


def plan_for(template: Template, payload: Mapping[str, Any], urgent: bool) -> list[TemplateStep]:
    if urgent:
        return [GREEN_CHANNEL_STEP]
    return template.plan(payload)


def template_problems(template: Template, known_roles: Sequence[str]) -> list[FieldError]:
    """Structural problems of a template an administrator submits (JSON Schema is checked apart)."""
    errors: list[FieldError] = []
    if not TEMPLATE_KEY.match(template.key):
        errors.append(
            FieldError("key", "must be 2-50 lowercase letters, digits or _, starting with a letter")
        )
    if not template.name.strip():
        errors.append(FieldError("name", "must not be empty"))
    if template.form_schema.get("type", "object") != "object":
        errors.append(FieldError("form_schema", 'must describe a JSON object ("type": "object")'))
    if not template.steps:
        errors.append(FieldError("steps", "a template needs at least one step"))
    for i, step in enumerate(template.steps):
        where = f"steps[{i}]"
        if not step.name.strip():
            errors.append(FieldError(f"{where}.name", "must not be empty"))
        if not step.approvers:
            errors.append(FieldError(f"{where}.approvers", "name at least one approver rule"))
        for j, rule in enumerate(step.approvers):
            at = f"{where}.approvers[{j}]"
            if rule.kind is RuleKind.ROLE and rule.role not in known_roles:
                errors.append(FieldError(f"{at}.role", f"must be one of {', '.join(known_roles)}"))
            if rule.kind is RuleKind.PERSON and not USERNAME.match(rule.username):
                errors.append(FieldError(f"{at}.username", "name the person who approves"))
        for j, condition in enumerate(step.conditions):
            at = f"{where}.conditions[{j}]"
            if not condition.field.strip():
                errors.append(FieldError(f"{at}.field", "name a payload field"))
            if condition.op is ConditionOp.IN and not isinstance(condition.value, list):
                errors.append(FieldError(f"{at}.value", "'in' compares against a JSON array"))
    return errors
