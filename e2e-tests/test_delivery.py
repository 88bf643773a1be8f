"""Events survive a stopped consumer and a moved clock; each applies exactly once."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from e2ekit import Api, document, eventually, inbox_of, new_unit
from run_system import System

pytestmark = pytest.mark.e2e


def test_x06_consumer_down_during_registrations_then_every_event_applied_once(
    system: System, admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    clerk, head = login(unit.clerk), login(unit.head)
    system.stop_process("infohub")
    numbers = []
    try:
        for i in range(15):
            reply = clerk.post(
                "/api/v1/documents", json=document(unit.code, title=f"停机期间登记{i}")
            )
            assert reply.status_code == 201, reply.text
            numbers.append(reply.json()["number"])
    finally:
        system.start_process("infohub")
        system.wait_ready(60)
    items = eventually(
        lambda: len(inbox_of(head, "document_step_assigned")) >= 15 and inbox_of(head)
    )
    time.sleep(1.5)
    items = inbox_of(head, "document_step_assigned")
    assert len(items) == 15
    assert sorted({str(i["title"]).split()[0].split("：")[1] for i in items}) == sorted(numbers)


def test_x05_moving_the_clock_fires_the_overdue_reminder_once(
    system: System, admin: Api, login: Callable[..., Api]
) -> None:
    unit = new_unit(admin)
    clerk, head = login(unit.clerk), login(unit.head)
    created = clerk.post("/api/v1/documents", json=document(unit.code, priority="urgent")).json()
    eventually(lambda: inbox_of(head, "document_step_assigned"))
    reply = admin.post("/api/v1/testing/clock", json={"advance_seconds": 3 * 3600})
    assert reply.status_code == 200, reply.text
    head.login()
    overdue = eventually(lambda: inbox_of(head, "document_step_overdue"))
    assert created["number"] in str(overdue[0]["title"])
    time.sleep(2.5)
    assert len(inbox_of(head, "document_step_overdue")) == 1
    fetched = head.get(f"/api/v1/documents/{created['id']}").json()
    assert any(s["overdue"] for s in fetched["steps"])
