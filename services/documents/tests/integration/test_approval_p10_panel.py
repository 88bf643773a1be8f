"""SPEC P-10: the appraisal appeal panel is the department head, HR and an
employee representative, joined by the discipline office, deciding together."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from approvals_testkit import ApprovalHarness, requisition, who
from documents.adapters.approval_repository import ApprovalRepository
from documents.domain.approvals.builtin import SUPERSEDED_BUILTINS
from documents.domain.approvals.model import Approval
from documents.service_layer.approval_commands import Decide
from secretariat_shared.errors import PreconditionFailed

pytestmark = pytest.mark.integration

PANEL = ["discipline.wu", "fin.head", "hr.officer", "rep.zhou"]


def appeal(h: ApprovalHarness, second: bool = False) -> Approval:
    payload: dict[str, Any] = {"appraisal_id": "p-2026-7", "reason": "评分有误"}
    if second:
        payload["second_appeal"] = True
    return h.engine.start(
        who("outsider"),
        requisition(template="appraisal_appeal", payload_json=json.dumps(payload), content=""),
    )


def approve(h: ApprovalHarness, approval_id: str, username: str) -> Approval:
    return h.engine.decide(who(username), Decide(approval_id=approval_id, action="approve"))


def test_p10_the_panel_is_head_hr_employee_representative_and_discipline_together(
    approvals: ApprovalHarness,
) -> None:
    h = approvals
    started = appeal(h)
    assert started.template_version == 2
    panel = started.steps[0]
    assert sorted(panel.waiting_on()) == PANEL
    told = {r for n in h.notices("approval_step_opened") for r in n.recipients}
    assert told == set(PANEL)
    for member in PANEL[:-1]:
        still = approve(h, started.id, member)
        assert still.status.value == "in_progress"
    assert still.current_step().waiting_on() == [PANEL[-1]]  # type: ignore[union-attr]
    done = approve(h, started.id, PANEL[-1])
    assert done.status.value == "approved"
    assert sorted(done.steps[0].approved_by()) == PANEL


def test_p10_a_second_appeal_goes_to_the_committee_after_the_panel(
    approvals: ApprovalHarness,
) -> None:
    h = approvals
    started = appeal(h, second=True)
    for member in PANEL:
        after = approve(h, started.id, member)
    assert after.current_step().waiting_on() == ["committee.chen"]  # type: ignore[union-attr]


def test_p10_a_panel_seat_nobody_holds_leaves_the_others_to_decide(
    approvals: ApprovalHarness,
) -> None:
    """As for every parallel step (D-06): an organisation without an employee
    representative yet does not stall appeals; the panel sits without that seat.
    With no panel member at all the appeal is refused at its start."""
    h = approvals
    h.directory.roles.pop("employee_representative")
    started = appeal(h)
    assert sorted(started.steps[0].waiting_on()) == ["discipline.wu", "fin.head", "hr.officer"]
    for role in ("hr", "discipline"):
        h.directory.roles.pop(role)
    h.directory.departments["FIN"] = replace(h.directory.departments["FIN"], head_username="")
    with pytest.raises(PreconditionFailed, match="employee_representative"):
        appeal(h)


def test_p10_a_running_system_gains_the_new_panel_as_version_2_and_keeps_version_1(
    approvals: ApprovalHarness,
) -> None:
    """A database seeded before the correction holds only version 1: the next start
    of the engine adds version 2, which new appeals use."""
    h = approvals
    with h.db.write_session() as session, session.begin():
        ApprovalRepository(session).seed_templates(SUPERSEDED_BUILTINS, h.clock.now())
    started = appeal(h)
    assert started.template_version == 2
    old = h.engine.get_template(who("outsider"), "appraisal_appeal", 1)
    assert [r.role for r in old.steps[0].approvers] == ["", "hr"]
    current = h.engine.get_template(who("outsider"), "appraisal_appeal")
    assert current.version == 2
    assert [r.role for r in current.steps[0].approvers] == [
        "",
        "hr",
        "employee_representative",
        "discipline",
    ]
