"""The twelve built-in approval templates (SPEC D-06).

They are seeded into the template table the first time the engine runs;
administrators change them by publishing new versions. A built-in that the
product itself corrects gets a new version here (never an edited one): each
start seeds the (key, version) rows still missing, so running systems gain
it, and a version an administrator already published under that number stays.
"""

from __future__ import annotations

from typing import Any

from documents.domain.approvals.templates import (
    ApproverRule,
    Condition,
    ConditionOp,
    RuleKind,
    StepMode,
    Template,
    TemplateStep,
)
from secretariat_shared.roles import Role

PURCHASE_LEADER_THRESHOLD = 50_000
"""Purchases above this many yuan also need the supervising leader."""
CONTRACT_LEADER_THRESHOLD = 100_000
EXPENSE_DIRECTOR_THRESHOLD = 5_000
"""Expense claims above this many yuan also need the office director."""
LEAVE_LEADER_DAYS = 3
"""Leave of more than this many days also needs the supervising leader."""

SCHEMA = "https://json-schema.org/draft/2020-12/schema"

HEAD = ApproverRule(RuleKind.REQUESTER_DEPARTMENT_HEAD)
FINANCE = ApproverRule(RuleKind.ROLE, role=Role.FINANCE)
OFFICE_DIRECTOR = ApproverRule(RuleKind.ROLE, role=Role.OFFICE_DIRECTOR)
SECRETARIAT = ApproverRule(RuleKind.ROLE, role=Role.SECRETARIAT)
HR = ApproverRule(RuleKind.ROLE, role=Role.HR)
DISCIPLINE = ApproverRule(RuleKind.ROLE, role=Role.DISCIPLINE)
COMMITTEE = ApproverRule(RuleKind.ROLE, role=Role.COMMITTEE)
EMPLOYEE_REPRESENTATIVE = ApproverRule(RuleKind.ROLE, role=Role.EMPLOYEE_REPRESENTATIVE)
LEADER = ApproverRule(RuleKind.SUPERVISING_LEADER)
PREVIOUS_SUPERIOR = ApproverRule(RuleKind.PREVIOUS_APPROVER_SUPERIOR)

_TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}
_AMOUNT = {"type": "number", "minimum": 0, "description": "yuan"}
_DATE = {"type": "string", "format": "date"}


def _form(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": True,
    }


def _step(
    name: str,
    *rules: ApproverRule,
    mode: StepMode = StepMode.ANY,
    when: tuple[Condition, ...] = (),
) -> TemplateStep:
    return TemplateStep(name=name, approvers=rules, mode=mode, conditions=when)


def _above(field: str, threshold: float) -> tuple[Condition, ...]:
    return (Condition(field, ConditionOp.GT, threshold),)


_APPEAL_FORM = _form(
    {
        "appraisal_id": {"type": "string", "minLength": 1},
        "period": {"type": "string"},
        "reason": {"type": "string", "minLength": 1},
        "second_appeal": {"type": "boolean"},
    },
    ["appraisal_id", "reason"],
)
_SECOND_APPEAL = _step(
    "performance committee",
    COMMITTEE,
    when=(Condition("second_appeal", ConditionOp.EQ, True),),
)

SUPERSEDED_BUILTINS: tuple[Template, ...] = (
    Template(
        key="appraisal_appeal",
        version=1,
        name="绩效申诉 appraisal appeal",
        description="a panel of department head and HR together; a second appeal goes to the committee",
        form_schema=_APPEAL_FORM,
        steps=(_step("review panel", HEAD, HR, mode=StepMode.ALL), _SECOND_APPEAL),
    ),
)
"""Earlier versions of built-ins, kept so every database holds the same history
(approvals started on them keep routing by them)."""

BUILTIN_TEMPLATES: tuple[Template, ...] = (
    Template(
        key="supply_requisition",
        version=1,
        name="物品领用申请 supply requisition",
        description="SPEC F-01: department head signs, finance reviews, the office director approves",
        form_schema=_form(
            {
                "items": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string", "minLength": 1},
                            "quantity": {"type": "integer", "minimum": 1},
                            "unit": {"type": "string"},
                            "item_code": {"type": "string"},
                        },
                        "required": ["name", "quantity"],
                    },
                },
                "purpose": {"type": "string"},
                "month": {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"},
            },
            ["items"],
        ),
        steps=(
            _step("department head", HEAD),
            _step("finance review", FINANCE),
            _step("office director", OFFICE_DIRECTOR),
        ),
    ),
    Template(
        key="purchase",
        version=1,
        name="采购申请 purchase",
        description=f"finance, office director; above {PURCHASE_LEADER_THRESHOLD} yuan also the supervising leader",
        form_schema=_form(
            {
                "description": _TEXT,
                "amount": _AMOUNT,
                "supplier": {"type": "string"},
                "items": {"type": "array"},
            },
            ["description", "amount"],
        ),
        steps=(
            _step("finance review", FINANCE),
            _step("office director", OFFICE_DIRECTOR),
            _step(
                "supervising leader",
                LEADER,
                when=_above("amount", PURCHASE_LEADER_THRESHOLD),
            ),
        ),
    ),
    Template(
        key="contract",
        version=1,
        name="合同审批 contract",
        description=f"head, finance, office director; above {CONTRACT_LEADER_THRESHOLD} yuan also the supervising leader",
        form_schema=_form(
            {
                "counterparty": {"type": "string", "minLength": 1},
                "amount": _AMOUNT,
                "term": {"type": "string"},
                "summary": {"type": "string"},
            },
            ["counterparty", "amount"],
        ),
        steps=(
            _step("department head", HEAD),
            _step("finance review", FINANCE),
            _step("office director", OFFICE_DIRECTOR),
            _step(
                "supervising leader",
                LEADER,
                when=_above("amount", CONTRACT_LEADER_THRESHOLD),
            ),
        ),
    ),
    Template(
        key="leave",
        version=1,
        name="请假 leave",
        description=f"department head; more than {LEAVE_LEADER_DAYS} days also the supervising leader",
        form_schema=_form(
            {
                "leave_type": {
                    "enum": [
                        "annual",
                        "sick",
                        "personal",
                        "marriage",
                        "maternity",
                        "paternity",
                        "bereavement",
                    ]
                },
                "start_date": _DATE,
                "end_date": _DATE,
                "days": {"type": "number", "exclusiveMinimum": 0},
                "reason": {"type": "string"},
            },
            ["leave_type", "start_date", "end_date", "days"],
        ),
        steps=(
            _step("department head", HEAD),
            _step("supervising leader", LEADER, when=_above("days", LEAVE_LEADER_DAYS)),
        ),
    ),
    Template(
        key="expense",
        version=1,
        name="费用报销 expense claim",
        description=f"head, finance; above {EXPENSE_DIRECTOR_THRESHOLD} yuan also the office director",
        form_schema=_form(
            {
                "amount": {"type": "number", "exclusiveMinimum": 0},
                "category": {"type": "string", "minLength": 1},
                "description": {"type": "string"},
                "receipts": {"type": "integer", "minimum": 0},
            },
            ["amount", "category"],
        ),
        steps=(
            _step("department head", HEAD),
            _step("finance review", FINANCE),
            _step(
                "office director",
                OFFICE_DIRECTOR,
                when=_above("amount", EXPENSE_DIRECTOR_THRESHOLD),
            ),
        ),
    ),
    Template(
        key="travel",
        version=1,
        name="出差申请 travel",
        description="head, finance; international trips also the supervising leader (F-09)",
        form_schema=_form(
            {
                "destination": {"type": "string", "minLength": 1},
                "start_date": _DATE,
                "end_date": _DATE,
                "purpose": {"type": "string", "minLength": 1},
                "estimated_cost": _AMOUNT,
                "international": {"type": "boolean"},
                "needs": {
                    "type": "array",
                    "items": {"enum": ["flight", "train", "hotel", "visa", "car"]},
                },
            },
            ["destination", "start_date", "end_date", "purpose"],
        ),
        steps=(
            _step("department head", HEAD),
            _step("finance review", FINANCE),
            _step(
                "supervising leader",
                LEADER,
                when=(Condition("international", ConditionOp.EQ, True),),
            ),
        ),
    ),
    Template(
        key="document_release",
        version=1,
        name="发文审批 document release",
        description="head, secretariat (form and numbering), office director",
        form_schema=_form(
            {
                "title": {"type": "string", "minLength": 1},
                "document_id": {"type": "string"},
                "document_number": {"type": "string"},
                "security_class": {"enum": ["public", "internal", "confidential", "secret"]},
            },
            ["title"],
        ),
        steps=(
            _step("department head", HEAD),
            _step("secretariat check", SECRETARIAT),
            _step("office director", OFFICE_DIRECTOR),
        ),
    ),
    Template(
        key="archive_loan",
        version=1,
        name="档案借阅 archive loan",
        description="SPEC A-03: head, archivist; confidential or secret records also the office director",
        form_schema=_form(
            {
                "record_id": {"type": "string", "minLength": 1},
                "record_number": {"type": "string"},
                "purpose": {"type": "string", "minLength": 1},
                "due_date": _DATE,
                "security_class": {"enum": ["public", "internal", "confidential", "secret"]},
            },
            ["record_id", "purpose", "due_date"],
        ),
        steps=(
            _step("department head", HEAD),
            _step("archivist", SECRETARIAT),
            _step(
                "office director",
                OFFICE_DIRECTOR,
                when=(Condition("security_class", ConditionOp.IN, ["confidential", "secret"]),),
            ),
        ),
    ),
    Template(
        key="archive_destruction",
        version=1,
        name="档案销毁 archive destruction",
        description="SPEC A-06: secretariat, then office director and discipline office together",
        form_schema=_form(
            {
                "record_ids": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "minLength": 1},
                },
                "reason": {"type": "string", "minLength": 1},
            },
            ["record_ids", "reason"],
        ),
        steps=(
            _step("archive review", SECRETARIAT),
            _step(
                "destruction supervision",
                OFFICE_DIRECTOR,
                DISCIPLINE,
                mode=StepMode.ALL,
            ),
        ),
    ),
    Template(
        key="appraisal_appeal",
        version=2,
        name="绩效申诉 appraisal appeal",
        description=(
            "SPEC P-10: a panel of the department head, HR and an employee representative, "
            "joined by the discipline office, all together; a second appeal goes to the committee"
        ),
        form_schema=_APPEAL_FORM,
        steps=(
            _step("review panel", HEAD, HR, EMPLOYEE_REPRESENTATIVE, DISCIPLINE, mode=StepMode.ALL),
            _SECOND_APPEAL,
        ),
    ),
    Template(
        key="job_transfer",
        version=1,
        name="调岗申请 job transfer",
        description="SPEC C-02: department head, HR, the supervising leader",
        form_schema=_form(
            {
                "to_department": {"type": "string", "minLength": 1},
                "post": {"type": "string", "minLength": 1},
                "reason": {"type": "string"},
            },
            ["to_department", "post"],
        ),
        steps=(
            _step("department head", HEAD),
            _step("human resources", HR),
            _step("supervising leader", LEADER),
        ),
    ),
    Template(
        key="general",
        version=1,
        name="通用审批 general",
        description="department head, then the head's superior",
        form_schema=_form({"description": _TEXT}, ["description"]),
        steps=(
            _step("department head", HEAD),
            _step("head's superior", PREVIOUS_SUPERIOR),
        ),
    ),
)

BUILTIN_KEYS: tuple[str, ...] = tuple(t.key for t in BUILTIN_TEMPLATES)
