"""SPEC X-04 through the gateway: every service's audit trail (meetings,
facilities, the information hub and the directory, besides documents) is
searched by the secretariat and the discipline office, by entity, actor,
entity type and time range, and reveals nothing of an item the viewer may not
read (X-03)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from e2ekit import Api, new_unit

pytestmark = pytest.mark.e2e

TRAILS = (
    "/api/v1/meetings/audit",
    "/api/v1/facilities/audit",
    "/api/v1/info/audit",
    "/api/v1/directory/audit",
)
DISCIPLINE = "ma.lin"
# The audit search reads a bare date as a day of the organisation's calendar.
SHANGHAI = ZoneInfo("Asia/Shanghai")


def system_now(admin: Api) -> datetime:
    reply = admin.post("/api/v1/testing/clock", json={"advance_seconds": 0})
    assert reply.status_code == 200, reply.text
    return datetime.fromisoformat(reply.json()["now"])


def entries(api: Api, path: str, **params: str) -> dict[str, object]:
    reply = api.get(path, params=params)
    assert reply.status_code == 200, reply.text
    body: dict[str, object] = reply.json()
    return body


def test_x04_every_services_trail_is_searched_by_the_secretariat_and_the_discipline_office(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    secretary, discipline, staff = login(unit.secretary), login(DISCIPLINE), login(unit.staff)
    for path in TRAILS:
        assert staff.get(path).status_code == 403, path
        refused = staff.get(path)
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        for reader in (secretary, discipline):
            body = entries(reader, path, page_size="5")
            assert body["page"] == 1
            assert body["page_size"] == 5

    # the directory: the admin created the unit's people a moment ago
    found = entries(secretary, "/api/v1/directory/audit", entity_id=unit.clerk, actor="admin")
    assert found["total"] == 1
    record = found["items"][0]  # type: ignore[index]
    assert record["action"] == "person.created"
    assert record["entity_type"] == "person"
    assert unit.clerk in record["after_json"]
    assert entries(discipline, "/api/v1/directory/audit", entity_type="department",
                   entity_id=unit.code)["total"] >= 1  # fmt: skip

    # facilities: a repair report, by entity type and time range
    reported = staff.post(
        "/api/v1/repairs",
        json={"title": "会议室空调不制冷", "location": "3F 会议室", "severity": "minor"},
    )
    assert reported.status_code == 201, reported.text
    repair_id = reported.json()["id"]
    today = system_now(admin).astimezone(SHANGHAI).date().isoformat()
    found = entries(
        discipline,
        "/api/v1/facilities/audit",
        entity_type="repair",
        actor=unit.staff,
        **{"from": today, "to": today},
    )
    assert [e["entity_id"] for e in found["items"]] == [repair_id]  # type: ignore[union-attr]
    yesterday = (system_now(admin) - timedelta(days=2)).astimezone(SHANGHAI).date().isoformat()
    assert (
        entries(discipline, "/api/v1/facilities/audit", entity_id=repair_id, to=yesterday)["total"]
        == 0
    )
    bad = discipline.get("/api/v1/facilities/audit", params={"from": "not-a-date"})
    assert bad.status_code == 422, bad.text


def test_x04_x03_the_audit_trails_reveal_nothing_of_what_the_viewer_may_not_read(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    clerk, secretary, discipline = login(unit.clerk), login(unit.secretary), login(DISCIPLINE)
    start = (system_now(admin) + timedelta(days=3)).replace(second=0, microsecond=0)

    def meeting(topic: str, security_class: str) -> str:
        reply = clerk.post(
            "/api/v1/meetings",
            json={
                "topic": topic,
                "type": "discussion",
                "security_class": security_class,
                "start_at": start.isoformat(),
                "duration_minutes": 30,
                "participants": [unit.staff],
                "video_link": "https://meet.example.cn/room/1",
            },
        )
        assert reply.status_code == 201, reply.text
        return str(reply.json()["id"])

    open_meeting = meeting("公开通报会", "public")
    secret_meeting = meeting("干部人选酝酿会", "secret")
    assert discipline.get(f"/api/v1/meetings/{secret_meeting}").status_code == 404
    seen = entries(discipline, "/api/v1/meetings/audit", actor=unit.clerk)
    ids = {e["entity_id"] for e in seen["items"]}  # type: ignore[union-attr]
    assert open_meeting in ids
    assert secret_meeting not in ids
    assert "干部人选" not in str(seen)
    assert entries(discipline, "/api/v1/meetings/audit", entity_id=secret_meeting)["total"] == 0

    # the information hub: an item the discipline office did not receive
    submitted = clerk.post(
        "/api/v1/info/items",
        json={
            "channel": "internal",
            "source": "weekly_report",
            "title": "要情：人事调整动向",
            "lead": {
                "time": "本周一",
                "place": "本部",
                "people": "人事小组",
                "event": "研究调整",
                "result": "待定",
            },
            "body": "内部掌握。",
        },
    )
    assert submitted.status_code == 201, submitted.text
    item_id = submitted.json()["id"]
    assert entries(secretary, "/api/v1/info/audit", entity_id=item_id)["total"] >= 1
    hidden = entries(discipline, "/api/v1/info/audit", entity_id=item_id)
    assert hidden["total"] == 0
    assert hidden["items"] == []
