"""Rules of the approval engine (SPEC D-06..D-10) on the pure domain, one test per rule at least."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from approvals_testkit import FakeOrganisation
from documents.adapters.seal_signer import SealSigner, seal_signer_for, signature_valid
from documents.domain.approvals import access as approval_access
from documents.domain.approvals import model
from documents.domain.approvals.builtin import BUILTIN_KEYS, BUILTIN_TEMPLATES
from documents.domain.approvals.model import (
    Action,
    AlreadyDecided,
    Approval,
    ApprovalClosed,
    ApprovalStatus,
    InvalidDecision,
    NoApprover,
    NotAnApprover,
    StepState,
)
from documents.domain.approvals.routing import escalation_targets, resolve_holders, seats_for
from documents.domain.approvals.seal import (
    SealRecord,
    UnreadableSeal,
    Verdict,
    content_digest,
    read_sealed_file,
    sealed_content,
    sealed_file,
    verify_sealed_file,
)
from documents.domain.approvals.sla import (
    ESCALATION_HOURS,
    StepTiming,
    month_bounds,
    month_figures,
    step_deadlines,
)
from documents.domain.approvals.templates import (
    GREEN_CHANNEL_STEP,
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
from secretariat_shared.access import Viewer
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.identity import generate_keypair

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing
TEMPLATES = {t.key: t for t in BUILTIN_TEMPLATES}
DUE = NOW + timedelta(hours=24)


def started(
    key: str = "supply_requisition",
    payload: dict[str, Any] | None = None,
    requester: str = "hr.staff",
    dept: str = "HR",
    urgent: bool = False,
) -> Approval:
    payload = payload if payload is not None else {"items": [{"name": "纸", "quantity": 1}]}
    return model.new_approval(
        approval_id="a1",
        template=key,
        template_version=1,
        subject="申请",
        payload=payload,
        urgent=urgent,
        requester=requester,
        department_code=dept,
        plan=plan_for(TEMPLATES[key], payload, urgent),
        now=NOW,
    )


def open_next(approval: Approval, org: FakeOrganisation, at: datetime = NOW) -> None:
    step = approval.next_pending()
    assert step is not None
    model.open_step(approval, step, seats_for(approval, step, org, at), at, DUE, DUE)


def advance(approval: Approval, org: FakeOrganisation, at: datetime = NOW) -> None:
    if approval.next_pending() is None:
        model.complete(approval, at)
    else:
        open_next(approval, org, at)


def approve(approval: Approval, org: FakeOrganisation, actor: str) -> model.DecisionOutcome:
    outcome = model.decide(approval, actor, Action.APPROVE, NOW)
    if outcome.step_closed:
        advance(approval, org)
    return outcome


# -- D-06 templates -------------------------------------------------------------


def test_d06_twelve_builtin_templates_with_valid_form_schemas() -> None:
    assert set(BUILTIN_KEYS) == {
        "supply_requisition",
        "purchase",
        "contract",
        "leave",
        "expense",
        "travel",
        "document_release",
        "archive_loan",
        "archive_destruction",
        "appraisal_appeal",
        "job_transfer",
        "general",
    }
    for template in BUILTIN_TEMPLATES:
        # P-10 corrected the appeal panel in a second version
        assert template.version == (2 if template.key == "appraisal_appeal" else 1)
        jsonschema.validators.validator_for(template.form_schema).check_schema(
            dict(template.form_schema)
        )
        assert (
            template_problems(
                template,
                [
                    "finance",
                    "office_director",
                    "secretariat",
                    "hr",
                    "discipline",
                    "committee",
                    "employee_representative",
                ],
            )
            == []
        )


def test_d06_supply_requisition_has_the_three_levels_of_f01() -> None:
    org = FakeOrganisation()
    approval = started()
    assert [s.name for s in approval.steps] == [
        "department head",
        "finance review",
        "office director",
    ]
    holders = [resolve_holders(approval, s, org) for s in approval.steps]
    assert holders == [["hr.head"], ["fin.clerk", "fin.head"], ["off.director"]]


@pytest.mark.parametrize(
    ("key", "payload", "steps"),
    [
        ("purchase", {"description": "x", "amount": 50_000}, 2),
        ("purchase", {"description": "x", "amount": 50_000.01}, 3),
        (
            "leave",
            {
                "leave_type": "annual",
                "start_date": "2026-03-02",
                "end_date": "2026-03-04",
                "days": 3,
            },
            1,
        ),
        (
            "leave",
            {
                "leave_type": "annual",
                "start_date": "2026-03-02",
                "end_date": "2026-03-05",
                "days": 4,
            },
            2,
        ),
        ("expense", {"amount": 5000, "category": "差旅"}, 2),
        ("expense", {"amount": 5001, "category": "差旅"}, 3),
        (
            "archive_loan",
            {
                "record_id": "r",
                "purpose": "p",
                "due_date": "2026-04-01",
                "security_class": "secret",
            },
            3,
        ),
        ("archive_loan", {"record_id": "r", "purpose": "p", "due_date": "2026-04-01"}, 2),
    ],
)
def test_d06_a_condition_on_the_payload_adds_a_step(
    key: str, payload: dict[str, Any], steps: int
) -> None:
    assert len(TEMPLATES[key].plan(payload)) == steps


@pytest.mark.parametrize(
    ("op", "value", "actual", "holds"),
    [
        ("gt", 10, 11, True),
        ("gt", 10, 10, False),
        ("gte", 10, 10, True),
        ("lt", 10, 9.5, True),
        ("lte", 10, 10.0, True),
        ("eq", "urgent", "urgent", True),
        ("eq", 1, True, False),
        ("eq", True, True, True),
        ("ne", "a", "b", True),
        ("ne", 1, 1.0, False),
        ("in", ["confidential", "secret"], "secret", True),
        ("in", ["confidential", "secret"], "public", False),
        ("gt", 10, "11", False),
        ("lt", "b", "a", True),
    ],
)
def test_d06_conditions_compare_payload_fields(
    op: str, value: Any, actual: Any, holds: bool
) -> None:
    assert Condition("amount", ConditionOp(op), value).holds({"amount": actual}) is holds


def test_d06_conditions_follow_dotted_paths_and_a_missing_field_never_holds() -> None:
    payload = {"order": {"lines": [{"qty": 5}]}}
    assert Condition("order.lines.0.qty", ConditionOp.GTE, 5).holds(payload)
    assert not Condition("order.lines.1.qty", ConditionOp.GTE, 5).holds(payload)
    assert not Condition("missing", ConditionOp.NE, 5).holds(payload)


def test_d06_rules_resolve_through_the_organisation() -> None:
    org = FakeOrganisation()
    template = Template(
        key="custom",
        version=1,
        name="custom",
        form_schema={"type": "object"},
        steps=(
            TemplateStep("named", (ApproverRule(RuleKind.PERSON, username="sec.clerk"),)),
            TemplateStep("boss of previous", (ApproverRule(RuleKind.PREVIOUS_APPROVER_SUPERIOR),)),
            TemplateStep("my superior", (ApproverRule(RuleKind.REQUESTER_SUPERIOR),)),
            TemplateStep("leader", (ApproverRule(RuleKind.SUPERVISING_LEADER),)),
            TemplateStep("hr", (ApproverRule(RuleKind.ROLE, role="hr"),)),
        ),
    )
    approval = model.new_approval(
        approval_id="a",
        template="custom",
        template_version=1,
        subject="s",
        payload={},
        urgent=False,
        requester="hr.clerk",
        department_code="HR",
        plan=template.plan({}),
        now=NOW,
    )
    open_next(approval, org)
    assert approval.steps[0].waiting_on() == ["sec.clerk"]
    approve(approval, org, "sec.clerk")
    assert approval.steps[1].waiting_on() == ["sec.head"]  # sec.clerk's superior
    approve(approval, org, "sec.head")
    assert approval.steps[2].waiting_on() == ["hr.head"]
    approve(approval, org, "hr.head")
    assert approval.steps[3].waiting_on() == ["leader.yang"]
    approve(approval, org, "leader.yang")
    assert approval.steps[4].waiting_on() == ["hr.officer"]
    approve(approval, org, "hr.officer")
    assert approval.status is ApprovalStatus.APPROVED


def test_d06_the_requester_never_approves_their_own_request() -> None:
    org = FakeOrganisation()
    by_finance = started(requester="fin.clerk", dept="FIN")
    assert resolve_holders(by_finance, by_finance.steps[1], org) == ["fin.head"]
    by_head = started(requester="hr.head")
    # the head's own request goes to the head's superior
    assert resolve_holders(by_head, by_head.steps[0], org) == ["leader.yang"]


def test_d06_a_step_nobody_can_approve_names_the_gap() -> None:
    org = FakeOrganisation()
    org.directory.roles.pop("finance")
    approval = started()
    with pytest.raises(NoApprover, match="nobody holds the role finance"):
        resolve_holders(approval, approval.steps[1], org)


def test_d06_template_problems_name_each_field() -> None:
    bad = Template(
        key="Bad Key",
        version=0,
        name=" ",
        form_schema={"type": "array"},
        steps=(
            TemplateStep("", ()),
            TemplateStep(
                "x",
                (ApproverRule(RuleKind.ROLE, role="wizard"),),
                conditions=(Condition("a", ConditionOp.IN, 3),),
            ),
        ),
    )
    fields = {e.field for e in template_problems(bad, ["finance"])}
    assert fields == {
        "key",
        "name",
        "form_schema",
        "steps[0].name",
        "steps[0].approvers",
        "steps[1].approvers[0].role",
        "steps[1].conditions[0].value",
    }


# -- D-07 green channel -------------------------------------------------------------


def test_d07_green_channel_goes_straight_to_the_supervising_leader() -> None:
    org = FakeOrganisation()
    approval = started(urgent=True)
    assert [s.name for s in approval.steps] == [GREEN_CHANNEL_STEP.name]
    open_next(approval, org)
    assert approval.steps[0].waiting_on() == ["leader.yang"]
    approve(approval, org, "leader.yang")
    assert approval.status is ApprovalStatus.APPROVED


# -- D-08 clocks -------------------------------------------------------------------


def test_d08_routine_due_24_working_hours_urgent_2_wall_clock_escalation_48() -> None:
    calendar = BusinessCalendar()
    friday_5pm = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)  # 17:00 Beijing
    due, escalate = step_deadlines(friday_5pm, False, calendar.add_sla)
    assert due == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # Monday 17:00
    assert escalate == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # Tuesday 17:00
    due, escalate = step_deadlines(friday_5pm, True, calendar.add_sla)
    assert due == friday_5pm + timedelta(hours=2)
    assert escalate == calendar.add_sla(friday_5pm, ESCALATION_HOURS)


def test_d08_reminder_and_escalation_each_happen_once() -> None:
    org = FakeOrganisation()
    approval = started()
    open_next(approval, org)
    assert model.remind(approval, 0, NOW) is not None
    assert model.remind(approval, 0, NOW) is None
    targets = escalation_targets(approval, approval.steps[0], org, NOW)
    assert targets == {"hr.head": "leader.yang"}
    escalation = model.escalate(approval, 0, targets, NOW)
    assert escalation is not None
    assert escalation.from_approvers == ["hr.head"]
    assert escalation.to_approvers == ["leader.yang"]
    assert approval.steps[0].waiting_on() == ["hr.head", "leader.yang"]
    assert model.escalate(approval, 0, targets, NOW) is None
    assert [h.action for h in approval.history][-2:] == ["reminded", "escalated"]
    # the superior may now decide, for the holder
    outcome = model.decide(approval, "leader.yang", Action.APPROVE, NOW)
    assert outcome.step_closed
    assert outcome.decision.on_behalf_of == "hr.head"


def test_d08_escalation_without_a_superior_goes_to_the_supervising_leader() -> None:
    org = FakeOrganisation()
    org.directory.people["hr.head"] = org.directory.people["hr.head"].__class__(
        "hr.head", "hr.head", "HR", ""
    )
    approval = started()
    open_next(approval, org)
    assert escalation_targets(approval, approval.steps[0], org, NOW) == {"hr.head": "leader.yang"}


def test_d08_a_closed_step_is_neither_reminded_nor_escalated() -> None:
    org = FakeOrganisation()
    approval = started()
    open_next(approval, org)
    approve(approval, org, "hr.head")
    assert model.remind(approval, 0, NOW) is None
    assert model.escalate(approval, 0, {"hr.head": "leader.yang"}, NOW) is None


# -- D-09 decisions ------------------------------------------------------------------


def test_d09_an_any_step_closes_on_the_first_approval() -> None:
    org = FakeOrganisation()
    approval = started()
    open_next(approval, org)
    approve(approval, org, "hr.head")
    finance = approval.steps[1]
    assert finance.waiting_on() == ["fin.clerk", "fin.head"]
    outcome = approve(approval, org, "fin.clerk")
    assert outcome.step_closed
    assert finance.state is StepState.APPROVED
    assert approval.current_step() is approval.steps[2]


def test_d06_all_step_needs_every_approver_and_counts_each_once() -> None:
    org = FakeOrganisation()
    approval = started("archive_destruction", {"record_ids": ["r1"], "reason": "到期"})
    open_next(approval, org)
    approve(approval, org, "sec.clerk")
    parallel = approval.steps[1]
    assert parallel.mode is StepMode.ALL
    assert parallel.waiting_on() == ["off.director", "discipline.wu"]
    first = approve(approval, org, "discipline.wu")
    assert not first.step_closed
    assert parallel.waiting_on() == ["off.director"]
    with pytest.raises(AlreadyDecided):
        model.decide(approval, "discipline.wu", Action.APPROVE, NOW)
    second = approve(approval, org, "off.director")
    assert second.step_closed
    assert parallel.approved_by() == ["off.director", "discipline.wu"]
    assert approval.status is ApprovalStatus.APPROVED


def test_d09_reject_needs_a_reason_and_ends_the_approval() -> None:
    org = FakeOrganisation()
    approval = started()
    open_next(approval, org)
    with pytest.raises(InvalidDecision) as caught:
        model.decide(approval, "hr.head", Action.REJECT, NOW, comment="  ")
    assert caught.value.field == "comment"
    assert approval.steps[0].is_open
    model.decide(approval, "hr.head", Action.REJECT, NOW, comment="预算不足")
    assert approval.status is ApprovalStatus.REJECTED
    assert [s.state for s in approval.steps] == [
        StepState.REJECTED,
        StepState.SKIPPED,
        StepState.SKIPPED,
    ]
    with pytest.raises(ApprovalClosed):
        model.decide(approval, "hr.head", Action.APPROVE, NOW)


def test_d09_return_and_resubmit_keep_history_and_start_a_new_revision() -> None:
    org = FakeOrganisation()
    approval = started()
    open_next(approval, org)
    approve(approval, org, "hr.head")
    with pytest.raises(InvalidDecision):
        model.decide(approval, "fin.head", Action.RETURN, NOW)
    model.decide(approval, "fin.head", Action.RETURN, NOW, comment="请补充用途")
    assert approval.status is ApprovalStatus.RETURNED
    assert approval.current_step() is None
    with pytest.raises(ApprovalClosed):
        model.decide(approval, "fin.head", Action.APPROVE, NOW)
    edited = {"items": [{"name": "纸", "quantity": 2}], "purpose": "打印"}
    model.resubmit(
        approval,
        "hr.staff",
        edited,
        "申请（修改）",
        TEMPLATES["supply_requisition"].plan(edited),
        NOW,
    )
    open_next(approval, org)
    assert approval.revision == 2
    assert approval.payload == edited
    assert [(s.index, s.revision, s.state) for s in approval.steps] == [
        (0, 1, StepState.APPROVED),
        (1, 1, StepState.RETURNED),
        (2, 1, StepState.SKIPPED),
        (3, 2, StepState.OPEN),
        (4, 2, StepState.PENDING),
        (5, 2, StepState.PENDING),
    ]
    assert [h.action for h in approval.history] == [
        "started",
        "step_opened",
        "approved",
        "step_opened",
        "returned",
        "resubmitted",
        "step_opened",
    ]
    with pytest.raises(ApprovalClosed):
        model.resubmit(approval, "hr.staff", edited, "x", [GREEN_CHANNEL_STEP], NOW)


def test_d09_delegate_hands_the_seat_to_a_named_person() -> None:
    org = FakeOrganisation()
    approval = started()
    open_next(approval, org)
    for bad, reason in [
        ("", "name the person"),
        ("hr.head", "yourself"),
        ("hr.staff", "own request"),
    ]:
        with pytest.raises(InvalidDecision, match=reason):
            model.decide(approval, "hr.head", Action.DELEGATE, NOW, delegate_to=bad)
    model.decide(approval, "hr.head", Action.DELEGATE, NOW, delegate_to="hr.officer")
    step = approval.steps[0]
    assert step.waiting_on() == ["hr.officer"]
    assert step.on_behalf_of() == {"hr.officer": "hr.head"}
    with pytest.raises(NotAnApprover):
        model.decide(approval, "hr.head", Action.APPROVE, NOW)
    outcome = model.decide(approval, "hr.officer", Action.APPROVE, NOW)
    assert outcome.decision.on_behalf_of == "hr.head"
    assert [h.action for h in approval.history][-2:] == ["delegated", "approved"]


def test_d09_absence_sends_the_step_to_the_delegate_on_behalf_of() -> None:
    org = FakeOrganisation()
    org.away["hr.head"] = (NOW - timedelta(days=1), NOW + timedelta(days=3), "hr.officer")
    approval = started()
    open_next(approval, org)
    step = approval.steps[0]
    assert step.holders() == ["hr.head"]
    assert step.waiting_on() == ["hr.officer"]
    assert step.on_behalf_of() == {"hr.officer": "hr.head"}
    assert approval.history[-1].on_behalf_of == "hr.officer for hr.head"
    after = started()
    open_next(after, org, NOW + timedelta(days=3))
    assert after.steps[0].waiting_on() == ["hr.head"]


def test_d09_absence_stand_ins_chain_but_never_circle() -> None:
    org = FakeOrganisation()
    window = (NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    org.away["hr.head"] = (*window, "hr.officer")
    org.away["hr.officer"] = (*window, "committee.chen")
    approval = started()
    open_next(approval, org)
    assert approval.steps[0].waiting_on() == ["committee.chen"]
    org.away["committee.chen"] = (*window, "hr.head")
    circle = started()
    open_next(circle, org)
    assert circle.steps[0].waiting_on() == ["committee.chen"]


def test_d09_only_a_current_approver_decides() -> None:
    org = FakeOrganisation()
    approval = started()
    open_next(approval, org)
    with pytest.raises(NotAnApprover):
        model.decide(approval, "fin.head", Action.APPROVE, NOW)
    with pytest.raises(NotAnApprover):
        model.decide(approval, "hr.staff", Action.APPROVE, NOW)


def test_d09_withdraw_closes_an_open_request_once() -> None:
    org = FakeOrganisation()
    approval = started()
    open_next(approval, org)
    assert model.withdraw(approval, "hr.staff", NOW) == ["hr.head"]
    assert approval.status is ApprovalStatus.WITHDRAWN
    assert approval.steps[0].state is StepState.WITHDRAWN
    with pytest.raises(ApprovalClosed):
        model.withdraw(approval, "hr.staff", NOW)


def can_view(approval: Approval, username: str, roles: list[str], is_service: bool) -> bool:
    viewer = Viewer(username, roles=frozenset(roles), is_service=is_service)
    return approval_access.can_view(viewer, approval)


def test_d09_who_may_see_an_approval() -> None:
    org = FakeOrganisation()
    approval = started()
    open_next(approval, org)
    assert can_view(approval, "hr.staff", [], False)
    assert can_view(approval, "hr.head", [], False)
    assert not can_view(approval, "fin.head", ["finance"], False)  # not their turn yet
    assert can_view(approval, "sec.clerk", ["secretariat"], False)
    assert can_view(approval, "ma.lin", ["discipline"], False)
    assert can_view(approval, "service:facilities", [], True)
    approve(approval, org, "hr.head")
    assert can_view(approval, "fin.head", ["finance"], False)


# -- D-09 seal -------------------------------------------------------------------------


def _sealed() -> tuple[bytes, SealRecord]:
    org = FakeOrganisation()
    approval = started(urgent=True)
    approval.content = "正文：领用A4纸"
    open_next(approval, org)
    approve(approval, org, "leader.yang")
    signer = SealSigner.ephemeral()
    content = sealed_content(approval, "seal-1", NOW, signer.name)
    digest = content_digest(content)
    signature = signer.sign(digest)
    data = sealed_file(content, digest, signature, signer.public_key_pem)
    record = SealRecord(
        id="seal-1",
        approval_id=approval.id,
        file=data,
        file_name="a1.json",
        content_sha256=digest.hex(),
        signature_b64=signature,
        signer=signer.name,
        public_key_pem=signer.public_key_pem,
        sealed_at=NOW,
    )
    return data, record


SEALED = _sealed()


def verify(data: bytes) -> Verdict:
    record = SEALED[1]
    return verify_sealed_file(
        data, lambda seal_id: record if seal_id == record.id else None, signature_valid
    )


def test_d09_sealed_file_carries_content_trail_and_verifies() -> None:
    data, record = SEALED
    parsed = read_sealed_file(data)
    assert parsed.computed_sha256 == parsed.declared_sha256 == record.content_sha256
    assert parsed.content["content"] == "正文：领用A4纸"
    assert parsed.content["trail"][0]["decisions"][0]["actor"] == "leader.yang"
    assert parsed.content["signer"] == record.signer
    verdict = verify(data)
    assert verdict.valid, verdict.reason
    assert (verdict.approval_id, verdict.seal_id) == ("a1", "seal-1")


@given(st.data())
def test_d09_one_changed_byte_in_a_sealed_file_is_detected(data: st.DataObject) -> None:
    original = SEALED[0]
    position = data.draw(st.integers(0, len(original) - 1))
    replacement = data.draw(st.integers(0, 255).filter(lambda b: b != original[position]))
    changed = original[:position] + bytes([replacement]) + original[position + 1 :]
    verdict = verify(changed)
    assert not verdict.valid
    assert verdict.reason


def test_d09_a_file_re_signed_with_another_key_does_not_verify() -> None:
    parsed = read_sealed_file(SEALED[0])
    forger = SealSigner.ephemeral()
    content = dict(parsed.content)
    content["content"] = "篡改后的正文"
    digest = content_digest(content)
    forged = sealed_file(content, digest, forger.sign(digest), forger.public_key_pem)
    verdict = verify(forged)
    assert not verdict.valid
    assert "differ from the version this service sealed" in verdict.reason


def test_d09_unreadable_files_say_why() -> None:
    data = SEALED[0]
    with pytest.raises(UnreadableSeal, match="not valid JSON"):
        read_sealed_file(data[:-1])
    with pytest.raises(UnreadableSeal, match="layout"):
        read_sealed_file(data.replace(b'":', b'": ', 1))
    with pytest.raises(UnreadableSeal, match="not a sealed approval"):
        read_sealed_file(b'{"hello": 1}')
    with pytest.raises(UnreadableSeal, match="UTF-8"):
        read_sealed_file(b"\xff\xfe")


# -- D-10 SLA ---------------------------------------------------------------------------


def test_d10_month_figures_count_overdue_steps_of_the_month() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    start, end = month_bounds("2026-03", zone)
    assert start == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    day = timedelta(days=1)
    steps = [
        StepTiming(start + day, start + 2 * day, start + day, False),  # met
        StepTiming(start + day, start + 2 * day, start + 3 * day, False),  # breached
        StepTiming(start + day, start + day + timedelta(hours=2), start + day, True),  # met
        StepTiming(start + day, start + 2 * day, None, True),  # open, overdue
        StepTiming(end - day, end + day, None, False),  # open, not yet due
        StepTiming(start - 5 * day, start - 4 * day, start - day, False),  # closed in February
        StepTiming(end + day, end + 2 * day, None, False),  # opens in April
    ]
    figures = month_figures(steps, start, end, end + 10 * day)
    assert figures.steps_total == 5
    assert figures.steps_overdue == 2
    assert figures.overdue_share == pytest.approx(0.4)
    assert (figures.routine_met, figures.routine_breached) == (1, 1)
    assert (figures.urgent_met, figures.urgent_breached) == (1, 1)


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "march", ""])
def test_d10_month_must_be_yyyy_mm(month: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_bounds(month, ZoneInfo("Asia/Shanghai"))


def test_d09_the_seal_key_is_required_outside_demo_and_testing() -> None:
    with pytest.raises(SystemExit, match="SECRETARIAT_SEAL_PRIVATE_KEY"):
        seal_signer_for("", allow_ephemeral=False)
    with pytest.raises(SystemExit, match="not an Ed25519 private key"):
        seal_signer_for("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n", False)
    ephemeral = seal_signer_for("", allow_ephemeral=True)
    configured = seal_signer_for(generate_keypair()[0], allow_ephemeral=False)
    assert ephemeral.key_id != configured.key_id
    assert configured.key_id in configured.name
