"""Separation of duties in the approval engine (issue 13, SPEC D-06..D-09, X-01).

One person must never decide two levels of one request: "superior" steps
climb from the step's owner, whoever took part in a level is kept off the
others, delegation goes only to someone who can hold the level, and open
steps follow the directory when a head is replaced.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from approvals_testkit import FakeOrganisation
from documents.domain.approvals import model
from documents.domain.approvals.builtin import BUILTIN_TEMPLATES
from documents.domain.approvals.model import (
    Action,
    AlreadyDecided,
    Approval,
    ApprovalStatus,
    InvalidDecision,
    NotAnApprover,
    Seat,
    SeparationOfDuties,
)
from documents.domain.approvals.routing import (
    escalation_targets,
    level_refusal,
    resolve_holders,
    seats_for,
    seats_now,
)
from documents.domain.approvals.templates import (
    ApproverRule,
    RuleKind,
    TemplateStep,
    plan_for,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing
DUE = NOW + timedelta(hours=24)
TEMPLATES = {t.key: t for t in BUILTIN_TEMPLATES}
AWAY = (NOW - timedelta(days=1), NOW + timedelta(days=3))


def started(
    key: str = "general",
    payload: dict[str, Any] | None = None,
    requester: str = "hr.staff",
    dept: str = "HR",
) -> Approval:
    if payload is None:
        payload = (
            {"description": "采购投影仪"}
            if key == "general"
            else {"items": [{"name": "纸", "quantity": 1}]}
        )
    return model.new_approval(
        approval_id="a1",
        template=key,
        template_version=1,
        subject="申请",
        payload=payload,
        urgent=False,
        requester=requester,
        department_code=dept,
        plan=plan_for(TEMPLATES[key], payload, False),
        now=NOW,
    )


def open_next(approval: Approval, org: FakeOrganisation, at: datetime = NOW) -> None:
    step = approval.next_pending()
    assert step is not None
    model.open_step(approval, step, seats_for(approval, step, org, at), at, DUE, DUE)


def approve(approval: Approval, org: FakeOrganisation, actor: str) -> None:
    outcome = model.decide(approval, actor, Action.APPROVE, NOW)
    if outcome.step_closed:
        if approval.next_pending() is None:
            model.complete(approval, NOW)
        else:
            open_next(approval, org)


def delegate(approval: Approval, org: FakeOrganisation, actor: str, to: str) -> None:
    step = approval.current_step()
    assert step is not None
    model.decide(
        approval,
        actor,
        Action.DELEGATE,
        NOW,
        delegate_to=to,
        cannot_hold=level_refusal(approval, step, org),
    )


# -- 1. "superior" steps climb from the step's owner ----------------------------------


def test_heads_superior_step_goes_above_the_head_when_a_delegate_decided_the_head_step() -> None:
    org = FakeOrganisation()
    approval = started()
    open_next(approval, org)
    # the bare state machine lets the head hand his step to his subordinate
    model.decide(approval, "hr.head", Action.DELEGATE, NOW, delegate_to="hr.clerk")
    approve(approval, org, "hr.clerk")
    superior_step = approval.steps[1]
    assert superior_step.holders() == ["leader.yang"]  # the head's superior, not the head
    assert "hr.head" not in superior_step.waiting_on()
    approve(approval, org, "leader.yang")
    assert approval.status is ApprovalStatus.APPROVED


def test_heads_superior_step_goes_above_the_head_when_a_stand_in_decided_the_head_step() -> None:
    org = FakeOrganisation()
    org.away["hr.head"] = (*AWAY, "hr.clerk")
    approval = started()
    open_next(approval, org)
    assert approval.steps[0].waiting_on() == ["hr.clerk"]
    approve(approval, org, "hr.clerk")
    # before: hr.clerk's superior is hr.head, who is away → hr.clerk again
    assert approval.steps[1].holders() == ["leader.yang"]
    assert approval.steps[1].waiting_on() == ["leader.yang"]


def test_a_superior_step_climbs_from_the_escalated_superiors_principal_and_past_him() -> None:
    org = FakeOrganisation()
    approval = started()
    open_next(approval, org)
    model.escalate(approval, 0, escalation_targets(approval, approval.steps[0], org, NOW), NOW)
    approve(approval, org, "leader.yang")  # decided for hr.head after 48 hours
    # the head's superior already decided the head's level: the level above him takes it
    assert approval.steps[1].waiting_on() == ["boss.wang"]


# -- 2. nobody decides two levels of one revision --------------------------------------


def test_a_stand_in_who_decided_one_level_cannot_decide_another() -> None:
    org = FakeOrganisation()
    org.away["hr.head"] = (*AWAY, "hr.clerk")
    approval = started()
    open_next(approval, org)
    approve(approval, org, "hr.clerk")
    step = approval.steps[1]
    # as the old engine could leave it: the stand-in on the next level as well
    step.seats = [Seat("leader.yang", ["hr.clerk"], rule=0)]
    with pytest.raises(SeparationOfDuties, match=r"department head.*two levels"):
        model.decide(approval, "hr.clerk", Action.APPROVE, NOW)
    # nor the head, in whose name the first level was decided
    step.seats = [Seat("leader.yang", ["hr.head"], rule=0)]
    with pytest.raises(SeparationOfDuties):
        model.decide(approval, "hr.head", Action.APPROVE, NOW)
    assert step.is_open
    assert not step.decisions


def test_a_stand_in_chain_never_hands_a_level_to_someone_who_decided_another() -> None:
    org = FakeOrganisation()
    org.away["hr.head"] = (*AWAY, "hr.clerk")
    org.away["leader.yang"] = (*AWAY, "hr.clerk")
    approval = started()
    open_next(approval, org)
    approve(approval, org, "hr.clerk")
    # leader.yang is away too, but his stand-in decided the level below
    assert approval.steps[1].waiting_on() == ["leader.yang"]


def test_a_level_drops_whoever_decided_another_and_an_empty_level_goes_above_them() -> None:
    org = FakeOrganisation()
    # finance's own request: fin.head signs as head, and holds the finance role
    by_finance = started("supply_requisition", requester="outsider", dept="FIN")
    open_next(by_finance, org)
    approve(by_finance, org, "fin.head")
    assert by_finance.steps[1].waiting_on() == ["fin.clerk"]
    with pytest.raises(AlreadyDecided, match="already decided step 'department head'"):
        model.decide(by_finance, "fin.head", Action.APPROVE, NOW)
    # the office's own request: the director signs as head; the director's level goes up
    by_office = started("supply_requisition", requester="discipline.wu", dept="OFF")
    open_next(by_office, org)
    approve(by_office, org, "off.director")
    approve(by_office, org, "fin.clerk")
    assert by_office.steps[2].holders() == ["leader.li"]
    # a director with no superior on record: the department's supervising leader
    people = org.directory.people
    people["off.director"] = replace(people["off.director"], superior_username="")
    assert resolve_holders(by_office, by_office.steps[2], org) == ["leader.li"]


def test_escalation_never_joins_someone_who_decided_another_level() -> None:
    org = FakeOrganisation()
    by_finance = started("supply_requisition", requester="outsider", dept="FIN")
    open_next(by_finance, org)
    approve(by_finance, org, "fin.head")
    step = by_finance.steps[1]
    # fin.clerk's superior is fin.head, who decided the head's level
    assert escalation_targets(by_finance, step, org, NOW) == {"fin.clerk": "leader.yang"}


def test_a_delegate_who_decided_another_level_is_refused() -> None:
    org = FakeOrganisation()
    approval = started("supply_requisition")
    open_next(approval, org)
    approve(approval, org, "hr.head")
    with pytest.raises(InvalidDecision, match="already took part") as refused:
        delegate(approval, org, "fin.clerk", "hr.head")
    assert refused.value.field == "delegate_to"


def test_each_revision_is_decided_afresh() -> None:
    org = FakeOrganisation()
    approval = started("supply_requisition")
    open_next(approval, org)
    approve(approval, org, "hr.head")
    model.decide(approval, "fin.clerk", Action.RETURN, NOW, comment="补充用途")
    payload = {"items": [{"name": "纸", "quantity": 2}]}
    model.resubmit(
        approval, "hr.staff", payload, "申请", TEMPLATES["supply_requisition"].plan(payload), NOW
    )
    open_next(approval, org)
    approve(approval, org, "hr.head")  # the same head decides the same level again
    assert approval.current_step() is approval.steps[4]


# -- 3. delegation only to someone who can hold the level ------------------------------


def test_a_head_cannot_delegate_a_heads_step_to_his_own_subordinate() -> None:
    org = FakeOrganisation()
    approval = started()
    open_next(approval, org)
    for subordinate in ("hr.clerk", "hr.officer"):  # hr.officer even holds a role
        with pytest.raises(InvalidDecision, match="heads a department") as refused:
            delegate(approval, org, "hr.head", subordinate)
        assert refused.value.field == "delegate_to"
    assert approval.steps[0].waiting_on() == ["hr.head"]
    # another department's head, or someone above him, can hold a head's level
    delegate(approval, org, "hr.head", "fin.head")
    assert approval.steps[0].waiting_on() == ["fin.head"]
    delegate(approval, org, "fin.head", "leader.yang")
    assert approval.steps[0].on_behalf_of() == {"leader.yang": "hr.head"}


def test_a_stand_in_cannot_hand_the_heads_step_further_down() -> None:
    org = FakeOrganisation()
    org.away["hr.head"] = (*AWAY, "hr.clerk")
    approval = started()
    open_next(approval, org)
    with pytest.raises(InvalidDecision, match=r"cannot hold step 'department head' for hr\.head"):
        delegate(approval, org, "hr.clerk", "hr.officer")


def test_a_role_step_is_delegated_to_a_holder_of_the_role_or_someone_above() -> None:
    org = FakeOrganisation()
    approval = started("supply_requisition")
    open_next(approval, org)
    approve(approval, org, "hr.head")
    org.directory.roles["finance"] = ["fin.clerk"]
    approval.steps[1].seats = seats_for(approval, approval.steps[1], org, NOW)
    with pytest.raises(InvalidDecision, match="holds the role finance"):
        delegate(approval, org, "fin.clerk", "outsider")
    org.directory.roles["finance"].append("sec.clerk")
    delegate(approval, org, "fin.clerk", "sec.clerk")  # not in his line, but in finance
    assert approval.steps[1].waiting_on() == ["sec.clerk"]


def test_a_supervising_leaders_step_is_delegated_only_to_a_leader() -> None:
    org = FakeOrganisation()
    approval = started("job_transfer", payload={"to_department": "FIN", "reason": "轮岗"})
    open_next(approval, org)
    approve(approval, org, "hr.head")
    approve(approval, org, "hr.officer")
    assert approval.steps[2].waiting_on() == ["leader.yang"]
    with pytest.raises(InvalidDecision, match="supervising leader"):
        delegate(approval, org, "leader.yang", "fin.head")
    delegate(approval, org, "leader.yang", "leader.li")
    assert approval.steps[2].waiting_on() == ["leader.li"]


def test_a_step_for_someones_superior_is_delegated_to_a_peer_or_above_never_below() -> None:
    org = FakeOrganisation()
    template = replace(
        TEMPLATES["general"],
        steps=(TemplateStep("my superior", (ApproverRule(RuleKind.REQUESTER_SUPERIOR),)),),
    )
    approval = model.new_approval(
        approval_id="a2",
        template="custom",
        template_version=1,
        subject="申请",
        payload={},
        urgent=False,
        requester="hr.staff",
        department_code="HR",
        plan=template.plan({}),
        now=NOW,
    )
    open_next(approval, org)
    assert approval.steps[0].waiting_on() == ["hr.head"]
    with pytest.raises(InvalidDecision, match=r"reports to the same superior as hr\.head"):
        delegate(approval, org, "hr.head", "hr.clerk")
    delegate(approval, org, "hr.head", "fin.head")  # a peer: both report to leader.yang
    assert approval.steps[0].on_behalf_of() == {"fin.head": "hr.head"}


# -- 4. open steps follow the directory --------------------------------------------------


def _replace_head(org: FakeOrganisation, dept: str, head: str) -> None:
    org.directory.departments[dept] = replace(org.directory.departments[dept], head_username=head)


def test_a_replaced_head_no_longer_decides_an_open_step_the_new_head_does() -> None:
    org = FakeOrganisation()
    approval = started("supply_requisition")
    open_next(approval, org)
    assert seats_now(approval, approval.steps[0], org, NOW) is None  # nothing changed
    _replace_head(org, "HR", "hr.officer")
    seats = seats_now(approval, approval.steps[0], org, NOW)
    assert seats is not None
    change = model.reassign(approval, 0, seats, NOW)
    assert change is not None
    assert (change.from_holders, change.to_holders) == (["hr.head"], ["hr.officer"])
    assert approval.history[-1].action == "reassigned"
    with pytest.raises(NotAnApprover):
        model.decide(approval, "hr.head", Action.APPROVE, NOW)
    approve(approval, org, "hr.officer")
    assert approval.current_step() is approval.steps[1]


def test_a_new_head_who_is_away_is_stood_in_for_and_a_delegation_leaves_with_the_old_head() -> None:
    org = FakeOrganisation()
    approval = started("supply_requisition")
    open_next(approval, org)
    delegate(approval, org, "hr.head", "fin.head")
    _replace_head(org, "HR", "hr.officer")
    org.away["hr.officer"] = (*AWAY, "committee.chen")
    seats = seats_now(approval, approval.steps[0], org, NOW)
    assert seats is not None
    model.reassign(approval, 0, seats, NOW)
    step = approval.steps[0]
    assert step.waiting_on() == ["committee.chen"]
    assert step.on_behalf_of() == {"committee.chen": "hr.officer"}
    with pytest.raises(NotAnApprover):
        model.decide(approval, "fin.head", Action.APPROVE, NOW)


def test_an_escalated_step_handed_to_a_new_head_keeps_the_superior_on_it() -> None:
    org = FakeOrganisation()
    approval = started("supply_requisition")
    open_next(approval, org)
    model.escalate(approval, 0, escalation_targets(approval, approval.steps[0], org, NOW), NOW)
    _replace_head(org, "HR", "committee.chen")
    people = org.directory.people
    people["committee.chen"] = replace(people["committee.chen"], superior_username="leader.yang")
    seats = seats_now(approval, approval.steps[0], org, NOW)
    assert seats is not None
    model.reassign(approval, 0, seats, NOW)
    assert approval.steps[0].waiting_on() == ["committee.chen", "leader.yang"]


def test_an_approved_seat_of_a_parallel_step_stands_when_its_holder_is_replaced() -> None:
    org = FakeOrganisation()
    approval = started("appraisal_appeal", payload={"appraisal_id": "p-1", "reason": "评分有误"})
    open_next(approval, org)
    panel = approval.steps[0]
    assert panel.holders() == ["hr.head", "hr.officer", "rep.zhou", "discipline.wu"]
    approve(approval, org, "hr.head")
    _replace_head(org, "HR", "committee.chen")
    assert seats_now(approval, panel, org, NOW) is None  # the head's level is answered
    org.directory.roles["hr"] = ["hr.clerk"]
    seats = seats_now(approval, panel, org, NOW)
    assert seats is not None
    model.reassign(approval, 0, seats, NOW)
    assert sorted(panel.holders()) == ["discipline.wu", "hr.clerk", "hr.head", "rep.zhou"]
    assert sorted(panel.waiting_on()) == ["discipline.wu", "hr.clerk", "rep.zhou"]


def test_a_step_whose_rules_name_nobody_now_stays_with_its_holder() -> None:
    org = FakeOrganisation()
    approval = started("supply_requisition")
    open_next(approval, org)
    _replace_head(org, "HR", "")
    assert seats_now(approval, approval.steps[0], org, NOW) is None
    assert approval.steps[0].waiting_on() == ["hr.head"]
