"""Issue 15 done-when, through the gateway only: one routine and one important item
go through intake, triage and the three reviews (I-01..I-03); the important one
reaches the leaders, and an unread leader is listed for a phone call once the
testing clock passes 2 hours (I-05); the routine one is in the next working
day's bulletin, as HTML and PDF, published before 09:00 (I-02); the month's
rates are right for a department with known reads and actions (I-06); and
e-mail arrives at a local SMTP server, at once for an important item and as a
daily digest for the rest."""

from __future__ import annotations

import email
import email.header
import os
import socket
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email.message import Message
from typing import Any
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
from aiosmtpd.controller import Controller

from e2ekit import Api, eventually, inbox_of, new_unit
from run_system import System

pytestmark = pytest.mark.e2e

BEIJING = ZoneInfo("Asia/Shanghai")
LEADER = "wang.jian"  # a seeded leader (role leader) who never reads in this test


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def subjects(self, to: str) -> list[str]:
        return [
            str(email.header.make_header(email.header.decode_header(m["Subject"])))
            for m in self.messages
            if m["To"] == to
        ]


@pytest.fixture
def mailbox(system: System) -> Iterator[Mailbox]:
    """A real SMTP server; the infohub restarted to send through it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    os.environ["SECRETARIAT_SMTP_HOST"] = "127.0.0.1"
    os.environ["SECRETARIAT_SMTP_PORT"] = str(port)
    system.stop_process("infohub")
    system.start_process("infohub")
    system.wait_ready(60)
    try:
        yield box
    finally:
        os.environ.pop("SECRETARIAT_SMTP_HOST", None)
        os.environ.pop("SECRETARIAT_SMTP_PORT", None)
        controller.stop()


def move_clock_to(admin: Api, when: datetime) -> None:
    admin.login()
    now = datetime.fromisoformat(
        admin.post("/api/v1/testing/clock", json={"advance_seconds": 0}).json()["now"]
    )
    if when > now:
        reply = admin.post(
            "/api/v1/testing/clock", json={"advance_seconds": (when - now).total_seconds()}
        )
        assert reply.status_code == 200, reply.text


def item_body(title: str) -> dict[str, object]:
    return {
        "channel": "internal",
        "source": "weekly_report",
        "title": title,
        "lead": {
            "time": "本周一上午",
            "place": "一号厂区",
            "people": "安全生产小组",
            "event": "开展消防演练",
            "result": "全员30分钟内完成疏散",
        },
        "body": "演练覆盖全部一线岗位，发现问题3处，已整改。",
        "figures": [
            {
                "label": "参演人数",
                "value": "240",
                "unit": "人",
                "source": "安全生产小组签到表",
                "basis": "本周一演练当日到场人数",
            }
        ],
        "trend": [{"label": "9月", "value": 180}, {"label": "10月", "value": 240}],
    }


def through_reviews(editor: Api, item_id: str, importance: str) -> dict[str, Any]:
    reply = editor.post(
        f"/api/v1/info/items/{item_id}/triage",
        json={"importance": importance, "urgency": "normal"},
    )
    assert reply.status_code == 200, reply.text
    for review in (
        {"stage": "screen", "decision": "keep"},
        {"stage": "verify", "note": "与签到表核对"},
        {"stage": "distil", "core_points": "消防演练全员达标"},
    ):
        reply = editor.post(f"/api/v1/info/items/{item_id}/reviews", json=review)
        assert reply.status_code == 200, reply.text
    item: dict[str, Any] = reply.json()
    assert [r["stage"] for r in item["reviews"]] == ["screen", "verify", "distil"]
    return item


def test_issue15_information_flow_done_when(
    system: System, admin: Api, login: Callable[..., Api], mailbox: Mailbox
) -> None:
    unit = new_unit(admin)
    clerk, head, staff = login(unit.clerk), login(unit.head), login(unit.staff)
    editor = login(unit.secretary)  # the secretariat editor of this unit
    head_mail, clerk_mail = f"{unit.head}@example.com", f"{unit.clerk}@example.com"
    reply = head.client.put(
        "/api/v1/me/notification-preferences",
        json={"email": head_mail, "default_delivery": "digest"},
    )
    assert reply.status_code == 200, reply.text
    assert "info_important" in reply.json()["always_immediate"]
    reply = clerk.client.put(
        "/api/v1/me/notification-preferences",
        json={
            "email": clerk_mail,
            "kinds": [{"kind": "info_item_published", "delivery": "digest"}],
        },
    )
    assert reply.status_code == 200, reply.text

    # I-01 intake; I-04: a write-up without its lead elements is refused
    bad = item_body("无导语")
    bad["lead"] = {"time": "今天"}
    assert clerk.post("/api/v1/info/items", json=bad).status_code in (400, 422)
    created = {}
    for name, title in (
        ("routine", "周报：消防演练"),
        ("important", "要情：消防演练发现隐患"),
        ("unread", "要情：配电房巡检"),
    ):
        reply = clerk.post("/api/v1/info/items", json=item_body(title))
        assert reply.status_code == 201, reply.text
        assert reply.headers["location"].endswith(reply.json()["id"])
        created[name] = reply.json()
    assert created["routine"]["submitter"] == unit.clerk

    # I-02/I-03: triage and the three reviews
    routine = through_reviews(editor, created["routine"]["id"], "routine")
    assert routine["status"] == "queued"
    important = through_reviews(editor, created["important"]["id"], "important")
    through_reviews(editor, created["unread"]["id"], "important")
    assert important["status"] == "delivered"
    titles = [i["title"] for i in inbox_of(login(LEADER), "info_important")]
    assert f"重要信息：{important['title']}" in titles
    assert eventually(lambda: mailbox.subjects(head_mail), timeout=30)[0].startswith("重要信息：")

    # I-05: the head reads one item; at 2 hours the unread leader is listed
    assert head.get(f"/api/v1/info/items/{important['id']}").status_code == 200
    delivered = datetime.fromisoformat(important["delivered_at"].replace("Z", "+00:00"))
    move_clock_to(admin, delivered + timedelta(hours=2, minutes=1))
    for api in (clerk, head, staff, editor):
        api.login()  # the moved clock expired the tokens

    def follow_ups() -> list[dict[str, Any]]:
        reply = editor.get(f"/api/v1/info/items/{important['id']}/receipts")
        assert reply.status_code == 200, reply.text
        return list(reply.json()["follow_ups"])

    listed = eventually(follow_ups, timeout=30)
    assert LEADER in [f["recipient"] for f in listed]
    assert unit.head not in [f["recipient"] for f in listed]
    reply = editor.post(f"/api/v1/info/items/{important['id']}/follow-ups/{LEADER}/called")
    assert reply.status_code == 200, reply.text

    # I-05: an action, accepted only by the owner's superior or the item's creator
    action = {
        "owner": unit.staff,
        "deadline": (delivered + timedelta(days=5)).isoformat().replace("+00:00", "Z"),
        "acceptance_criterion": "提交隐患整改报告",
    }
    reply = editor.post(f"/api/v1/info/items/{important['id']}/action", json=action)
    assert reply.status_code == 200, reply.text
    assert staff.post(f"/api/v1/info/items/{important['id']}/action/start").status_code == 200
    refused = staff.post(f"/api/v1/info/items/{important['id']}/action/acceptance")
    assert refused.status_code == 403, refused.text
    reply = clerk.post(f"/api/v1/info/items/{important['id']}/action/acceptance")
    assert reply.status_code == 200, reply.text
    assert reply.json()["action"]["status"] == "accepted"

    # I-06: the unit's department: 2 delivered to its head, 1 read; 1 action accepted
    month = delivered.astimezone(BEIJING).strftime("%Y-%m")
    reply = editor.get("/api/v1/info/effectiveness", params={"month": month})
    assert reply.status_code == 200, reply.text
    rates = {d["department_code"]: d for d in reply.json()["departments"]}[unit.code]
    assert (rates["delivered"], rates["read"], rates["awareness_rate"]) == (2, 1, 0.5)
    assert (rates["execution_rate"], rates["achievement_rate"]) == (1.0, 1.0)
    assert rates["low_rates"] == ["awareness"]
    assert rates["low_item_ids"] == [created["unread"]["id"]]
    csv = editor.get("/api/v1/info/effectiveness.csv", params={"month": month})
    assert csv.status_code == 200
    assert unit.code in csv.content.decode("utf-8-sig")
    xlsx = editor.get("/api/v1/info/effectiveness.xlsx", params={"month": month})
    assert xlsx.status_code == 200
    assert xlsx.content.startswith(b"PK")

    # I-02: the routine item in the next working day's bulletin, published before 09:00
    issue = routine["bulletin_date"]
    opening = datetime.fromisoformat(issue).replace(hour=8, minute=5, tzinfo=BEIJING)
    move_clock_to(admin, opening)
    editor.login()
    leader = login(LEADER)

    def bulletin() -> dict[str, Any] | None:
        reply = leader.get(f"/api/v1/info/bulletins/{issue}")
        return reply.json() if reply.status_code == 200 else None

    published = eventually(bulletin, timeout=30)
    assert published is not None
    assert [e["item_id"] for e in published["entries"]] == [routine["id"]]
    published_at = datetime.fromisoformat(published["published_at"].replace("Z", "+00:00"))
    assert published_at.astimezone(BEIJING).hour < 9
    assert not published["late"]
    page = leader.get(f"/api/v1/info/bulletins/{issue}.html")
    assert page.status_code == 200
    assert routine["title"] in page.text
    pdf = leader.get(f"/api/v1/info/bulletins/{issue}.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    image = pypdfium2.PdfDocument(pdf.content)[0].render(scale=1).to_pil().convert("L")
    assert b"/FontFile2" in pdf.content  # the Chinese font is embedded
    # the title line (每日信息专报, Chinese only) is drawn: dark pixels, not a blank
    assert sum(image.crop((50, 50, 300, 85)).histogram()[:128]) > 300
    # I-02: a second triage after publication is refused and changes nothing
    again = editor.post(
        f"/api/v1/info/items/{routine['id']}/triage",
        json={"importance": "important", "urgency": "urgent"},
    )
    assert again.status_code == 409, again.text
    assert editor.get(f"/api/v1/info/items/{routine['id']}").json()["importance"] == "routine"

    # the clerk's "published" notice arrives as the evening digest
    assert mailbox.subjects(clerk_mail) == []
    move_clock_to(admin, opening.replace(hour=18, minute=1))
    digest = eventually(lambda: mailbox.subjects(clerk_mail), timeout=30)
    assert digest[0].startswith("每日通知摘要")
    assert mailbox.subjects(head_mail)[0] == f"重要信息：{important['title']}"
