"""Archives through the gateway only (SPEC A-01..A-06, issue 14 "done when"):
a document archived through D-05 becomes a record found by a Chinese keyword;
it is borrowed through the archive_loan approval, registered out, reminded
when overdue and returned; a climate reading outside the band raises the
alert and /metrics shows it; a destroyed record's copy is gone and its
destruction record stays."""

from __future__ import annotations

import base64
import hashlib
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from e2ekit import Api, document, eventually, inbox_of, new_unit
from run_system import System

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _approve_through(
    login: Callable[..., Api], watcher: Api, approval_id: str, prefer: tuple[str, ...]
) -> None:
    """Approve every step as someone the engine waits for (an "all" step: everyone)."""
    for _ in range(10):
        approval = watcher.get(f"/api/v1/approvals/{approval_id}").json()
        if approval["status"] != "in_progress":
            break
        step = next(s for s in approval["steps"] if s.get("state") == "open")
        waiting = [a for a in step["approvers"] if a not in step.get("approved_by", [])]
        chosen = next((p for p in prefer if p in waiting), waiting[0])
        reply = login(chosen).post(
            f"/api/v1/approvals/{approval_id}/decisions", json={"action": "approve"}
        )
        assert reply.status_code == 200, reply.text
    assert watcher.get(f"/api/v1/approvals/{approval_id}").json()["status"] == "approved"


def _today(admin: Api) -> datetime:
    reply = admin.post("/api/v1/testing/clock", json={"advance_seconds": 0})
    assert reply.status_code == 200, reply.text
    return datetime.fromisoformat(reply.json()["now"]).astimezone(SHANGHAI)


def _archive_through_d05(login: Callable[..., Api], unit: Any, title: str) -> dict[str, Any]:
    clerk, head, staff, secretary = (
        login(u) for u in (unit.clerk, unit.head, unit.staff, unit.secretary)
    )
    created = clerk.post("/api/v1/documents", json=document(unit.code, title=title)).json()
    step = next(s for s in created["steps"] if s["state"] == "open")
    reply = head.post(
        f"/api/v1/documents/{created['id']}/steps/{step['id']}/complete",
        json={"comment": "请阅", "circulate_to": [unit.staff]},
    )
    circulation = next(s for s in reply.json()["steps"] if s["state"] == "open")
    reply = staff.post(
        f"/api/v1/documents/{created['id']}/steps/{circulation['id']}/complete", json={}
    )
    archive = next(s for s in reply.json()["steps"] if s["state"] == "open")
    reply = secretary.post(
        f"/api/v1/documents/{created['id']}/steps/{archive['id']}/complete", json={}
    )
    assert reply.json()["state"] == "archived", reply.text
    return created


def test_a01_a06_archive_find_borrow_overdue_return_climate_and_destruction(
    system: System, admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    staff, head, secretary = login(unit.staff), login(unit.head), login(unit.secretary)
    created = _archive_through_d05(login, unit, "关于加强档案库房温湿度管理的通知")

    # the archived document is a record, found by a Chinese keyword.
    def found() -> dict[str, Any] | None:
        reply = staff.get(
            "/api/v1/archives/records", params={"q": "温湿度管理", "department_code": unit.code}
        )
        assert reply.status_code == 200, reply.text
        body = reply.json()
        return body if body["total"] == 1 else None

    body = eventually(found, timeout=30)
    hit = body["items"][0]
    record = hit["record"]
    assert record["number"] == created["number"]
    assert record["origin"] == "document"
    assert "<mark>" in hit["highlight"]
    assert set(body) == {"items", "total", "page", "page_size"}
    copy = staff.get(f"/api/v1/archives/records/{record['id']}/copy")
    assert copy.status_code == 200
    assert hashlib.sha256(copy.content).hexdigest() == record["copy"]["sha256"]
    outsider = login(new_unit(admin).staff)
    assert outsider.get(f"/api/v1/archives/records/{record['id']}").status_code == 404
    assert (
        outsider.get(
            "/api/v1/archives/records", params={"q": "温湿度管理", "department_code": unit.code}
        ).json()["total"]
        == 0
    )

    # borrow through the archive_loan approval, register out.
    today = _today(admin).date()
    due = (today + timedelta(days=1)).isoformat()
    past = staff.post(
        "/api/v1/archives/loans",
        json={
            "record_id": record["id"],
            "purpose": "查阅",
            "due_date": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert 400 <= past.status_code < 500, past.text
    reply = staff.post(
        "/api/v1/archives/loans",
        json={"record_id": record["id"], "purpose": "编写库房管理制度", "due_date": due},
    )
    assert reply.status_code == 201, reply.text
    loan = reply.json()
    second = head.post(
        "/api/v1/archives/loans",
        json={"record_id": record["id"], "purpose": "查阅", "due_date": due},
    )
    assert second.status_code == 409, second.text
    approval_id = eventually(
        lambda: staff.get(f"/api/v1/archives/loans/{loan['id']}").json()["approval_id"]
    )
    _approve_through(login, staff, approval_id, prefer=(unit.head, unit.secretary))
    eventually(
        lambda: staff.get(f"/api/v1/archives/loans/{loan['id']}").json()["state"] == "approved"
    )
    reply = secretary.post(f"/api/v1/archives/loans/{loan['id']}/checkout", json={})
    assert reply.status_code == 200, reply.text
    assert reply.json()["state"] == "out"

    # The due date passes: the borrower is reminded, the head is told.
    moved = admin.post("/api/v1/testing/clock", json={"advance_seconds": 3 * 86400})
    assert moved.status_code == 200, moved.text
    for api in (staff, head, secretary):
        api.login()  # the access tokens expired with the jump
    eventually(lambda: inbox_of(staff, "archive_loan_overdue"), timeout=30)
    eventually(lambda: inbox_of(head, "archive_loan_overdue"), timeout=30)
    assert staff.get(f"/api/v1/archives/loans/{loan['id']}").json()["overdue"] is True
    reply = secretary.post(f"/api/v1/archives/loans/{loan['id']}/return", json={})
    assert reply.status_code == 200, reply.text
    assert reply.json()["state"] == "returned"
    history = staff.get(f"/api/v1/archives/records/{record['id']}/loans").json()
    assert [h["borrower"] for h in history["items"]] == [unit.staff]

    # a reading outside the band raises the alert, visible in /metrics.
    room = f"{unit.code}-R1"
    bad = secretary.post(
        "/api/v1/archives/climate/readings",
        json={"readings": [{"temperature_c": 20, "humidity_pct": 50}]},
    )
    assert 400 <= bad.status_code < 500, bad.text
    reply = secretary.post(
        "/api/v1/archives/climate/readings",
        json={"readings": [{"storeroom": room, "temperature_c": 26.5, "humidity_pct": 50}]},
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["alerts_raised"] == 1
    port = system.ports.metrics["archives"]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        exposition = answer.read().decode()
    assert f'secretariat_archives_climate_alert_open{{storeroom="{room}"}} 1.0' in exposition
    eventually(lambda: inbox_of(secretary, "archive_climate_alert"))

    # an expired record is destroyed after approval; its destruction record stays.
    content = "二〇一〇年度档案扫描件".encode()
    reply = secretary.post(
        "/api/v1/archives/records",
        json={
            "number": f"{unit.code}-2010-09-001",
            "title": "二〇一〇年度工作计划",
            "type_code": "08",
            "department_code": unit.code,
            "security_class": "internal",
            "retention": "10y",
            "document_date": "2010-01-04",
            "copy_content": base64.b64encode(content).decode(),
            "copy_file_name": "plan.txt",
            "copy_sha256": hashlib.sha256(content).hexdigest(),
        },
    )
    assert reply.status_code == 201, reply.text
    old = reply.json()
    expiring = secretary.get("/api/v1/archives/expiring", params={"page_size": 100}).json()
    assert old["id"] in [h["record"]["id"] for h in expiring["items"]]
    reply = secretary.post(
        "/api/v1/archives/destructions",
        json={"record_ids": [old["id"]], "reason": "保管期限已满", "witnesses": [unit.head]},
    )
    assert reply.status_code == 201, reply.text
    destruction = reply.json()
    approval_id = eventually(
        lambda: secretary.get(f"/api/v1/archives/destructions/{destruction['id']}").json()[
            "approval_id"
        ]
    )
    _approve_through(login, secretary, approval_id, prefer=(unit.secretary,))
    done = eventually(
        lambda: (
            (d := secretary.get(f"/api/v1/archives/destructions/{destruction['id']}").json())[
                "state"
            ]
            == "destroyed"
            and d
        ),
        timeout=30,
    )
    assert done["records"][0]["copy_sha256"] == hashlib.sha256(content).hexdigest()
    assert staff.get(f"/api/v1/archives/records/{old['id']}/copy").status_code == 404
    assert staff.get(f"/api/v1/archives/records/{old['id']}").json()["state"] == "destroyed"
