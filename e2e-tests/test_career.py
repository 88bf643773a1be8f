"""Issue 17 "done when", through the gateway only: two excellent annual
grades published as performance's events turn a person's promotion
eligibility true with each criterion shown (C-01); a completed course's
hours reach performance as an event (C-04 -> P-04); a mentoring week short
of 2 hours is reminded once the testing clock passes it (C-05); the
nine-box grid is drawn as SVG (C-07); bad input is a clear 4xx."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from e2ekit import PERSON_PASSWORD, Api, eventually, inbox_of, new_unit
from run_system import System
from secretariat.career.v1 import events_pb2 as career_events
from secretariat_shared.bus import BusTopology, EventPublisher, connect
from secretariat_shared.events import ReceivedEvent, make_envelope

ANNUAL_GRADE = "performance.annual_grade.published"
TRAINING_COMPLETED = "career.training.completed"


def _person(admin: Api, username: str, dept: str, roles: list[str], superior: str = "") -> None:
    body: dict[str, Any] = {
        "username": username,
        "name": f"员工{username[-4:]}",
        "password": PERSON_PASSWORD,
        "department_code": dept,
        "roles": roles,
    }
    if superior:
        body["superior_username"] = superior
    reply = admin.post("/api/v1/people", json=body)
    assert reply.status_code == 201, reply.text


def _system_now(admin: Api) -> datetime:
    reply = admin.post("/api/v1/testing/clock", json={"advance_seconds": 0})
    assert reply.status_code == 200, reply.text
    return datetime.fromisoformat(reply.json()["now"])


def _publish_grade(system: System, username: str, year: int, now: datetime) -> None:
    """What the performance service publishes when a year's result is out (P-07)."""
    publisher = EventPublisher(system.bus_url(), BusTopology())
    try:
        envelope = make_envelope(
            ANNUAL_GRADE,
            "performance",
            username,
            career_events.AnnualGradePublished(
                username=username, year=year, grade="excellent", teamwork_score=94
            ),
            now,
        )
        publisher.publish(envelope.SerializeToString(), ANNUAL_GRADE, envelope.id, "")
    finally:
        publisher.close()


class PerformanceProbe:
    """A queue bound like the performance service's, to see what reaches it."""

    def __init__(self, system: System) -> None:
        self.connection = connect(system.bus_url())
        self.channel = self.connection.channel()
        self.queue = BusTopology().declare_service(
            self.channel, "e2e_performance_probe", [TRAINING_COMPLETED]
        )

    def completions(self) -> list[career_events.TrainingCompleted]:
        found = []
        while (message := self.queue.get(no_ack=True)) is not None:
            event = ReceivedEvent.from_bytes(message.body)
            payload = event.payload_as(career_events.TrainingCompleted)
            assert isinstance(payload, career_events.TrainingCompleted)
            found.append(payload)
        return found

    def close(self) -> None:
        self.connection.close()


def test_issue17_promotion_training_mentoring_and_talent_grid(
    system: System, admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    low = unit.code.lower()
    hr_name, lead_name = f"{low}.hr", f"{low}.lead"
    _person(admin, hr_name, unit.code, ["employee", "hr"], unit.head)
    _person(admin, lead_name, unit.code, ["employee"], unit.head)
    team = [f"{low}.team{i}" for i in range(5)]
    for name in team:
        _person(admin, name, unit.code, ["employee"], lead_name)
    hr, lead, mentee = login(hr_name), login(lead_name), login(team[0])
    now = _system_now(admin)

    # C-01: tenure is the post record, team size the Directory, grades performance's events.
    reply = hr.client.put(
        f"/api/v1/career/posts/{lead_name}",
        json={
            "ladder": "management",
            "rung": "specialist",
            "post": "会务专员",
            "started_on": "2022-03-01",
        },
    )
    assert reply.status_code == 200, reply.text
    reply = lead.get(f"/api/v1/career/eligibility/{lead_name}")
    assert reply.status_code == 200, reply.text
    before = reply.json()
    assert before["target_rung"] == "supervisor"
    assert before["eligible"] is False
    assert {c["key"]: c["held"] for c in before["criteria"]} == {
        "tenure_in_post": True,
        "annual_grade": False,
        "teamwork": False,
        "team_size": True,
    }
    assert login(team[1]).get(f"/api/v1/career/eligibility/{lead_name}").status_code == 404

    for year in (now.year - 1, now.year):
        _publish_grade(system, lead_name, year, now)

    def eligible() -> dict[str, Any] | None:
        answer: dict[str, Any] = lead.get(f"/api/v1/career/eligibility/{lead_name}").json()
        # both years arrived: the second one is what raises the priority flag
        return answer if answer["eligible"] and answer["promotion_priority"] else None

    after = eventually(eligible)
    assert all(c["held"] for c in after["criteria"])
    assert [c["key"] for c in after["criteria"]] == [
        "tenure_in_post",
        "annual_grade",
        "teamwork",
        "team_size",
    ]
    assert after["promotion_priority"] is True
    eventually(lambda: inbox_of(lead, "promotion_priority"))

    # C-04 -> P-04: the completion's hours reach performance as an event.
    probe = PerformanceProbe(system)
    try:
        reply = hr.post(
            "/api/v1/career/courses",
            json={
                "title": "保密制度培训",
                "kind": "mandatory",
                "hours": 12,
                "certificate": "保密资格证",
            },
        )
        assert reply.status_code == 201, reply.text
        course = reply.json()
        reply = hr.post(
            f"/api/v1/career/courses/{course['id']}/completions", json={"username": lead_name}
        )
        assert reply.status_code == 201, reply.text
        received: list[career_events.TrainingCompleted] = []

        def arrived() -> bool:
            received.extend(probe.completions())
            return any(p.username == lead_name for p in received)

        eventually(arrived)
        completion = next(p for p in received if p.username == lead_name)
        assert (completion.hours, completion.certificate, completion.mandatory) == (
            12,
            "保密资格证",
            True,
        )
    finally:
        probe.close()
    hours = lead.get(f"/api/v1/career/training/{lead_name}").json()
    assert (hours["mandatory_hours"], hours["mandatory_required"]) == (12, 40)

    # C-05: a week short of 2 hours is reminded once the clock passes it.
    reply = hr.post("/api/v1/career/mentorships", json={"mentor": lead_name, "mentee": team[0]})
    assert reply.status_code == 201, reply.text
    mentorship = reply.json()
    bad = lead.post(f"/api/v1/career/mentorships/{mentorship['id']}/sessions", json={"hours": -1})
    assert bad.status_code == 422, bad.text
    reply = lead.post(
        f"/api/v1/career/mentorships/{mentorship['id']}/sessions",
        json={"hours": 1.5, "note": "工作复盘"},
    )
    assert reply.status_code == 201, reply.text
    assert not inbox_of(mentee, "mentoring_week_short")
    reply = admin.post(
        "/api/v1/testing/clock", json={"advance_seconds": timedelta(days=8).total_seconds()}
    )
    assert reply.status_code == 200, reply.text
    for api in (hr, lead, mentee):
        api.login()  # their tokens expired with the jump
    short = eventually(lambda: inbox_of(mentee, "mentoring_week_short"))
    assert "1.5" in str(short[0]["body"])
    assert eventually(lambda: inbox_of(lead, "mentoring_week_short"))

    # C-07: the nine-box grid as SVG, names only for those allowed.
    year = now.year
    for name, potential in ((lead_name, 3), (team[1], 2)):
        reply = hr.client.put(
            f"/api/v1/career/talent-review/{year}/people/{name}", json={"potential": potential}
        )
        assert reply.status_code == 200, reply.text
        assert reply.json()["box"] == (3 if name == lead_name else 4)
    grid = hr.get(f"/api/v1/career/talent-review/{year}.svg")
    assert grid.status_code == 200, grid.text
    assert grid.headers["content-type"].startswith("image/svg+xml")
    assert grid.text.startswith("<svg")
    assert f"员工{lead_name[-4:]}" in grid.text
    own = mentee.get(f"/api/v1/career/talent-review/{year}.svg")
    assert f"员工{lead_name[-4:]}" not in own.text
    review = mentee.get(f"/api/v1/career/talent-review/{year}").json()
    assert review["placements"] == []
    assert sum(b["count"] for b in review["boxes"]) >= 2

    # Bad input: clear 4xx, nothing changes.
    reply = hr.post(
        "/api/v1/career/vacancies",
        json={"title": "会议组织专员", "department_code": unit.code, "quarter": f"{year}-Q4"},
    )
    assert reply.status_code == 201, reply.text
    vacancy = reply.json()
    refused = login(team[2]).post(f"/api/v1/career/vacancies/{vacancy['id']}/applications", json={})
    assert refused.status_code == 422, refused.text
    assert "tenure_in_post" in refused.text
    assert "transfer_assessment" in refused.text
    assert hr.post(f"/api/v1/career/vacancies/{vacancy['id']}/close").status_code == 200
    closed = login(team[2]).post(f"/api/v1/career/vacancies/{vacancy['id']}/applications", json={})
    assert closed.status_code == 409, closed.text
    holder = hr.client.put(
        f"/api/v1/career/succession/{unit.code}-HEAD",
        json={
            "holder": unit.head,
            "successors": [{"username": unit.head, "readiness": "ready_now"}],
        },
    )
    assert holder.status_code == 422, holder.text
    assert hr.get(f"/api/v1/career/succession/{unit.code}-HEAD").status_code == 404
