"""C-05 (issue 17): every new hire gets a mentor. The directory's
``directory.person.changed`` (created, with a department) asks HR to name a
mentor within 5 working days; without a new-hire mentorship by then HR and
the HR head are reminded once; assigning one in time closes the check."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from career_testkit import HR, Harness

from career.adapters.orm import platform
from career.bootstrap import subscriptions
from secretariat.directory.v1 import events_pb2 as directory_events
from secretariat_shared.bus import BusTopology
from secretariat_shared.directory_sync import PERSON_CHANGED
from secretariat_shared.events import make_envelope
from secretariat_shared.testing import deliver_over_bus

pytestmark = pytest.mark.integration

HIRE = "sec.hire"


def _changed(
    change: str, departments: tuple[str, ...] = ("SEC",)
) -> directory_events.PersonChanged:
    return directory_events.PersonChanged(
        username=HIRE, change=change, roles=["employee"], department_codes=list(departments)
    )


def _announce(h: Harness, change: str = "created", departments: tuple[str, ...] = ("SEC",)) -> None:
    h.directory.add_person(HIRE, "SEC", "sec.lead", name="王小新")
    h.deliver(
        h.cases.onboarding.on_person_changed,
        PERSON_CHANGED,
        _changed(change, departments),
        source="gateway",
    )


def test_c05_created_person_asks_hr_for_a_mentor_with_a_due_time(harness: Harness) -> None:
    _announce(harness)
    [notice] = harness.notices("new_hire_mentor")
    assert list(notice.recipients) == [HR.username]
    assert "新员工 王小新 入职，请为其指定导师（C-05）" in notice.body
    # Monday 2026-03-02 + 5 working days: the end of Monday 2026-03-09, Beijing time.
    assert notice.due_at.ToDatetime(tzinfo=UTC) == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)


def test_c05_no_mentor_after_5_working_days_reminds_hr_and_its_head_once(
    harness: Harness,
) -> None:
    _announce(harness)
    harness.advance(days=4)
    assert harness.notices("new_hire_mentor_overdue") == []
    harness.advance(days=4)  # Tuesday 2026-03-10: the 5th working day has ended
    [reminder] = harness.notices("new_hire_mentor_overdue")
    assert sorted(reminder.recipients) == ["hr.head", HR.username]
    assert "王小新" in reminder.body
    assert "未指定导师" in reminder.body
    harness.advance(days=30)
    assert len(harness.notices("new_hire_mentor_overdue")) == 1


def test_c05_mentor_assigned_in_time_means_no_reminder(harness: Harness) -> None:
    _announce(harness)
    harness.advance(days=2)
    harness.cases.mentoring.create(HR, "sec.staff1", HIRE, "new_hire", "")
    harness.advance(days=10)
    assert harness.notices("new_hire_mentor_overdue") == []


def test_c05_person_already_mentored_when_announced_needs_no_notice(harness: Harness) -> None:
    harness.directory.add_person(HIRE, "SEC", "sec.lead", name="王小新")
    harness.cases.mentoring.create(HR, "sec.staff1", HIRE, "new_hire", "")
    _announce(harness)
    harness.advance(days=10)
    assert harness.notices("new_hire_mentor") == []
    assert harness.notices("new_hire_mentor_overdue") == []


def test_c05_changed_person_or_one_without_department_is_no_new_hire(harness: Harness) -> None:
    _announce(harness, change="changed")
    _announce(harness, change="deactivated")
    _announce(harness, departments=())
    harness.advance(days=10)
    assert harness.notices("new_hire_mentor") == []
    assert harness.notices("new_hire_mentor_overdue") == []


def test_c05_person_created_arrives_over_the_bus_once(
    harness: Harness, bus_url: str, bus_namespace: str
) -> None:
    harness.directory.add_person(HIRE, "SEC", "sec.lead", name="王小新")
    created = make_envelope(
        PERSON_CHANGED, "gateway", HIRE, _changed("created"), harness.clock.now()
    )
    settled = deliver_over_bus(
        bus_url,
        BusTopology(prefix=f"{bus_namespace}."),
        subscriptions(harness.cases),
        [created],  # published twice: a duplicate delivery
        service="career",
        db=harness.db,
        tables=platform,
        clock=harness.clock,
    )
    assert settled == 2
    assert len(harness.notices("new_hire_mentor")) == 1
    harness.advance(days=8)
    assert len(harness.notices("new_hire_mentor_overdue")) == 1
