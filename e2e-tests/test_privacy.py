"""SPEC X-03 through the gateway: what a person may not read is 404, absent from
lists, searches and audit views; personal requests are overseen without content."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from e2ekit import PERSON_PASSWORD, Api, Unit, document, new_unit

pytestmark = pytest.mark.e2e


@dataclass
class Leaders:
    supervising: str
    top: str
    clerk: str


def _person(admin: Api, username: str, roles: list[str], department: str | None = None) -> None:
    body: dict[str, object] = {
        "username": username,
        "name": username,
        "password": PERSON_PASSWORD,
        "roles": roles,
    }
    if department:
        body["department_code"] = department
    reply = admin.post("/api/v1/people", json=body)
    assert reply.status_code == 201, reply.text


def leaders_of(admin: Api, unit: Unit) -> Leaders:
    tag = "".join(random.choices(string.ascii_lowercase, k=6))
    leaders = Leaders(f"{tag}.fenguan", f"{tag}.zong", f"{tag}.jiyao")
    _person(admin, leaders.supervising, ["supervising_leader"])
    _person(admin, leaders.top, ["leader"])
    _person(admin, leaders.clerk, ["employee", "confidential_clerk"], unit.code)
    reply = admin.patch(
        f"/api/v1/departments/{unit.code}",
        json={"supervising_leader_username": leaders.supervising},
    )
    assert reply.status_code == 200, reply.text
    return leaders


def _open_step(doc: dict[str, object]) -> dict[str, object]:
    return next(s for s in doc["steps"] if s["state"] == "open")  # type: ignore[attr-defined, index]


def test_x03_another_heads_404_the_owning_sides_leaders_read_a_confidential_document(
    admin: Api, login: Callable[..., Api]
) -> None:
    hr, it = new_unit(admin), new_unit(admin)
    leaders = leaders_of(admin, hr)
    title = f"人员调整方案 {hr.code}"
    plan = login(hr.clerk).post(
        "/api/v1/documents", json=document(hr.code, security_class="confidential", title=title)
    )
    assert plan.status_code == 201, plan.text
    url = f"/api/v1/documents/{plan.json()['id']}"
    it_head = login(it.head)
    assert it_head.get(url).status_code == 404
    assert it_head.get("/api/v1/documents", params={"q": title}).json()["total"] == 0
    listed = it_head.get("/api/v1/documents", params={"department_code": hr.code}).json()
    assert listed["total"] == 0
    for reader in (hr.head, leaders.supervising, leaders.top, leaders.clerk):
        assert login(reader).get(url).status_code == 200, reader
    assert (
        login(leaders.supervising).get("/api/v1/documents", params={"q": title}).json()["total"]
        == 1
    )


def test_x03_after_archiving_the_archivist_who_is_not_named_gets_404(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    leaders = leaders_of(admin, unit)
    created = login(unit.clerk).post(
        "/api/v1/documents",
        json=document(unit.code, security_class="secret", readers=[unit.head]),
    )
    assert created.status_code == 201, created.text
    doc = created.json()
    url = f"/api/v1/documents/{doc['id']}"
    head = login(unit.head)
    handled = head.post(f"{url}/steps/{_open_step(doc)['id']}/complete", json={})
    assert handled.status_code == 200, handled.text
    archive = _open_step(handled.json())
    assert archive["kind"] == "archive"
    assert leaders.clerk in archive["owners"]  # type: ignore[operator]
    assert unit.secretary not in archive["owners"]  # type: ignore[operator]
    clerk = login(leaders.clerk)
    assert clerk.get(url).status_code == 200
    done = clerk.post(f"{url}/steps/{archive['id']}/complete", json={})
    assert done.json()["state"] == "archived"
    assert clerk.get(url).status_code == 404
    secretary = login(unit.secretary)
    assert secretary.get(url).status_code == 404
    audit = secretary.get("/api/v1/audit", params={"entity_id": doc["id"]})
    assert audit.status_code == 200, audit.text
    assert audit.json()["total"] == 0
    discipline_view = secretary.get(
        "/api/v1/audit",
        params={"entity_type": "document", "actor": unit.clerk, "from": "2020-01-01"},
    )
    assert discipline_view.status_code == 200, discipline_view.text
    assert doc["id"] not in {e["entity_id"] for e in discipline_view.json()["items"]}


def test_x03_a_secretariat_clerk_oversees_a_leave_approval_without_its_content(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    leave = login(unit.staff).post(
        "/api/v1/approvals",
        json={
            "template": "leave",
            "subject": "病假：手术住院",
            "payload": {
                "leave_type": "sick",
                "start_date": "2026-03-03",
                "end_date": "2026-03-04",
                "days": 2,
                "reason": "手术住院",
            },
        },
    )
    assert leave.status_code == 201, leave.text
    approval_id = leave.json()["id"]
    secretary = login(unit.secretary)
    listed = secretary.get("/api/v1/approvals", params={"page_size": 100}).json()["items"]
    [seen] = [a for a in listed if a["id"] == approval_id]
    assert seen["template"] == "leave"
    assert seen["payload"] == {}
    assert (seen["personal"], seen["redacted"]) == (True, True)
    assert "手术" not in seen["subject"]
    assert secretary.get(f"/api/v1/approvals/{approval_id}").status_code == 404
    assert (
        login(unit.head).get(f"/api/v1/approvals/{approval_id}").json()["payload"]["reason"]
        == "手术住院"
    )
