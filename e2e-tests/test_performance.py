"""Performance through the gateway (issue 16 "Done when", SPEC P-02, P-05, P-07, P-10):
real events from documents (a circulation step finished late) and meetings (a
survey closed) become facts; a quarterly cycle with 360 ratings where the
recipients' group is empty shows the renormalised formula; after publication
an appeal on the 3rd working day is accepted and one on the 4th refused; the
panel upholds the first through the approval engine and the grade is
recomputed and re-published."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from e2ekit import Api, document, eventually, inbox_of, new_unit

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


def nth_working_day_after(day: date, n: int) -> date:
    """Weekends only: the test's weeks (December) have no public holidays."""
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def move_to(admin: Api, moment: datetime, *people: Api) -> None:
    advance(admin, max(0.0, (moment - system_now(admin)).total_seconds()), *people)


def indicator(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(i for i in report["indicators"] if i["name"] == name)


def test_p02_p05_p10_events_to_facts_renormalised_360_and_an_upheld_appeal(
    admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    clerk, head, staff, secretary = (
        login(unit.clerk),
        login(unit.head),
        login(unit.staff),
        login(unit.secretary),
    )
    hr = login("chen.jing")
    people = (clerk, head, staff, secretary, hr)

    # Documents: the head hands the document to the staff member for circulation.
    created = clerk.post("/api/v1/documents", json=document(unit.code)).json()
    step = next(s for s in created["steps"] if s["state"] == "open")
    reply = head.post(
        f"/api/v1/documents/{created['id']}/steps/{step['id']}/complete",
        json={"comment": "请阅办", "circulate_to": [unit.staff]},
    )
    assert reply.status_code == 200, reply.text
    circulation = next(s for s in reply.json()["steps"] if s["state"] == "open")

    # Meetings: the staff member organises a meeting; the head answers its survey.
    room = secretary.post(
        "/api/v1/rooms", json={"name": f"绩效会议室-{unit.code}", "capacity": 6}
    ).json()
    start = (system_now(admin) + timedelta(hours=1)).replace(second=0, microsecond=0)
    reply = staff.post(
        "/api/v1/meetings",
        json={
            "topic": "季度工作复盘会",
            "type": "discussion",
            "goals": "复盘季度工作",
            "start_at": start.isoformat(),
            "duration_minutes": 60,
            "room_id": room["id"],
            "participants": [unit.head, unit.clerk],
        },
    )
    assert reply.status_code == 201, reply.text
    meeting = reply.json()
    advance(admin, 3600, *people)
    assert staff.post(f"/api/v1/meetings/{meeting['id']}/check-in").status_code == 200
    assert staff.post(f"/api/v1/meetings/{meeting['id']}/end").status_code == 200
    reply = head.post(
        f"/api/v1/meetings/{meeting['id']}/survey",
        json={"agenda": 90, "materials": 90, "logistics": 90},
    )
    assert reply.status_code == 201, reply.text

    # Five days later the survey has closed and the circulation step is overdue;
    # the staff member finishes it late.
    advance(admin, 5 * 24 * 3600, *people)
    reply = staff.post(
        f"/api/v1/documents/{created['id']}/steps/{circulation['id']}/complete", json={}
    )
    assert reply.status_code == 200, reply.text

    now = system_now(admin)
    quarter = f"{now.astimezone(ZONE).year}-Q{(now.astimezone(ZONE).month - 1) // 3 + 1}"

    def facts_arrived() -> dict[str, Any] | None:
        reply = staff.get(
            f"/api/v1/performance/indicators/{unit.staff}", params={"period": quarter}
        )
        assert reply.status_code == 200, reply.text
        report: dict[str, Any] = reply.json()
        done = indicator(report, "document_timeliness")["value"] is not None
        rated = indicator(report, "meeting_satisfaction")["value"] is not None
        return report if done and rated else None

    report = eventually(facts_arrived, timeout=60)
    timeliness = indicator(report, "document_timeliness")
    assert timeliness["value"] == 0.0
    assert timeliness["formula"] == "met / (met + breached) = 0 / 1"
    late_fact = timeliness["facts"][0]
    assert late_fact["source_event_type"] == "documents.step.completed"
    assert late_fact["source_event_id"]
    satisfaction = indicator(report, "meeting_satisfaction")
    assert satisfaction["value"] == 90.0
    assert satisfaction["facts"][0]["source_event_type"] == "meetings.survey.closed"
    # a colleague cannot see them.
    assert clerk.get(f"/api/v1/performance/indicators/{unit.staff}").status_code == 404

    # P-01/P-05: a quarterly cycle; the superior and two peers rate, no recipient does.
    reply = hr.post("/api/v1/performance/cycles", json={"kind": "quarterly", "period": quarter})
    assert reply.status_code == 201, reply.text
    cycle = reply.json()
    ratings = f"/api/v1/performance/cycles/{cycle['id']}/ratings"
    assert (
        head.post(
            ratings, json={"subject": unit.staff, "group": "superior", "score": 85}
        ).status_code
        == 201
    )
    for peer in (clerk, secretary):
        reply = peer.post(ratings, json={"subject": unit.staff, "group": "peer", "score": 85})
        assert reply.status_code == 201, reply.text
    # Bad input: out of range, twice, oneself; nothing changes.
    assert (
        clerk.post(ratings, json={"subject": unit.head, "group": "peer", "score": 101}).status_code
        == 422
    )
    assert (
        clerk.post(ratings, json={"subject": unit.staff, "group": "peer", "score": 10}).status_code
        == 409
    )
    assert (
        staff.post(ratings, json={"subject": unit.staff, "group": "peer", "score": 100}).status_code
        == 422
    )

    reply = hr.post(f"/api/v1/performance/cycles/{cycle['id']}/publish", json={})
    assert reply.status_code == 200, reply.text
    assert reply.json()["state"] == "published"
    published_at = system_now(admin)
    assert hr.post(f"/api/v1/performance/cycles/{cycle['id']}/publish", json={}).status_code == 409

    result_path = f"/api/v1/performance/cycles/{cycle['id']}/results/{unit.staff}"
    reply = staff.get(result_path)
    assert reply.status_code == 200, reply.text
    result = reply.json()
    assert result["rating_formula"] == (
        "360 = (0.50 × superior + 0.30 × peer) / 0.80 = 0.625 × superior + 0.375 × peer"
        " (renormalised: no ratings from recipient)"
    )
    groups = {g["group"]: g for g in result["groups"]}
    assert groups["recipient"]["weight"] == 0
    assert groups["superior"]["weight"] == 0.625
    assert groups["peer"]["folded"]
    assert groups["peer"]["mean"] is None
    # quantitative = mean(timeliness 0, satisfaction 90) − 5 × 1 warning (X-07 short notice) = 40
    assert "0.40 × quantitative 40.00 + 0.60 × rating_360 85.00 = 67.00" in result["formula"]
    assert (result["score"], result["grade"], result["version"]) == (67.0, "pass", 1)
    assert {f["source_event_type"] for f in result["facts"]} >= {
        "documents.step.completed",
        "meetings.survey.closed",
    }
    assert clerk.get(result_path).status_code == 404
    eventually(lambda: inbox_of(staff, "performance_result_published"))
    head_result = head.get(f"/api/v1/performance/cycles/{cycle['id']}/results/{unit.head}")
    assert head_result.status_code == 200, head_result.text

    # P-10: the 3rd working day after publication is in time, the 4th is not.
    published_day = published_at.astimezone(ZONE).date()
    third = datetime.combine(nth_working_day_after(published_day, 3), time(10), tzinfo=ZONE)
    move_to(admin, third, *people)
    reply = staff.post(
        "/api/v1/performance/appeals",
        json={
            "result_id": result["id"],
            "reason": "该传阅步骤逾期系系统故障所致，不应计入",
            "disputed_fact_ids": [late_fact["id"]],
        },
    )
    assert reply.status_code == 201, reply.text
    appeal = reply.json()
    fourth = datetime.combine(nth_working_day_after(published_day, 4), time(10), tzinfo=ZONE)
    move_to(admin, fourth, *people)
    reply = head.post(
        "/api/v1/performance/appeals",
        json={"result_id": head_result.json()["id"], "reason": "申诉"},
    )
    assert reply.status_code == 409, reply.text
    assert "申诉期限已于" in reply.json()["detail"]
    english = head.post(
        "/api/v1/performance/appeals",
        json={"result_id": head_result.json()["id"], "reason": "申诉"},
        headers={"Accept-Language": "en"},
    )
    assert english.status_code == 409, english.text
    assert "appeal deadline passed" in english.json()["detail"]

    # The panel (department head and HR) approves the appraisal_appeal approval.
    def approval_started() -> str:
        reply = staff.get(f"/api/v1/performance/appeals/{appeal['id']}")
        assert reply.status_code == 200, reply.text
        return str(reply.json()["approval_id"])

    approval_id = eventually(approval_started, timeout=30)
    for _ in range(5):
        reply = head.get(f"/api/v1/approvals/{approval_id}")
        assert reply.status_code == 200, reply.text
        approval = reply.json()
        if not approval.get("current_step"):
            break
        for approver in approval["current_step"]["approvers"]:
            reply = login(approver).post(
                f"/api/v1/approvals/{approval_id}/decisions", json={"action": "approve"}
            )
            assert reply.status_code in (200, 409), reply.text

    def upheld() -> dict[str, Any] | None:
        reply = staff.get(f"/api/v1/performance/appeals/{appeal['id']}")
        body: dict[str, Any] = reply.json()
        return body if body["state"] == "upheld" else None

    decided = eventually(upheld, timeout=30)
    assert "依据" in decided["decision"]
    # The written decision states the process: who of the panel decided, when.
    assert decided["decision"].startswith("处理过程：")
    roles = {d["role"] for d in decided["panel"]}
    assert {"hr", "department_head"} <= roles
    assert decided["review_opened_at"] is not None

    corrected = staff.get(result_path).json()
    assert (corrected["grade"], corrected["previous_grade"], corrected["version"]) == (
        "good",
        "pass",
        2,
    )
    assert corrected["score"] == 85.0
    struck = next(f for f in corrected["facts"] if f["id"] == late_fact["id"])
    assert struck["struck_by_appeal"] == appeal["id"]
    eventually(lambda: inbox_of(staff, "performance_result_corrected"))

    stats = hr.get("/api/v1/performance/appeal-statistics", params={"period": quarter}).json()
    assert stats["filed"] >= 1
    assert stats["upheld"] >= 1
