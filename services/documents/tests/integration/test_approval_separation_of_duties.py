"""Separation of duties through the approval engine (issue 13, SPEC D-06..D-09, X-01, X-04).

The scenarios of the issue, against a real database: the head hands his
step to his subordinate, the head is away with an employee standing in,
the head is replaced while his step is open.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from approvals_testkit import ApprovalHarness, requisition, who
from documents.adapters.approval_repository import ApprovalRepository
from documents.domain.approvals.model import Seat
from documents.service_layer.approval_commands import Decide, RecordAbsence
from secretariat.documents.v1 import events_pb2
from secretariat_shared.errors import (
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)

pytestmark = pytest.mark.integration


def decide(
    h: ApprovalHarness, approval_id: str, actor: str, action: str = "approve", **kw: Any
) -> Any:
    return h.engine.decide(who(actor), Decide(approval_id=approval_id, action=action, **kw))


def inbox(h: ApprovalHarness, username: str) -> list[str]:
    items, _ = h.engine.pending_for(who(username), 1, 100)
    return [a.id for a in items]


def general(h: ApprovalHarness, requester: str = "hr.staff") -> str:
    """A "general" approval: the department head, then the head's superior."""
    started = h.engine.start(
        who(requester),
        requisition(
            template="general", payload_json='{"description": "购置投影仪一台"}', content=""
        ),
    )
    return started.id


def away(h: ApprovalHarness, username: str, stand_in: str) -> None:
    now = h.clock.now()
    h.engine.record_absence(
        who(username),
        RecordAbsence(
            start=now - timedelta(hours=1), end=now + timedelta(days=3), delegate_username=stand_in
        ),
    )


def replace_head(h: ApprovalHarness, dept: str, head: str) -> None:
    departments = h.directory.departments
    departments[dept] = replace(departments[dept], head_username=head)


def test_a_head_cannot_hand_his_step_to_his_subordinate_nor_get_the_next_level_back(
    approvals: ApprovalHarness,
) -> None:
    h = approvals
    approval_id = general(h)
    with pytest.raises(ValidationFailed) as refused:
        decide(h, approval_id, "hr.head", "delegate", delegate_to="hr.clerk")
    [error] = refused.value.errors
    assert error.field == "delegate_to"
    assert "heads a department" in error.message
    assert inbox(h, "hr.clerk") == []
    assert h.events("documents.approval.delegated", events_pb2.ApprovalDelegated) == []

    decide(h, approval_id, "hr.head", "delegate", delegate_to="fin.head")
    second = decide(h, approval_id, "fin.head")
    # the head's superior, from the step's owner (hr.head), not from fin.head
    assert second.steps[1].waiting_on() == ["leader.yang"]
    assert inbox(h, "hr.head") == inbox(h, "fin.head") == []
    done = decide(h, approval_id, "leader.yang")
    assert done.status.value == "approved"


def test_an_employee_standing_in_for_the_absent_head_cannot_decide_both_levels(
    approvals: ApprovalHarness,
) -> None:
    h = approvals
    away(h, "hr.head", "hr.clerk")
    approval_id = general(h)
    assert inbox(h, "hr.clerk") == [approval_id]
    after_first = decide(h, approval_id, "hr.clerk")
    step = after_first.steps[1]
    assert step.holders() == ["leader.yang"]
    assert step.waiting_on() == ["leader.yang"]
    assert inbox(h, "hr.clerk") == inbox(h, "hr.head") == []
    with pytest.raises(PreconditionFailed, match="already decided step 'department head'"):
        decide(h, approval_id, "hr.clerk")
    # refused whether or not he may still read it (X-03 decides 403 or 404)
    with pytest.raises((PermissionDenied, NotFound)):
        decide(h, approval_id, "hr.head")
    done = decide(h, approval_id, "leader.yang")
    assert done.status.value == "approved"
    deciders = [d.actor for s in done.steps for d in s.decisions]
    assert deciders == ["hr.clerk", "leader.yang"]


def _leave_as_the_old_engine_did(h: ApprovalHarness, approval_id: str) -> None:
    """The state the engine left before the fix: level 2 back with the head, whose
    stand-in is the employee who decided level 1."""
    with h.db.write_session() as session:
        repo = ApprovalRepository(session)
        approval = repo.get(approval_id)
        assert approval is not None
        approval.steps[1].seats = [Seat("hr.head", ["hr.clerk"])]
        repo.save(approval, h.clock.now())
        session.commit()
    assert inbox(h, "hr.clerk") == [approval_id]


def test_an_approval_left_with_one_person_on_two_levels_is_handed_on_before_a_decision(
    approvals: ApprovalHarness,
) -> None:
    h = approvals
    away(h, "hr.head", "hr.clerk")
    approval_id = general(h)
    decide(h, approval_id, "hr.clerk")
    _leave_as_the_old_engine_did(h, approval_id)

    with pytest.raises(PreconditionFailed, match="already decided"):
        decide(h, approval_id, "hr.clerk")
    fixed = h.engine.get(who("hr.staff"), approval_id)
    assert fixed.steps[1].waiting_on() == ["leader.yang"]
    assert fixed.history[-1].action == "reassigned"
    assert inbox(h, "hr.clerk") == []
    assert inbox(h, "leader.yang") == [approval_id]
    [audit] = [r for r in h.audit(approval_id) if r["action"] == "approval_reassigned"]
    assert (audit["after"]["from"], audit["after"]["to"]) == (["hr.head"], ["leader.yang"])


def test_one_person_on_two_levels_is_refused_even_when_the_directory_names_nobody_else(
    approvals: ApprovalHarness,
) -> None:
    h = approvals
    away(h, "hr.head", "hr.clerk")
    approval_id = general(h)
    decide(h, approval_id, "hr.clerk")
    _leave_as_the_old_engine_did(h, approval_id)
    people = h.directory.people
    people["hr.head"] = replace(people["hr.head"], superior_username="")

    with pytest.raises(PreconditionFailed, match="cannot decide two levels"):
        decide(h, approval_id, "hr.clerk")
    unchanged = h.engine.get(who("hr.staff"), approval_id)
    assert unchanged.steps[1].is_open
    assert [d.actor for d in unchanged.steps[1].decisions] == []


def test_a_head_replaced_after_his_step_opened_no_longer_decides_it_the_new_head_does(
    approvals: ApprovalHarness,
) -> None:
    h = approvals
    started = h.engine.start(who("hr.staff"), requisition())
    assert inbox(h, "hr.head") == [started.id]
    replace_head(h, "HR", "hr.officer")

    # refused whether or not he may still read it (X-03 decides 403 or 404)
    with pytest.raises((PermissionDenied, NotFound)):
        decide(h, started.id, "hr.head")
    assert inbox(h, "hr.head") == []
    assert inbox(h, "hr.officer") == [started.id]
    now_with = h.engine.get(who("hr.officer"), started.id)
    assert now_with.steps[0].holders() == ["hr.officer"]
    assert now_with.history[-1].action == "reassigned"
    assert "hr.head → hr.officer" in now_with.history[-1].comment
    notices = h.notices("approval_reassigned")
    assert [list(n.recipients) for n in notices] == [["hr.officer"], ["hr.head"]]
    assert notices[0].subject_ref == f"approvals/{started.id}"
    [audit] = [r for r in h.audit(started.id) if r["action"] == "approval_reassigned"]
    assert audit["actor"] == "system"
    assert audit["before"]["waiting_on"] == ["hr.head"]
    assert audit["after"]["waiting_on"] == ["hr.officer"]

    after = decide(h, started.id, "hr.officer")
    assert after.steps[0].decisions[0].on_behalf_of == ""
    assert after.current_step() is after.steps[1]


def test_the_reminder_goes_to_the_new_head_or_the_stand_in_he_named(
    approvals: ApprovalHarness,
) -> None:
    h = approvals
    started = h.engine.start(who("hr.staff"), requisition())
    replace_head(h, "HR", "hr.officer")
    away(h, "hr.officer", "committee.chen")
    step = started.steps[0]
    assert step.due_at is not None
    h.clock.set(step.due_at)
    assert h.fire_due_timers() == 1

    [reminded] = h.events("documents.approval.reminded", events_pb2.ApprovalReminded)
    assert list(reminded.approvers) == ["committee.chen"]
    current = h.engine.get(who("hr.staff"), started.id).steps[0]
    assert current.on_behalf_of() == {"committee.chen": "hr.officer"}
    assert inbox(h, "committee.chen") == [started.id]
    assert inbox(h, "hr.head") == []
    done = decide(h, started.id, "committee.chen")
    assert done.steps[0].decisions[0].on_behalf_of == "hr.officer"


def test_a_parallel_panel_keeps_the_old_heads_approval_when_the_head_is_replaced(
    approvals: ApprovalHarness,
) -> None:
    h = approvals
    started = h.engine.start(
        who("hr.staff"),
        requisition(
            template="appraisal_appeal",
            payload_json='{"appraisal_id": "p-2026-1", "reason": "评分有误"}',
            content="",
        ),
    )
    assert started.steps[0].waiting_on() == ["hr.head", "hr.officer", "rep.zhou", "discipline.wu"]
    decide(h, started.id, "hr.head")
    replace_head(h, "HR", "committee.chen")
    decide(h, started.id, "rep.zhou")
    decide(h, started.id, "discipline.wu")
    done = decide(h, started.id, "hr.officer")
    # the head's level was answered by the head of the time: not asked again
    assert done.status.value == "approved"
    assert done.steps[0].approved_by() == ["hr.head", "hr.officer", "rep.zhou", "discipline.wu"]
    assert h.notices("approval_reassigned") == []
