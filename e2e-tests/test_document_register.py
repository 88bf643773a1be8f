"""A person registers documents through the gateway; infohub reacts to the events."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from e2ekit import Api, document, eventually, inbox_of, new_unit
from run_system import System

pytestmark = pytest.mark.e2e

NUMBER = re.compile(r"^[A-Z0-9]+-\d{4}-\d{2}-\d{3}$")


def test_d01_user_logs_in_registers_a_document_and_sees_its_number(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    clerk = login(unit.clerk)
    me = clerk.get("/api/v1/me").json()
    assert me["department_code"] == unit.code
    reply = clerk.post("/api/v1/documents", json=document(unit.code))
    assert reply.status_code == 201, reply.text
    created = reply.json()
    assert NUMBER.match(created["number"])
    assert created["number"].startswith(f"{unit.code}-")
    assert created["number"].endswith("-04-001")
    assert created["label_colour"] == "yellow"
    fetched = clerk.get(f"/api/v1/documents/{created['id']}").json()
    assert fetched["number"] == created["number"]
    listed = clerk.get("/api/v1/documents", params={"department_code": unit.code}).json()
    assert [d["number"] for d in listed["items"]] == [created["number"]]
    second = clerk.post("/api/v1/documents", json=document(unit.code)).json()
    assert second["number"].endswith("-04-002")


def test_x06_step_assignment_reaches_the_heads_inbox(admin: Api, login: Callable[..., Api]) -> None:
    unit = new_unit(admin)
    clerk = login(unit.clerk)
    created = clerk.post("/api/v1/documents", json=document(unit.code)).json()
    head = login(unit.head)
    items = eventually(lambda: inbox_of(head, "document_step_assigned"))
    assert items[0]["subject_ref"] == f"documents/{created['id']}"
    assert created["number"] in str(items[0]["title"])
    assert inbox_of(clerk, "document_step_assigned") == []


def test_d05_flow_through_circulation_to_archive(admin: Api, login: Callable[..., Api]) -> None:
    unit = new_unit(admin)
    clerk, head = login(unit.clerk), login(unit.head)
    created = clerk.post("/api/v1/documents", json=document(unit.code, priority="urgent")).json()
    assert created["label_colour"] == "red"
    step = next(s for s in created["steps"] if s["state"] == "open")
    reply = head.post(
        f"/api/v1/documents/{created['id']}/steps/{step['id']}/complete",
        json={"comment": "请科员阅办", "circulate_to": [unit.staff]},
    )
    assert reply.status_code == 200, reply.text
    circulation = next(s for s in reply.json()["steps"] if s["state"] == "open")
    assert circulation["kind"] == "circulation"
    staff = login(unit.staff)
    eventually(lambda: inbox_of(staff, "document_step_assigned"))
    reply = staff.post(
        f"/api/v1/documents/{created['id']}/steps/{circulation['id']}/complete", json={}
    )
    archive = next(s for s in reply.json()["steps"] if s["state"] == "open")
    assert archive["kind"] == "archive"
    assert unit.secretary in archive["owners"]
    secretary = login(unit.secretary)
    reply = secretary.post(
        f"/api/v1/documents/{created['id']}/steps/{archive['id']}/complete", json={}
    )
    assert reply.json()["state"] == "archived"
    assert reply.json()["label_colour"] == "black"


def test_d05_d10_a_circulation_no_longer_stalls_on_one_absent_reader(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    clerk, head, staff = login(unit.clerk), login(unit.head), login(unit.staff)
    now = datetime.fromisoformat(
        admin.post("/api/v1/testing/clock", json={"advance_seconds": 0}).json()["now"]
    )
    reply = staff.post(
        "/api/v1/me/absences",
        json={
            "start": (now - timedelta(hours=1)).isoformat(),
            "end": (now + timedelta(days=3)).isoformat(),
            "delegate_username": unit.clerk,
        },
    )
    assert reply.status_code == 201, reply.text
    created = clerk.post("/api/v1/documents", json=document(unit.code)).json()
    assert created["flow_due_at"] is not None  # D-10: the whole flow's 24 hours
    step = next(s for s in created["steps"] if s["state"] == "open")
    reply = head.post(
        f"/api/v1/documents/{created['id']}/steps/{step['id']}/complete",
        json={"circulate_to": [unit.staff]},
    )
    assert reply.status_code == 200, reply.text
    circulation = next(s for s in reply.json()["steps"] if s["state"] == "open")
    assert circulation["stand_ins"] == [
        {"owner": unit.staff, "username": unit.clerk, "reason": "absence"}
    ]
    eventually(lambda: inbox_of(clerk, "document_step_assigned"))
    reply = clerk.post(
        f"/api/v1/documents/{created['id']}/steps/{circulation['id']}/complete",
        json={"comment": "代阅"},
    )
    assert reply.status_code == 200, reply.text
    done = reply.json()
    read = next(s for s in done["steps"] if s["id"] == circulation["id"])
    assert read["acted_for"] == [{"owner": unit.staff, "username": unit.clerk, "reason": "acted"}]
    assert next(s for s in done["steps"] if s["state"] == "open")["kind"] == "archive"
    assert done["flow_met"] is True


def test_x03_other_departments_cannot_see_internal_documents(
    admin: Api, login: Callable[..., Api]
) -> None:
    mine, other = new_unit(admin), new_unit(admin)
    created = login(mine.clerk).post("/api/v1/documents", json=document(mine.code)).json()
    outsider = login(other.clerk)
    reply = outsider.get(f"/api/v1/documents/{created['id']}")
    assert reply.status_code == 404
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert created["title"] not in reply.text
    listed = outsider.get("/api/v1/documents", params={"number": created["number"]}).json()
    assert listed["items"] == []
    assert listed["total"] == 0


def test_bad_input_is_a_problem_naming_the_field_and_changes_nothing(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    clerk = login(unit.clerk)
    reply = clerk.post("/api/v1/documents", json=document(unit.code, type_code="13"))
    assert reply.status_code == 422
    problem = reply.json()
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert problem["status"] == 422
    assert any(e["field"] == "type_code" for e in problem["errors"])
    assert "Traceback" not in reply.text
    assert (
        clerk.get("/api/v1/documents", params={"department_code": unit.code}).json()["total"] == 0
    )


def test_idempotency_key_retry_returns_the_first_result(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    clerk = login(unit.clerk)
    key = str(uuid.uuid4())
    first = clerk.post(
        "/api/v1/documents", json=document(unit.code), headers={"Idempotency-Key": key}
    )
    again = clerk.post(
        "/api/v1/documents", json=document(unit.code), headers={"Idempotency-Key": key}
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert (
        clerk.get("/api/v1/documents", params={"department_code": unit.code}).json()["total"] == 1
    )


def test_unauthenticated_requests_are_refused(system: System) -> None:
    import httpx

    reply = httpx.get(f"{system.http_url}/api/v1/documents")
    assert reply.status_code == 401
    assert reply.headers["content-type"].startswith("application/problem+json")


def test_openapi_lists_the_document_and_inbox_routes(system: System) -> None:
    import httpx

    spec = httpx.get(f"{system.http_url}/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    for path in (
        "/api/v1/documents",
        "/api/v1/documents/{id}",
        "/api/v1/inbox",
        "/api/v1/auth/login",
    ):
        assert path in spec["paths"], path
