"""Meetings through the gateway: a room is booked, a meeting scheduled and held, its
minutes recorded with an action item that turns delayed once the clock passes its due
date; the minutes-draft SLA shows on the service's /metrics (SPEC M-01..M-07)."""

from __future__ import annotations

import csv
import io
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from e2ekit import Api, eventually, inbox_of, new_unit
from run_system import System

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("Asia/Shanghai")


def system_now(admin: Api) -> datetime:
    reply = admin.post("/api/v1/testing/clock", json={"advance_seconds": 0})
    assert reply.status_code == 200, reply.text
    return datetime.fromisoformat(reply.json()["now"])


def advance(admin: Api, seconds: float, *people: Api) -> None:
    reply = admin.post("/api/v1/testing/clock", json={"advance_seconds": seconds})
    assert reply.status_code == 200, reply.text
    for api in (admin, *people):
        api.login()


def metrics_of(system: System, service: str) -> str:
    url = f"http://127.0.0.1:{system.ports.metrics[service]}/metrics"
    with urllib.request.urlopen(url, timeout=10) as reply:
        body: bytes = reply.read()
    return body.decode()


def sample(text: str, line_start: str) -> float:
    for line in text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_m01_m05_m06_a_meeting_from_booking_to_a_delayed_action_item(
    system: System, admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    secretary, clerk, head, staff = (
        login(unit.secretary),
        login(unit.clerk),
        login(unit.head),
        login(unit.staff),
    )
    met_before = sample(
        metrics_of(system, "meetings"), 'secretariat_meetings_minutes_draft_total{outcome="met"}'
    )

    # M-01: the secretariat adds a room; an employee books it with a meeting.
    reply = secretary.post(
        "/api/v1/rooms",
        json={"name": f"第一会议室-{unit.code}", "capacity": 8, "equipment": ["投影仪"]},
    )
    assert reply.status_code == 201, reply.text
    room = reply.json()
    start = (system_now(admin) + timedelta(hours=1)).replace(second=0, microsecond=0)
    meeting_body = {
        "topic": "季度工作部署会",
        "type": "decision",
        "goals": "明确季度重点任务",
        "start_at": start.isoformat(),
        "duration_minutes": 60,
        "room_id": room["id"],
        "participants": [unit.staff, unit.head],
        "recorder": unit.staff,
        "agenda": [
            {"title": "重点任务", "presenter": unit.head, "minutes_allotted": 30},
            {"title": "人事事项", "closed_door": True, "minutes_allotted": 15},
        ],
    }
    reply = clerk.post("/api/v1/meetings", json=meeting_body)
    assert reply.status_code == 201, reply.text
    meeting = reply.json()
    assert reply.headers["Location"] == f"/api/v1/meetings/{meeting['id']}"
    assert meeting["room_name"] == room["name"]
    assert any(w.startswith("short_notice") for w in meeting["warnings"])

    # The same slot again, inside the 15-minute buffer: 409 naming the meeting.
    clash = dict(meeting_body, start_at=(start + timedelta(minutes=70)).isoformat(), agenda=[])
    reply = head.post("/api/v1/meetings", json=clash)
    assert reply.status_code == 409, reply.text
    assert reply.headers["Content-Type"].startswith("application/problem+json")
    assert meeting["id"] in reply.json()["detail"]

    # Bad input changes nothing.
    reply = clerk.post(
        "/api/v1/meetings",
        json=dict(
            meeting_body, end_at=(start - timedelta(hours=1)).isoformat(), duration_minutes=None
        ),
    )
    assert reply.status_code == 422, reply.text
    assert "end_at" in {e["field"] for e in reply.json()["errors"]}

    # Participants are told and get calendar files with one UID.
    notice = eventually(lambda: inbox_of(staff, "meeting_notice"))
    assert "季度工作部署会" in str(notice[0]["title"])
    reply = staff.get(f"/api/v1/meetings/{meeting['id']}.ics")
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith("text/calendar")
    assert reply.headers["Content-Disposition"].startswith("attachment;")
    assert reply.headers["Cache-Control"] == "no-store"
    [event] = Calendar.from_ical(reply.content).walk("VEVENT")
    assert str(event["UID"]) == f"{meeting['id']}@meetings.secretariat"
    feed = staff.get("/api/v1/me/calendar.ics")
    assert feed.status_code == 200
    assert f"{meeting['id']}@meetings.secretariat" in feed.text

    # M-02: the checklist; scheduled inside T-3d, the notice went out at once.
    checklist = staff.get(f"/api/v1/meetings/{meeting['id']}/checklist").json()
    assert len(checklist["milestones"]) == 12
    [published] = [m for m in checklist["milestones"] if m["key"] == "notice_published"]
    assert (published["state"], published["done_by"]) == ("done", "system")

    # The meeting is held.
    advance(admin, 3600, secretary, clerk, head, staff)
    reply = clerk.post(f"/api/v1/meetings/{meeting['id']}/check-in")
    assert reply.status_code == 200, reply.text
    assert reply.json()["state"] == "in_progress"
    reply = clerk.post(
        f"/api/v1/meetings/{meeting['id']}/speakers/start", json={"speaker": unit.head}
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["limit_seconds"] == 180
    reply = clerk.post(f"/api/v1/meetings/{meeting['id']}/end")
    assert reply.status_code == 200, reply.text
    assert reply.json()["state"] == "ended"

    # M-05: the recorder hands in the minutes with an action item; the host approves.
    ended_local = system_now(admin).astimezone(ZONE)
    due = (ended_local + timedelta(days=1)).date()
    closed_item = meeting["agenda"][1]["id"]
    reply = staff.post(
        f"/api/v1/meetings/{meeting['id']}/minutes",
        json={
            "sections": [
                {"agenda_item_id": meeting["agenda"][0]["id"], "key_points": ["任务分解到人"]},
                {"agenda_item_id": closed_item, "key_points": ["拟调整一名科长"]},
            ],
            "action_items": [
                {"title": "报送任务分解表", "owner": unit.staff, "due_date": due.isoformat()}
            ],
        },
    )
    assert reply.status_code == 200, reply.text
    assert (reply.json()["state"], reply.json()["draft_outcome"]) == ("submitted", "met")
    reply = staff.post(f"/api/v1/meetings/{meeting['id']}/minutes/approve")
    assert reply.status_code == 403, reply.text
    reply = clerk.post(f"/api/v1/meetings/{meeting['id']}/minutes/approve")
    assert reply.status_code == 200, reply.text
    assert reply.json()["state"] == "approved"
    # M-04: the closed-door section is for its attendees only.
    seen_by_head = head.get(f"/api/v1/meetings/{meeting['id']}/minutes").json()
    assert seen_by_head["withheld_sections"] == 1
    assert [s["key_points"] for s in seen_by_head["sections"]] == [["任务分解到人"]]

    # The minutes-draft SLA is on the service's /metrics.
    text = metrics_of(system, "meetings")
    assert sample(text, 'secretariat_meetings_minutes_draft_total{outcome="met"}') == met_before + 1
    assert "secretariat_meetings_minutes_draft_hours_bucket" in text
    assert 'secretariat_meetings_minutes_draft_total{outcome="breached"}' in text

    # M-06: the item is in progress, then delayed once the clock passes its due date.
    [item] = staff.get("/api/v1/action-items").json()["items"]
    assert (item["title"], item["status"]) == ("报送任务分解表", "in_progress")
    eventually(lambda: inbox_of(staff, "meeting_action_item_assigned"))

    # M-07: the survey is open; one answer per person.
    survey = f"/api/v1/meetings/{meeting['id']}/survey"
    reply = staff.post(survey, json={"agenda": 101, "materials": 90, "logistics": 90})
    assert reply.status_code == 422, reply.text
    reply = staff.post(
        survey, json={"agenda": 90, "materials": 85, "logistics": 95, "comment": "材料清楚"}
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["satisfaction"] == 90.0
    assert reply.json()["comments"] == []  # comments are the organiser's to read
    assert staff.post(survey, json={"agenda": 1, "materials": 1, "logistics": 1}).status_code == 409
    # M-07: anonymous comments for the organiser; a QR code that opens the survey.
    assert clerk.get(survey).json()["comments"] == ["材料清楚"]
    reply = staff.get(f"{survey}/qr.png")
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith("image/png")
    assert reply.content.startswith(b"\x89PNG")

    advance(admin, 3 * 24 * 3600, secretary, clerk, head, staff)
    [late] = staff.get("/api/v1/action-items", params={"status": "delayed"}).json()["items"]
    assert late["id"] == item["id"]
    reply = staff.patch(f"/api/v1/action-items/{item['id']}", json={"status": "completed"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "completed"

    # M-07: the effectiveness report, as JSON and as CSV.
    window = {
        "from": start.astimezone(ZONE).date().isoformat(),
        "to": ended_local.date().isoformat(),
    }
    reply = staff.get("/api/v1/meetings/reports/effectiveness", params=window)
    assert reply.status_code == 403, reply.text
    report = secretary.get("/api/v1/meetings/reports/effectiveness", params=window).json()
    [row] = [r for r in report["items"] if r["meeting_id"] == meeting["id"]]
    assert (row["responses"], row["satisfaction"], row["achievement_rate"]) == (1, 90.0, 1.0)
    reply = secretary.get("/api/v1/meetings/reports/effectiveness.csv", params=window)
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"))))
    assert meeting["id"] in {r["meeting_id"] for r in rows}


def test_m01_two_people_booking_one_room_at_once_get_one_booking(
    admin: Api, login: Callable[..., Api]
) -> None:
    import threading

    unit = new_unit(admin)
    secretary, clerk, head = login(unit.secretary), login(unit.clerk), login(unit.head)
    room = secretary.post("/api/v1/rooms", json={"name": f"小会议室-{unit.code}", "capacity": 4})
    assert room.status_code == 201, room.text
    start = (system_now(admin) + timedelta(days=5)).replace(second=0, microsecond=0)
    statuses: list[int] = []
    ready = threading.Barrier(2)

    def book(api: Api) -> None:
        ready.wait()
        reply = api.post(
            "/api/v1/meetings",
            json={
                "topic": "协调会",
                "type": "discussion",
                "start_at": start.isoformat(),
                "duration_minutes": 30,
                "room_id": room.json()["id"],
            },
        )
        statuses.append(reply.status_code)

    threads = [threading.Thread(target=book, args=(api,)) for api in (clerk, head)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201, 409]
    bookings = clerk.get(
        f"/api/v1/rooms/{room.json()['id']}/bookings", params={"from": start.isoformat()}
    )
    assert len(bookings.json()["items"]) == 1
