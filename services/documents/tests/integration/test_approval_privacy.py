"""SPEC X-03 for approvals: personal requests are confidential, overseers list
them without content and get 404 on them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from approvals_testkit import ApprovalHarness, who
from approvals_testkit import requisition as supply_requisition
from documents.adapters.orm import platform
from documents.service_layer.approval_commands import Decide, ListApprovals, StartApproval
from documents.service_layer.register import DocumentRegister
from documents.service_layer.unit_of_work import DocumentsUnitOfWork
from secretariat_shared.errors import NotFound

pytestmark = pytest.mark.integration


def sick_leave() -> StartApproval:
    return StartApproval(
        template="leave",
        subject="病假：手术住院",
        payload_json=json.dumps(
            {
                "leave_type": "sick",
                "start_date": "2026-03-03",
                "end_date": "2026-03-04",
                "days": 2,
                "reason": "手术住院",
            },
            ensure_ascii=False,
        ),
    )


def audit_of(h: ApprovalHarness, approval_id: str) -> list[dict[str, object]]:
    with h.db.reading() as session:
        rows = session.execute(
            select(platform.audit_log)
            .where(platform.audit_log.c.entity_id == approval_id)
            .order_by(platform.audit_log.c.id)
        )
        return [dict(r) for r in rows.mappings()]


def test_x03_personal_request_is_read_by_requester_approvers_and_hr_only(
    approvals: ApprovalHarness,
) -> None:
    h = approvals
    leave = h.engine.start(who("hr.staff"), sick_leave())
    for name in ("hr.staff", "hr.head", "hr.officer", "leader.yang", "boss.wang"):
        assert h.engine.get(who(name), leave.id).payload["reason"] == "手术住院", name
    for name in ("sec.clerk", "sec.head", "discipline.wu", "admin", "outsider", "fin.head"):
        with pytest.raises(NotFound):
            h.engine.get(who(name), leave.id)
    reads = [
        (e["actor"], e["action"]) for e in audit_of(h, leave.id) if e["action"] == "read_classified"
    ]
    assert reads == [
        (name, "read_classified")
        for name in ("hr.staff", "hr.head", "hr.officer", "leader.yang", "boss.wang")
    ]
    h.engine.decide(who("hr.head"), Decide(approval_id=leave.id, action="approve"))
    assert h.engine.get(who("hr.head"), leave.id).id == leave.id  # their approver still reads


def test_x03_oversight_lists_show_personal_requests_without_their_content(
    approvals: ApprovalHarness,
) -> None:
    h = approvals
    leave = h.engine.start(who("hr.staff"), sick_leave())
    for overseer in ("sec.clerk", "discipline.wu"):
        items, total = h.engine.search(who(overseer), ListApprovals())
        assert total == 1
        [listed] = items
        assert listed.id == leave.id
        assert listed.template == "leave"
        assert listed.status == leave.status
        assert listed.created_at == leave.created_at
        assert listed.steps[0].due_at == leave.steps[0].due_at
        assert listed.payload == {}
        assert listed.redacted
        assert "手术" not in listed.subject
        assert all("手术" not in entry.comment for entry in listed.history)
    hr_items, _ = h.engine.search(who("hr.officer"), ListApprovals())
    assert hr_items[0].payload["reason"] == "手术住院"
    assert not hr_items[0].redacted
    assert h.engine.search(who("outsider"), ListApprovals())[1] == 0
    assert h.engine.search(who("leader.li"), ListApprovals())[1] == 0
    assert h.engine.search(who("leader.yang"), ListApprovals())[1] == 1


def test_x03_audit_view_omits_personal_requests_the_overseer_may_not_read(
    approvals: ApprovalHarness,
) -> None:
    h = approvals
    leave = h.engine.start(who("hr.staff"), sick_leave())
    register = DocumentRegister(
        lambda: DocumentsUnitOfWork(h.db, platform, "documents", h.clock),
        h.directory,
        h.calendar,
        h.clock,
        h.db,
    )
    assert register.audit_entries(who("discipline.wu"), leave.id, "", 1, 50) == ([], 0)
    requisition = h.engine.start(who("hr.staff"), supply_requisition())
    assert register.audit_entries(who("discipline.wu"), requisition.id, "", 1, 50)[1] == 1
