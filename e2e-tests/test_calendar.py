"""SPEC X-02 end to end: with the testing clock in 2027, an administrator
loads the 2027 holiday schedule through the API while the system runs.

Embedded stack only, as ever. It runs on the shared system after every other
test but the fuzz (conftest ``LAST``): the clock moves into February 2027 and the
2027 holidays are loaded, which no test before it may see.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from e2ekit import Api, document, eventually, new_unit
from run_system import System

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("system", ["embedded"], indirect=True)]
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Friday 5 February 2027, 10:00 in Beijing: the last working day before Spring Festival.
LAST_WORKING_DAY = datetime(2027, 2, 5, 10, tzinfo=SHANGHAI)
WEEKENDS_ONLY_DUE = datetime(2027, 2, 8, 10, tzinfo=SHANGHAI)
AFTER_HOLIDAY_DUE = datetime(2027, 2, 15, 10, tzinfo=SHANGHAI)
# A stand-in for the State Council's notice: the holiday runs 6–14 February.
SCHEDULE_2027 = {
    "holidays": [{"date": "2027-01-01", "name": "元旦"}]
    + [{"date": f"2027-02-{day:02d}", "name": "春节"} for day in range(6, 15)],
    "workdays": [{"date": "2027-02-20", "name": "春节"}],
}


def _move_clock_to(admin: Api, when: datetime) -> None:
    reply = admin.post("/api/v1/testing/clock", json={"advance_seconds": 0})
    now = datetime.fromisoformat(reply.json()["now"])
    reply = admin.post(
        "/api/v1/testing/clock", json={"advance_seconds": (when - now).total_seconds()}
    )
    assert reply.status_code == 200, reply.text


def _gauge(system: System, service: str) -> float:
    url = f"http://127.0.0.1:{system.ports.metrics[service]}/metrics"
    with urllib.request.urlopen(url, timeout=10) as reply:
        text = reply.read().decode()
    label = re.escape(f'service="{service}"')
    pattern = r"^secretariat_calendar_next_year_without_data\{[^}]*" + label + r"[^}]*\} (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else -1.0


def _proposed_handling(api: Api, document_id: str) -> dict[str, object]:
    reply = api.get(f"/api/v1/documents/{document_id}")
    assert reply.status_code == 200, reply.text
    steps: list[dict[str, object]] = reply.json()["steps"]
    return steps[-1]


def _due(step: dict[str, object]) -> datetime:
    """The step's due time to the hour (the system clock keeps running after the move)."""
    due = datetime.fromisoformat(str(step["due_at"])).astimezone(UTC)
    return due.replace(minute=0, second=0, microsecond=0)


def test_x02_spring_festival_2027_provisional_until_loaded_then_due_after_the_holiday(
    system: System, admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    _move_clock_to(admin, LAST_WORKING_DAY)
    admin.login()
    clerk = login(unit.clerk)

    # Without the 2027 schedule: the alert's condition holds and the deadline,
    # counted over weekends only, says it is provisional.
    listing = admin.get("/api/v1/calendar/years").json()
    assert listing["years_without_data_ahead"] == [2027]
    # The jump into 2027 fires every timer the earlier tests left: allow for the burst.
    assert eventually(lambda: _gauge(system, "documents") == 2027, timeout=60)
    assert eventually(lambda: _gauge(system, "directory") == 2027, timeout=60)

    reply = clerk.post("/api/v1/documents", json=document(unit.code))
    assert reply.status_code == 201, reply.text
    early = reply.json()["id"]
    step = _proposed_handling(clerk, early)
    assert step["owners"] == [unit.head]
    assert _due(step) == WEEKENDS_ONLY_DUE
    assert step["due_provisional"] is True

    # The administrator loads the official schedule: no restart, the step moves.
    loaded = admin.client.put("/api/v1/calendar/years/2027", json=SCHEDULE_2027)
    assert loaded.status_code == 200, loaded.text

    def moved() -> dict[str, object] | None:
        current = _proposed_handling(clerk, early)
        return (
            current
            if current["due_provisional"] is False and _due(current) == AFTER_HOLIDAY_DUE
            else None
        )

    step = eventually(moved, timeout=60)
    assert _due(step) == AFTER_HOLIDAY_DUE
    assert eventually(lambda: _gauge(system, "documents") == 0, timeout=60)
    assert admin.get("/api/v1/calendar/years").json()["years_without_data_ahead"] == []

    # With the schedule loaded, a step opened on the last working day before the
    # holiday is due after it, and is not provisional.
    reply = clerk.post("/api/v1/documents", json=document(unit.code))
    assert reply.status_code == 201, reply.text
    step = _proposed_handling(clerk, reply.json()["id"])
    assert _due(step) == AFTER_HOLIDAY_DUE
    assert step["due_provisional"] is False
    assert _due(step) - LAST_WORKING_DAY == timedelta(days=10)
