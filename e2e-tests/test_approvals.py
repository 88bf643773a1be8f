"""The approval engine through the gateway only (SPEC D-06..D-10, X-06)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from e2ekit import PERSON_PASSWORD, Api, Unit, eventually, inbox_of, new_unit

pytestmark = pytest.mark.e2e

LEADER = "li.hua"  # a supervising leader of the demo organisation
FINANCE = "huang.lei"  # holds the finance role
OFFICE_DIRECTOR = "zheng.qiang"
ITEMS = {"items": [{"name": "A4纸", "quantity": 10, "unit": "包"}], "purpose": "日常打印"}


def requisition(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "template": "supply_requisition",
        "subject": "三月办公用品领用",
        "payload": ITEMS,
        "urgent": False,
    }
    body.update(overrides)
    return body


def add_person(admin: Api, unit: Unit, suffix: str, *roles: str) -> str:
    username = f"{unit.code.lower()}.{suffix}"
    reply = admin.post(
        "/api/v1/people",
        json={
            "username": username,
            "name": f"{suffix}{unit.code}",
            "password": PERSON_PASSWORD,
            "department_code": unit.code,
            "roles": ["employee", *roles],
        },
    )
    assert reply.status_code == 201, reply.text
    return username


def under_leader(admin: Api) -> Unit:
    """A new department whose supervising leader is li.hua."""
    unit = new_unit(admin)
    reply = admin.patch(
        f"/api/v1/departments/{unit.code}", json={"supervising_leader_username": LEADER}
    )
    assert reply.status_code == 200, reply.text
    return unit


def waiting_for(api: Api) -> list[str]:
    reply = api.get("/api/v1/approvals/inbox", params={"page_size": 100})
    assert reply.status_code == 200, reply.text
    return [a["id"] for a in reply.json()["items"]]


def decide(api: Api, approval_id: str, action: str = "approve", **kw: str) -> dict[str, Any]:
    reply = api.post(f"/api/v1/approvals/{approval_id}/decisions", json={"action": action, **kw})
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


def system_now(admin: Api) -> datetime:
    reply = admin.post("/api/v1/testing/clock", json={"advance_seconds": 0})
    assert reply.status_code == 200, reply.text
    return datetime.fromisoformat(reply.json()["now"])


def test_d06_supply_requisition_three_levels_each_approver_sees_it_only_at_their_turn(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    # the demo organisation's finance officer and office director: adding role holders
    # here would change who approves in every other test's approvals
    finance, director = login(FINANCE), login(OFFICE_DIRECTOR)
    clerk, head = login(unit.clerk), login(unit.head)

    reply = clerk.post("/api/v1/approvals", json=requisition())
    assert reply.status_code == 201, reply.text
    started = reply.json()
    approval_id = started["id"]
    assert reply.headers["Location"] == f"/api/v1/approvals/{approval_id}"
    assert started["status"] == "in_progress"
    assert started["current_step"]["approvers"] == [unit.head]
    assert [s["name"] for s in started["steps"]] == [
        "department head",
        "finance review",
        "office director",
    ]

    assert approval_id in waiting_for(head)
    assert approval_id not in waiting_for(finance)
    assert approval_id not in waiting_for(director)
    notices = eventually(lambda: inbox_of(head, "approval_step_opened"))
    assert notices[0]["subject_ref"] == f"approvals/{approval_id}"

    after_head = decide(head, approval_id, comment="同意")
    assert finance.username in after_head["current_step"]["approvers"]
    assert approval_id not in waiting_for(head)
    assert approval_id in waiting_for(finance)
    assert approval_id not in waiting_for(director)

    after_finance = decide(finance, approval_id, comment="预算内")
    assert after_finance["current_step"]["approvers"] == [OFFICE_DIRECTOR]
    assert approval_id not in waiting_for(finance)
    assert approval_id in waiting_for(director)

    done = decide(director, approval_id)
    assert done["status"] == "approved"
    assert done["current_step"] is None
    assert done["seal_id"]
    assert approval_id not in waiting_for(director)
    assert [h["action"] for h in done["history"]].count("approved") == 3
    eventually(lambda: inbox_of(clerk, "approval_approved"))

    # D-09: the sealed final version verifies; one changed byte does not
    download = clerk.get(f"/api/v1/approvals/{approval_id}/seal")
    assert download.status_code == 200, download.text
    assert download.headers["Content-Type"].startswith("application/json")
    assert "attachment" in download.headers["Content-Disposition"]
    sealed = download.content
    assert download.json()["sealed"]["approval"]["id"] == approval_id
    verified = finance.post(
        "/api/v1/seals/verify", content=sealed, headers={"Content-Type": "application/json"}
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["valid"] is True
    assert verified.json()["approval_id"] == approval_id
    position = sealed.index("A4纸".encode())
    changed = sealed[:position] + b"B" + sealed[position + 1 :]
    tampered = finance.post(
        "/api/v1/seals/verify", files={"file": ("sealed.json", changed, "application/json")}
    )
    assert tampered.status_code == 200, tampered.text
    assert tampered.json()["valid"] is False
    assert "changed" in tampered.json()["reason"]
    as_upload = finance.post(
        "/api/v1/seals/verify", files={"file": ("sealed.json", sealed, "application/json")}
    )
    assert as_upload.json()["valid"] is True


def test_d07_green_channel_goes_straight_to_the_supervising_leader(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = under_leader(admin)
    clerk, head, leader = login(unit.clerk), login(unit.head), login(LEADER)
    reply = clerk.post("/api/v1/approvals", json=requisition(urgent=True, subject="紧急领用"))
    assert reply.status_code == 201, reply.text
    started = reply.json()
    step = started["current_step"]
    assert step["approvers"] == [LEADER]
    assert [s["name"] for s in started["steps"]] == ["green channel: supervising leader"]
    opened = datetime.fromisoformat(step["opened_at"])
    assert datetime.fromisoformat(step["due_at"]) - opened == timedelta(hours=2)
    assert started["id"] not in waiting_for(head)
    assert started["id"] in waiting_for(leader)
    assert decide(leader, started["id"])["status"] == "approved"


def test_d08_reminder_then_escalation_to_the_superior_through_the_testing_clock(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = under_leader(admin)
    boss = add_person(admin, unit, "boss")
    reply = admin.patch(f"/api/v1/people/{unit.head}", json={"superior_username": boss})
    assert reply.status_code == 200, reply.text
    clerk, head = login(unit.clerk), login(unit.head)
    started = clerk.post("/api/v1/approvals", json=requisition()).json()
    step = started["current_step"]
    due = datetime.fromisoformat(step["due_at"])
    escalate = datetime.fromisoformat(step["escalate_at"])
    assert escalate > due

    now = system_now(admin)
    admin.post("/api/v1/testing/clock", json={"advance_seconds": (due - now).total_seconds() + 2})
    head.login()
    eventually(lambda: inbox_of(head, "approval_reminder"))
    reminded = head.get(f"/api/v1/approvals/{started['id']}").json()
    assert reminded["current_step"]["reminded"] is True
    assert reminded["current_step"]["escalated"] is False

    admin.login()
    now = system_now(admin)
    admin.post(
        "/api/v1/testing/clock", json={"advance_seconds": (escalate - now).total_seconds() + 2}
    )
    head.login()
    superior = login(boss)

    def escalated() -> dict[str, Any] | None:
        current = head.get(f"/api/v1/approvals/{started['id']}").json()
        return current if current["current_step"]["escalated"] else None

    current = eventually(escalated)
    assert current["current_step"]["approvers"] == [unit.head, boss]
    assert current["current_step"]["on_behalf_of"] == {boss: unit.head}
    assert [h["action"] for h in current["history"]][-2:] == ["reminded", "escalated"]
    assert started["id"] in waiting_for(superior)
    eventually(lambda: inbox_of(superior, "approval_escalated"))
    time.sleep(1.5)
    assert len(inbox_of(head, "approval_reminder")) == 1
    done = decide(superior, started["id"], comment="代为审批")
    assert done["steps"][0]["decisions"][0]["on_behalf_of"] == unit.head


def test_d09_return_for_changes_and_resubmit(admin: Api, login: Callable[..., Api]) -> None:
    unit = new_unit(admin)
    clerk, head = login(unit.clerk), login(unit.head)
    started = clerk.post("/api/v1/approvals", json=requisition()).json()
    no_reason = head.post(f"/api/v1/approvals/{started['id']}/decisions", json={"action": "return"})
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "comment"
    returned = decide(head, started["id"], "return", comment="请写明数量用途")
    assert returned["status"] == "returned"
    eventually(lambda: inbox_of(clerk, "approval_returned"))
    edited = {"items": [{"name": "A4纸", "quantity": 5}], "purpose": "打印季度报表"}
    reply = clerk.post(
        f"/api/v1/approvals/{started['id']}/resubmit", json={"payload": edited, "comment": "已修改"}
    )
    assert reply.status_code == 200, reply.text
    again = reply.json()
    assert again["revision"] == 2
    assert again["payload"] == edited
    assert again["current_step"]["approvers"] == [unit.head]
    assert [h["action"] for h in again["history"]][-3:] == [
        "returned",
        "resubmitted",
        "step_opened",
    ]
    assert started["id"] in waiting_for(head)


def test_d09_absence_and_delegation_decide_on_behalf_of(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = under_leader(admin)
    clerk, head, staff = login(unit.clerk), login(unit.head), login(unit.staff)
    leader = login(LEADER)
    now = system_now(admin)
    reply = head.post(
        "/api/v1/me/absences",
        json={
            "start": (now - timedelta(hours=1)).isoformat(),
            "end": (now + timedelta(days=3)).isoformat(),
            "delegate_username": unit.staff,
        },
    )
    assert reply.status_code == 201, reply.text
    bad = head.post(
        "/api/v1/me/absences",
        json={"start": now.isoformat(), "end": now.isoformat(), "delegate_username": "nobody.x"},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"end", "delegate_username"}
    assert len(head.get("/api/v1/me/absences").json()["items"]) == 1

    started = clerk.post("/api/v1/approvals", json=requisition()).json()
    step = started["current_step"]
    assert step["approvers"] == [unit.staff]
    assert step["on_behalf_of"] == {unit.staff: unit.head}
    assert started["id"] in waiting_for(staff)
    assert started["id"] not in waiting_for(head)

    unknown = staff.post(
        f"/api/v1/approvals/{started['id']}/decisions",
        json={"action": "delegate", "delegate_to": "nobody.x"},
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "delegate_to"
    # issue 13: a head's step goes only to someone who can hold a head's level
    below = staff.post(
        f"/api/v1/approvals/{started['id']}/decisions",
        json={"action": "delegate", "delegate_to": unit.secretary},
    )
    assert below.status_code == 422
    assert below.json()["errors"][0]["field"] == "delegate_to"
    delegated = decide(staff, started["id"], "delegate", delegate_to=LEADER)
    assert delegated["current_step"]["approvers"] == [LEADER]
    assert delegated["current_step"]["on_behalf_of"] == {LEADER: unit.head}
    approved = decide(leader, started["id"])
    assert approved["steps"][0]["decisions"][-1]["on_behalf_of"] == unit.head


def test_d06_bad_input_gets_a_clear_4xx_and_changes_nothing(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    clerk, head, staff = login(unit.clerk), login(unit.head), login(unit.staff)
    unknown = clerk.post("/api/v1/approvals", json=requisition(template="teleport"))
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "template"
    schema = clerk.post("/api/v1/approvals", json=requisition(payload={"items": []}))
    assert schema.status_code == 422
    assert schema.json()["errors"][0]["field"] == "payload.items"
    assert clerk.get("/api/v1/approvals", params={"mine": "true"}).json()["total"] == 0

    started = clerk.post("/api/v1/approvals", json=requisition()).json()
    url = f"/api/v1/approvals/{started['id']}/decisions"
    assert staff.post(url, json={"action": "approve"}).status_code == 404
    assert clerk.post(url, json={"action": "approve"}).status_code == 403
    assert head.post(url, json={"action": "sign"}).status_code == 422
    decide(head, started["id"], "reject", comment="本月预算已用完")
    closed = head.post(url, json={"action": "approve"})
    assert closed.status_code == 409
    assert "已驳回" in closed.json()["detail"]
    final = clerk.get(f"/api/v1/approvals/{started['id']}").json()
    assert final["status"] == "rejected"
    assert [h["action"] for h in final["history"]].count("approved") == 0
    assert clerk.get("/api/v1/approvals/not-an-id").status_code == 404
    assert clerk.get(f"/api/v1/approvals/{started['id']}/seal").status_code == 404


def test_d06_templates_are_listed_and_admins_publish_new_versions(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    clerk = login(unit.clerk)
    listed = clerk.get("/api/v1/approval-templates").json()["items"]
    assert {"supply_requisition", "purchase", "leave", "general"} <= {t["key"] for t in listed}
    key = f"e2e_{uuid.uuid4().hex[:8]}"
    template = {
        "key": key,
        "name": "测试审批",
        "form_schema": {"type": "object", "required": ["amount"]},
        "steps": [
            {"name": "head", "approvers": [{"kind": "requester_department_head"}]},
            {
                "name": "finance",
                "approvers": [{"kind": "role", "role": "finance"}],
                "conditions": [{"field": "amount", "op": "gt", "value": 1000}],
            },
        ],
    }
    assert clerk.post("/api/v1/approval-templates", json=template).status_code == 403
    first = admin.post("/api/v1/approval-templates", json=template)
    assert first.status_code == 201, first.text
    assert first.json()["version"] == 1
    second = admin.post("/api/v1/approval-templates", json={**template, "name": "测试审批二"})
    assert second.json()["version"] == 2
    small = clerk.post(
        "/api/v1/approvals", json={"template": key, "subject": "小额", "payload": {"amount": 10}}
    ).json()
    assert small["template_version"] == 2
    assert [s["name"] for s in small["steps"]] == ["head"]
    old = clerk.get(f"/api/v1/approval-templates/{key}", params={"version": 1}).json()
    assert old["name"] == "测试审批"


def test_d10_sla_report_over_the_api(admin: Api, login: Callable[..., Api]) -> None:
    unit = new_unit(admin)
    clerk = login(unit.clerk)
    reply = clerk.get("/api/v1/approvals/sla")
    assert reply.status_code == 200, reply.text
    report = reply.json()
    assert report["steps_total"] >= report["steps_overdue"] >= 0
    assert report["target"] == 0.05
    # D-10: the month's report covers document flows too.
    assert report["document_steps"]["steps_total"] >= report["document_steps"]["steps_overdue"]
    assert report["all_steps_total"] == (
        report["steps_total"] + report["document_steps"]["steps_total"]
    )
    assert clerk.get("/api/v1/approvals/sla", params={"month": "2026-13"}).status_code == 422
