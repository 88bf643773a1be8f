"""Facilities through the gateway only (SPEC F-01..F-06): one requisition from
submission through the three sign-offs (the head signs it, finance reviews and
the office director approves the month's list), the purchase order, the receipt
and the scan-to-collect; bad input; a repair's SLA."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from e2ekit import Api, eventually, inbox_of, new_unit

pytestmark = pytest.mark.e2e

FINANCE = ("huang.lei", "wu.fang")
OFFICE_DIRECTOR = "zheng.qiang"


def _items(body: Any) -> list[dict[str, Any]]:
    return list(body["items"] if isinstance(body, dict) else body)


def _current_approvers(approval: dict[str, Any]) -> list[str]:
    steps = approval.get("steps") or []
    index = approval.get("current_step", -1)
    if isinstance(index, int) and 0 <= index < len(steps):
        return list(steps[index]["approvers"])
    open_steps = [s for s in steps if s.get("state") == "open"]
    return list(open_steps[0]["approvers"]) if open_steps else []


def approve_through(
    login: Callable[..., Api], watcher: Api, approval_id: str, prefer: tuple[str, ...] = ()
) -> list[str]:
    """Approve every step as the person the engine waits for; return who decided, in order.

    Each approver must find the approval in their own inbox at their turn.
    """
    deciders: list[str] = []
    for _ in range(8):
        approval = watcher.get(f"/api/v1/approvals/{approval_id}").json()
        if approval["status"] != "in_progress":
            break
        approvers = _current_approvers(approval)
        assert approvers, approval
        chosen = next((p for p in prefer if p in approvers), approvers[0])
        person = login(chosen)
        inbox = eventually(
            lambda person=person: [
                a
                for a in _items(person.get("/api/v1/approvals/inbox").json())
                if a["id"] == approval_id
            ]
        )
        assert inbox, f"{chosen} does not see {approval_id} in the approvals inbox"
        reply = person.post(
            f"/api/v1/approvals/{approval_id}/decisions", json={"action": "approve"}
        )
        assert reply.status_code == 200, reply.text
        deciders.append(chosen)
    final = watcher.get(f"/api/v1/approvals/{approval_id}").json()
    assert final["status"] == "approved", final
    return deciders


def until(api: Api, path: str, field: str, value: str, timeout: float = 20.0) -> dict[str, Any]:
    """Poll ``path`` until its ``field`` reads ``value`` (events cross processes); return it."""

    def check() -> dict[str, Any] | None:
        found: dict[str, Any] = api.get(path).json()
        return found if found.get(field) == value else None

    return eventually(check, timeout=timeout)


def sign(head: Api, requisition_id: str) -> dict[str, Any]:
    """F-01 level 1: the head finds the requisition in their inbox and signs it."""
    eventually(
        lambda: [
            i
            for i in inbox_of(head, "supply_requisition_to_sign")
            if str(i["subject_ref"]).endswith(requisition_id)
        ]
    )
    reply = head.post(
        f"/api/v1/supplies/requisitions/{requisition_id}/signature",
        json={"action": "approve", "comment": "同意领用"},
    )
    assert reply.status_code == 200, reply.text
    signed: dict[str, Any] = reply.json()
    return signed


def consolidate(storekeeper: Api) -> dict[str, Any]:
    """The month's list: this month's, or (another test took it in this shared
    system) the first later month still free; later requisitions go on next
    month's list (F-01)."""
    for ahead in range(24):
        month = _months_ahead(ahead)
        reply = storekeeper.post("/api/v1/supplies/demand-lists", json={"month": month})
        if reply.status_code != 409:
            assert reply.status_code == 201, reply.text
            demand: dict[str, Any] = reply.json()
            return demand
    raise AssertionError("no free month for a demand list")


def _months_ahead(count: int) -> str:
    today = date.today()
    index = today.year * 12 + today.month - 1 + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def catalogue_item(storekeeper: Api, code: str, supplier: str, price: int) -> None:
    reply = storekeeper.client.put(
        f"/api/v1/supplies/items/{code}",
        json={
            "name": f"复印纸{code}",
            "unit": "包",
            "supplier": supplier,
            "agreed_price_fen": price,
        },
    )
    assert reply.status_code == 200, reply.text


def test_f01_to_f05_one_requisition_from_submission_to_scan_to_collect(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    staff = login(unit.staff)
    storekeeper = login(unit.secretary)
    code = f"PAPER-{unit.code}"
    supplier = f"晨光文具{unit.code}"
    catalogue_item(storekeeper, code, supplier, 2500)
    opening = storekeeper.post(
        "/api/v1/supplies/stock/receipts",
        json={"item_code": code, "quantity": 1, "unit_cost_fen": 2000, "reason": "期初库存"},
    )
    assert opening.status_code == 201, opening.text

    submitted = staff.post(
        "/api/v1/supplies/requisitions",
        json={"purpose": "部门日常办公", "lines": [{"item_code": code, "quantity": 4}]},
    )
    assert submitted.status_code == 201, submitted.text
    requisition = submitted.json()
    assert requisition["state"] == "pending_approval"
    assert submitted.headers["Location"].endswith(requisition["id"])

    # Three sign-offs in all (F-01): the department head signs the requisition ...
    assert requisition["approval_id"] == ""
    assert requisition["signers"] == [unit.head]
    assert sign(login(unit.head), requisition["id"])["state"] == "approved"
    eventually(lambda: inbox_of(staff, "supply_requisition_signed"))

    # ... the secretariat consolidates the month's list, finance reviews it and the
    # office director approves it.
    demand = consolidate(storekeeper)
    assert requisition["id"] in demand["requisition_ids"]
    line = next(x for x in demand["lines"] if x["item_code"] == code)
    assert (line["quantity"], line["unit_price_fen"], line["supplier"]) == (4, 2500, supplier)
    deciders = approve_through(login, storekeeper, demand["approval_id"], prefer=FINANCE)
    assert deciders[0] in FINANCE
    assert deciders[1] == OFFICE_DIRECTOR
    ordered = until(
        storekeeper, f"/api/v1/supplies/demand-lists/{demand['id']}", "state", "ordered"
    )
    eventually(lambda: inbox_of(staff, "supply_requisition_approved"))

    # One purchase order per supplier at the agreed price, delivered on the 25th (F-02).
    orders = storekeeper.get(
        "/api/v1/purchase-orders", params={"demand_list_id": ordered["id"]}
    ).json()["items"]
    order = next(o for o in orders if o["supplier"] == supplier)
    assert order["delivery_date"][8:10] <= "25"
    assert [(x["item_code"], x["quantity"], x["unit_price_fen"]) for x in order["lines"]] == [
        (code, 4, 2500)
    ]
    received = storekeeper.post(f"/api/v1/purchase-orders/{order['id']}/receipts", json={})
    assert received.status_code == 200, received.text
    assert received.json()["state"] == "received"
    stock = storekeeper.get("/api/v1/supplies/stock", params={"item_code": code}).json()["items"][0]
    assert stock["on_hand"] == 5
    assert [b["unit_cost_fen"] for b in stock["batches"]] == [2000, 2500]

    # Scan to collect (F-05): the code's QR image, one issue at FIFO cost, never twice.
    png = staff.get(f"/api/v1/supplies/requisitions/{requisition['id']}/code.png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    collection = staff.get(f"/api/v1/supplies/requisitions/{requisition['id']}/code").json()
    scanned = storekeeper.post("/api/v1/supplies/issues/scan", json={"code": collection["code"]})
    assert scanned.status_code == 201, scanned.text
    issue = scanned.json()
    assert issue["recipient"] == unit.staff
    assert issue["total_cost_fen"] == 2000 + 3 * 2500
    again = storekeeper.post("/api/v1/supplies/issues/scan", json={"code": collection["code"]})
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    after = storekeeper.get("/api/v1/supplies/stock", params={"item_code": code}).json()
    assert after["items"][0]["on_hand"] == 1
    assert (
        staff.get(f"/api/v1/supplies/requisitions/{requisition['id']}").json()["state"]
        == "collected"
    )
    eventually(lambda: inbox_of(staff, "supplies_collected"))


def test_f01_three_sign_offs_and_finance_sees_departments_over_budget(
    admin: Api, login: Callable[..., Api]
) -> None:
    """The head signs each requisition; finance sets budgets, reviews the month's list
    with the departments over budget flagged, the office director approves it: three
    sign-offs in all, and only then is a code handed out."""
    unit = new_unit(admin)
    staff, head, storekeeper = login(unit.staff), login(unit.head), login(unit.secretary)
    finance = login(FINANCE[0])
    code = f"INK-{unit.code}"
    catalogue_item(storekeeper, code, f"得力{unit.code}", 4000)
    reply = storekeeper.post(
        "/api/v1/supplies/stock/receipts",
        json={"item_code": code, "quantity": 10, "unit_cost_fen": 4000, "reason": "期初库存"},
    )
    assert reply.status_code == 201, reply.text
    # Budgets: per department and year, by finance only; 100 yuan for the unit.
    year = _months_ahead(0)[:4]
    for when in {year, _months_ahead(24)[:4], str(int(year) + 1)}:
        put = finance.client.put(
            f"/api/v1/supplies/budgets/{when}/{unit.code}", json={"amount_fen": 10_000}
        )
        assert put.status_code == 200, put.text
    refused = staff.client.put(
        f"/api/v1/supplies/budgets/{year}/{unit.code}", json={"amount_fen": 10**8}
    )
    assert refused.status_code == 403
    bad = finance.client.put(f"/api/v1/supplies/budgets/{year}/NOPE", json={"amount_fen": 1})
    assert bad.status_code == 422, bad.text
    assert bad.headers["content-type"].startswith("application/problem+json")
    budgets = finance.get("/api/v1/supplies/budgets", params={"year": year}).json()["items"]
    assert [b["amount_fen"] for b in budgets if b["department_code"] == unit.code] == [10_000]

    ids = []
    for quantity in (2, 1):
        reply = staff.post(
            "/api/v1/supplies/requisitions",
            json={"purpose": "打印", "lines": [{"item_code": code, "quantity": quantity}]},
        )
        assert reply.status_code == 201, reply.text
        ids.append(reply.json()["id"])
    # Not the requester, not another employee: the head alone signs.
    assert staff.post(
        f"/api/v1/supplies/requisitions/{ids[0]}/signature", json={"action": "approve"}
    ).status_code in (403, 404)
    no_reason = head.post(
        f"/api/v1/supplies/requisitions/{ids[1]}/signature", json={"action": "reject"}
    )
    assert no_reason.status_code == 422, no_reason.text
    for requisition_id in ids:
        sign(head, requisition_id)
    waiting = staff.get(f"/api/v1/supplies/requisitions/{ids[0]}/code")
    assert waiting.status_code == 409, waiting.text
    assert "需求清单" in waiting.json()["detail"]

    demand = consolidate(storekeeper)
    share = next(d for d in demand["departments"] if d["department_code"] == unit.code)
    assert (share["amount_fen"], share["budget_fen"], share["over_budget"]) == (
        12_000,
        10_000,
        True,
    )
    line = next(x for x in demand["lines"] if x["item_code"] == code)
    assert line["over_budget"] is True
    assert unit.code in line["over_budget_departments"]
    assert demand["over_budget"] is True
    approval = finance.get(f"/api/v1/approvals/{demand['approval_id']}").json()
    assert "超预算" in approval["subject"]
    deciders = approve_through(login, storekeeper, demand["approval_id"], prefer=FINANCE)
    assert len(deciders) == 2
    assert deciders[0] in FINANCE
    assert deciders[1] == OFFICE_DIRECTOR
    until(storekeeper, f"/api/v1/supplies/demand-lists/{demand['id']}", "state", "ordered")
    collection = eventually(
        lambda: staff.get(f"/api/v1/supplies/requisitions/{ids[0]}/code").json().get("code")
    )
    scanned = storekeeper.post("/api/v1/supplies/issues/scan", json={"code": collection})
    assert scanned.status_code == 201, scanned.text


def test_f03_f05_bad_input_gets_a_clear_4xx_and_changes_nothing(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    staff = login(unit.staff)
    storekeeper = login(unit.secretary)
    code = f"PEN-{unit.code}"
    catalogue_item(storekeeper, code, "晨光文具", 150)
    storekeeper.post(
        "/api/v1/supplies/stock/receipts",
        json={"item_code": code, "quantity": 3, "unit_cost_fen": 150, "reason": "期初库存"},
    )
    for lines in (
        [{"item_code": code, "quantity": 0}],
        [{"item_code": code, "quantity": -1}],
        [{"item_code": f"NOPE-{uuid.uuid4().hex[:6]}", "quantity": 1}],
    ):
        reply = staff.post("/api/v1/supplies/requisitions", json={"purpose": "", "lines": lines})
        assert reply.status_code == 422, reply.text
        assert reply.json()["errors"][0]["field"].startswith("lines[0]")
    too_many = storekeeper.post(
        "/api/v1/supplies/issues",
        json={"item_code": code, "quantity": 4, "recipient": unit.staff, "reason": "领用"},
    )
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "quantity"
    forged = storekeeper.post(
        "/api/v1/supplies/issues/scan", json={"code": f"FAC1.{uuid.uuid4()}.9999999999.AAAA"}
    )
    assert forged.status_code == 422
    assert forged.json()["errors"][0]["field"] == "code"
    not_storekeeper = staff.post(
        "/api/v1/supplies/issues",
        json={"item_code": code, "quantity": 1, "recipient": unit.staff, "reason": "领用"},
    )
    assert not_storekeeper.status_code == 403
    stock = storekeeper.get("/api/v1/supplies/stock", params={"item_code": code}).json()
    assert stock["items"][0]["on_hand"] == 3
    assert staff.get("/api/v1/supplies/requisitions", params={"mine": "true"}).json() == {
        "items": [],
        "total": 0,
        "page": 1,
        "page_size": 20,
    }


def test_f06_repair_flow_and_response_breach(admin: Api, login: Callable[..., Api]) -> None:
    unit = new_unit(admin)
    reporter = login(unit.staff)
    handler = login(unit.secretary)
    reported = reporter.post(
        "/api/v1/repairs",
        json={"title": "会议室投影仪无信号", "location": "3F 第二会议室", "severity": "major"},
    )
    assert reported.status_code == 201, reported.text
    repair = reported.json()
    assert repair["state"] == "reported"
    assert handler.post(f"/api/v1/repairs/{repair['id']}/response", json={}).status_code == 200
    resolved = handler.post(
        f"/api/v1/repairs/{repair['id']}/resolution", json={"result": "更换 HDMI 线缆，已恢复"}
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["response_outcome"] == "met"
    assert resolved.json()["resolution_outcome"] == "met"
    other = login(unit.clerk)
    assert other.post(f"/api/v1/repairs/{repair['id']}/acceptance").status_code in (403, 404)
    accepted = reporter.post(f"/api/v1/repairs/{repair['id']}/acceptance")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "closed"

    late = reporter.post(
        "/api/v1/repairs",
        json={"title": "茶水间热水器漏水", "location": "2F 茶水间", "severity": "minor"},
    ).json()
    moved = admin.post("/api/v1/testing/clock", json={"advance_seconds": 2 * 3600 + 60})
    assert moved.status_code == 200, moved.text
    reporter.login()
    breached = until(
        reporter, f"/api/v1/repairs/{late['id']}", "response_outcome", "breached", timeout=30
    )
    assert breached["state"] == "reported"
    eventually(lambda: inbox_of(reporter, "repair_response_breached"), timeout=30)


def test_facilities_routes_are_in_the_openapi_document(admin: Api) -> None:
    paths = admin.get("/openapi.json").json()["paths"]
    for prefix in (
        "/api/v1/supplies/items",
        "/api/v1/supplies/requisitions",
        "/api/v1/supplies/demand-lists",
        "/api/v1/supplies/stock",
        "/api/v1/supplies/issues/scan",
        "/api/v1/supplies/stock-takes",
        "/api/v1/purchase-orders",
        "/api/v1/repairs",
        "/api/v1/inspections/zones",
        "/api/v1/inspections/safety",
        "/api/v1/trips",
        "/api/v1/expenses",
        "/api/v1/incidents",
    ):
        assert prefix in paths, prefix
    qr = paths["/api/v1/supplies/requisitions/{id}/code.png"]["get"]["responses"]["200"]
    assert list(qr["content"]) == ["image/png"]
