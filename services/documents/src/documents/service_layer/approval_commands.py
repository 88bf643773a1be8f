"""Inputs of the approval engine's use cases, validated before anything changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class StartApproval:
    template: str
    subject: str
    payload_json: str
    urgent: bool = False
    requester_username: str = ""
    source_service: str = ""
    source_ref: str = ""
    content: str = ""


@dataclass(frozen=True)
class Decide:
    approval_id: str
    action: str
    comment: str = ""
    delegate_to: str = ""


@dataclass(frozen=True)
class Resubmit:
    approval_id: str
    payload_json: str = ""
    subject: str = ""
    comment: str = ""


@dataclass(frozen=True)
class Withdraw:
    approval_id: str
    comment: str = ""


@dataclass(frozen=True)
class RecordAbsence:
    start: datetime | None
    end: datetime | None
    delegate_username: str


@dataclass(frozen=True)
class RuleSpec:
    kind: str
    role: str = ""
    username: str = ""


@dataclass(frozen=True)
class ConditionSpec:
    field: str
    op: str
    value_json: str


@dataclass(frozen=True)
class StepSpec:
    name: str
    mode: str = "any"
    approvers: list[RuleSpec] = field(default_factory=list)
    conditions: list[ConditionSpec] = field(default_factory=list)


@dataclass(frozen=True)
class PutTemplate:
    key: str
    name: str
    form_schema_json: str
    steps: list[StepSpec]
    description: str = ""


@dataclass(frozen=True)
class ListApprovals:
    status: str = ""
    template: str = ""
    mine: bool = False
    source_service: str = ""
    source_ref: str = ""
    page: int = 1
    page_size: int = 20
