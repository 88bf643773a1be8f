"""The approval engine's input checks that need no I/O (SPEC D-06, D-09), in the domain."""

from __future__ import annotations

from dataclasses import dataclass, field

from documents.domain.approvals.builtin import BUILTIN_TEMPLATES
from documents.domain.approvals.model import Action
from documents.domain.approvals.validation import (
    MAX_SUBJECT,
    FormValidators,
    action_of,
    paging_problems,
    parse_json_object,
    start_problems,
    subject_problems,
    template_of,
)
from secretariat_shared.errors import FieldError


@dataclass(frozen=True)
class Rule:
    kind: str
    role: str = ""
    username: str = ""


@dataclass(frozen=True)
class Cond:
    field: str
    op: str
    value_json: str


@dataclass(frozen=True)
class Step:
    name: str
    mode: str = "any"
    approvers: list[Rule] = field(default_factory=list)
    conditions: list[Cond] = field(default_factory=list)


@dataclass(frozen=True)
class Spec:
    key: str
    name: str
    form_schema_json: str
    steps: list[Step]
    description: str = ""


def fields(errors: list[FieldError]) -> list[str]:
    return [e.field for e in errors]


def test_d06_payload_is_a_json_object_within_limits() -> None:
    errors: list[FieldError] = []
    assert parse_json_object("", "payload", errors) == {}
    assert parse_json_object('{"a": 1}', "payload", errors) == {"a": 1}
    assert parse_json_object("[1]", "payload", errors) is None
    assert parse_json_object("{", "payload", errors) is None
    assert fields(errors) == ["payload", "payload"]


def test_d06_start_fields_subject_content_and_source() -> None:
    assert fields(subject_problems("")) == ["subject"]
    assert fields(subject_problems("x" * (MAX_SUBJECT + 1))) == ["subject"]
    assert subject_problems("领用") == []
    assert fields(start_problems("", "facilities", "", by_service=False)) == ["source_service"]
    assert start_problems("", "facilities", "R-1", by_service=True) == []
    assert fields(start_problems("x" * 200_001, "", "r" * 201, by_service=False)) == [
        "content",
        "source_ref",
    ]


def test_d09_actions_and_paging() -> None:
    assert action_of("approve") is Action.APPROVE
    assert action_of("sign") is None
    assert paging_problems(1, 100) == []
    assert fields(paging_problems(0, 101)) == ["page", "page_size"]


def test_d06_the_form_of_a_template_names_each_bad_field() -> None:
    requisition = next(t for t in BUILTIN_TEMPLATES if t.key == "supply_requisition")
    forms = FormValidators()
    assert forms.problems(requisition, {"items": [{"name": "纸", "quantity": 1}]}) == []
    assert fields(forms.problems(requisition, {"items": [{"name": "纸", "quantity": 0}]})) == [
        "payload.items.0.quantity"
    ]


def test_d06_a_published_template_is_checked_before_it_is_stored() -> None:
    spec = Spec(
        key="gifts",
        name="礼品申请",
        form_schema_json='{"type": "object"}',
        steps=[
            Step("head", approvers=[Rule("requester_department_head")]),
            Step(
                "named",
                mode="most",
                approvers=[Rule("person", username="ghost"), Rule("oracle")],
                conditions=[Cond("amount", "gt", "1000"), Cond("amount", "~", "1")],
            ),
        ],
    )
    template, errors = template_of(spec, lambda username: username != "ghost", ["finance"])
    assert template.key == "gifts"
    assert fields(errors) == [
        "steps[1].mode",
        "steps[1].approvers[0].username",
        "steps[1].approvers[1].kind",
        "steps[1].conditions[1].op",
    ]
    good = Spec("gifts", "礼品申请", "{}", [Step("head", approvers=[Rule("role", role="finance")])])
    assert template_of(good, lambda _: True, ["finance"])[1] == []
