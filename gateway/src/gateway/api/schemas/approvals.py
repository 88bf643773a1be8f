"""The approval engine (SPEC D-06..D-10), routed to the documents service.

Field names are the proto's, except that JSON carried as text in gRPC
(``payload_json``, ``form_schema_json``, ``value_json``) is a JSON value
here (``payload``, ``form_schema``, ``value``), and ``current_step`` is the
open step itself (``current_step_index`` its position).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from gateway.api.schemas.common import QueryParameters, RequestBody, ResponseBody

TEMPLATE_KEYS = (
    "supply_requisition, purchase, contract, leave, expense, travel, document_release, "
    "archive_loan, archive_destruction, appraisal_appeal, job_transfer, general"
)
RuleKind = Literal[
    "requester_department_head",
    "role",
    "person",
    "previous_approver_superior",
    "requester_superior",
    "supervising_leader",
]
Instant = Annotated[
    datetime,
    Field(strict=False, description="ISO 8601; without an offset: the organisation's time zone"),
]


class StartApprovalIn(RequestBody):
    template: str = Field(
        min_length=1,
        description=f"a template key: {TEMPLATE_KEYS}",
        examples=["supply_requisition"],
    )
    subject: str = Field(min_length=1, max_length=500, examples=["三月办公用品领用"])
    payload: dict[str, Any] = Field(
        default_factory=dict,
        description="the template's form, checked against its JSON Schema",
        examples=[{"items": [{"name": "A4纸", "quantity": 10, "unit": "包"}]}],
    )
    urgent: bool = Field(
        False, description="green channel (D-07): straight to the supervising leader"
    )
    content: str = Field("", description="text the seal covers beside the payload")
    source_ref: str = Field("", max_length=200, description="your own reference, echoed in events")


class DecisionIn(RequestBody):
    action: Literal["approve", "reject", "return", "delegate"]
    comment: str = Field("", description="the reason; required to reject or return")
    delegate_to: str = Field("", description="who decides instead (delegate only)")


class ResubmitIn(RequestBody):
    payload: dict[str, Any] | None = Field(None, description="the edited form; default: unchanged")
    subject: str | None = Field(None, max_length=500)
    comment: str = ""


class WithdrawIn(RequestBody):
    comment: str = ""


class DecisionOut(ResponseBody):
    actor: str
    action: str
    comment: str
    on_behalf_of: str = Field(
        description="the approver the actor decided for (absence, delegation)"
    )
    delegate_to: str
    at: datetime | None


class ApprovalStepOut(ResponseBody):
    index: int
    revision: int = Field(description="the approval's revision this step belongs to")
    name: str
    mode: str = Field(description="any (one approval suffices) | all (everyone, in parallel)")
    approvers: list[str] = Field(description="who may decide now (open); who could (closed)")
    approved_by: list[str]
    on_behalf_of: dict[str, str] = Field(description="decider → the approver they stand in for")
    state: str = Field(description="pending|open|approved|rejected|returned|skipped|withdrawn")
    opened_at: datetime | None
    due_at: datetime | None = Field(description="the reminder time (D-08)")
    escalate_at: datetime | None = Field(description="the escalation time (D-08)")
    closed_at: datetime | None
    reminded: bool
    escalated: bool
    decisions: list[DecisionOut]


class HistoryEntryOut(ResponseBody):
    at: datetime | None
    actor: str
    action: str
    comment: str
    step_index: int
    on_behalf_of: str


class ApprovalOut(ResponseBody):
    id: str
    template: str
    template_version: int
    subject: str
    payload: dict[str, Any]
    content: str
    urgent: bool
    status: str = Field(description="in_progress|approved|rejected|returned|withdrawn")
    requester: str
    department_code: str
    revision: int
    current_step: ApprovalStepOut | None = Field(description="the open step; null when none")
    current_step_index: int = Field(description="-1 when no step is open")
    steps: list[ApprovalStepOut]
    history: list[HistoryEntryOut]
    source_service: str
    source_ref: str
    seal_id: str
    created_at: datetime | None
    completed_at: datetime | None


class ApprovalList(ResponseBody):
    items: list[ApprovalOut]
    total: int


class ApprovalPaging(QueryParameters):
    page: int | None = Field(None, ge=1)
    page_size: int | None = Field(None, ge=1, le=100)


class ApprovalQuery(ApprovalPaging):
    status: str | None = None
    template: str | None = None
    mine: bool = Field(False, description="only approvals I started")
    source_service: str | None = None
    source_ref: str | None = None


class AbsenceIn(RequestBody):
    start: Instant
    end: Instant
    delegate_username: str = Field(min_length=1, description="who decides for me meanwhile")


class AbsenceOut(ResponseBody):
    id: str
    username: str
    start: datetime | None
    end: datetime | None
    delegate_username: str


class AbsenceList(ResponseBody):
    items: list[AbsenceOut]


class ApproverRuleIn(RequestBody):
    kind: RuleKind
    role: str = Field("", description="kind = role: finance, office_director, hr, …")
    username: str = Field("", description="kind = person")


class ConditionIn(RequestBody):
    field: str = Field(min_length=1, description="payload field, dotted path allowed")
    op: Literal["gt", "gte", "lt", "lte", "eq", "ne", "in"]
    value: Any = Field(description="JSON value compared against (an array for `in`)")


class TemplateStepIn(RequestBody):
    name: str = Field(min_length=1)
    mode: Literal["any", "all"] = "any"
    approvers: list[ApproverRuleIn] = Field(min_length=1)
    conditions: list[ConditionIn] = Field(default_factory=list)


class TemplateIn(RequestBody):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,49}$", examples=["supply_requisition"])
    name: str = Field(min_length=1)
    description: str = ""
    form_schema: dict[str, Any] = Field(description="JSON Schema of the payload")
    steps: list[TemplateStepIn] = Field(min_length=1)


class ApproverRuleOut(ResponseBody):
    kind: str
    role: str
    username: str


class ConditionOut(ResponseBody):
    field: str
    op: str
    value: Any


class TemplateStepOut(ResponseBody):
    name: str
    mode: str
    approvers: list[ApproverRuleOut]
    conditions: list[ConditionOut]


class TemplateOut(ResponseBody):
    key: str
    version: int
    name: str
    description: str
    form_schema: dict[str, Any]
    steps: list[TemplateStepOut]
    created_at: datetime | None
    created_by: str


class TemplateList(ResponseBody):
    items: list[TemplateOut]


class TemplateVersionQuery(QueryParameters):
    version: int | None = Field(None, ge=1, description="default: the current version")


class SealVerificationOut(ResponseBody):
    valid: bool
    reason: str = Field(description="why the file is or is not the sealed version")
    approval_id: str
    seal_id: str


class SlaQuery(QueryParameters):
    month: str | None = Field(
        None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM; default: this month"
    )


class SlaFiguresOut(ResponseBody):
    steps_total: int
    steps_overdue: int
    overdue_share: float
    routine_met: int
    routine_breached: int
    urgent_met: int
    urgent_breached: int


class SlaReportOut(ResponseBody):
    month: str
    steps_total: int = Field(description="steps closed in the month, or open during it")
    steps_overdue: int = Field(description="of those, steps that passed their due time")
    overdue_share: float
    target: float = Field(description="SPEC D-10: at most this share overdue (0.05)")
    routine_met: int
    routine_breached: int
    urgent_met: int
    urgent_breached: int
    document_steps: SlaFiguresOut | None = Field(
        default=None,
        description="SPEC D-10: the month's document flow steps (拟办, circulation, archive)",
    )
    document_flows_total: int = Field(
        default=0, description="documents whose flow ended in the month or ran past due in it"
    )
    document_flows_met: int = Field(
        default=0, description="routine: registration to end of circulation within 24 h"
    )
    document_flows_breached: int = 0
    all_steps_total: int = Field(default=0, description="approval and document steps together")
    all_steps_overdue: int = 0
    all_overdue_share: float = Field(default=0.0, description="the share D-10's 5 % binds")
