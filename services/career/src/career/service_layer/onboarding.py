"""New hires get a mentor (SPEC C-05, issue 17).

The gateway's directory announces each new person (``directory.person.changed``
with change ``created``). A new hire with a department is recorded and HR is
asked to name a mentor within :data:`MENTOR_DUE_WORKING_DAYS` working days
(business calendar, X-02). A timer at that deadline checks for a new-hire
mentorship; without one HR is reminded again, together with the HR
department's head, once. Assigning the new-hire mentorship closes the check.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from career.adapters.records import TIMERS
from career.service_layer.common import REMINDERS, Context
from secretariat.directory.v1 import events_pb2 as directory_events
from secretariat_shared.directory_sync import PERSON_CHANGED
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

log = logging.getLogger(__name__)

NEW_HIRE_TIMER = "career.new_hire.mentor_due"
NEW_HIRE_KIND = "new_hire"
MENTOR_DUE_WORKING_DAYS = 5
CREATED = "created"
# The deadline check's outcomes exported from the start, like the weekly one's.
for _outcome in ("met", "breached"):
    REMINDERS.labels(NEW_HIRE_TIMER, _outcome)

__all__ = [
    "MENTOR_DUE_WORKING_DAYS",
    "NEW_HIRE_TIMER",
    "PERSON_CHANGED",
    "Onboarding",
    "close_new_hire",
]


def _timer_key(username: str) -> str:
    return f"new-hire:{username}"


def _ref(username: str) -> str:
    return f"career/files/{username}"


def close_new_hire(uow: UnitOfWork, username: str, mentorship_id: str) -> None:
    """A new-hire mentorship was assigned: the open check (if any) closes."""
    new_hires = Context.records(uow).new_hires
    row = new_hires.of(username)
    if row is None or row["state"] == "closed":
        return
    new_hires.close(username, {"mentorship_id": mentorship_id, "closed_at": uow.clock.now()})
    TIMERS.cancel(uow.session, _timer_key(username), uow.clock.now())


class Onboarding:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _name(self, username: str) -> str:
        person = self.ctx.directory.person(username)
        return person.name if person is not None and person.name else username

    def on_person_changed(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """C-05: a person created with a department is a new hire; ask HR for a mentor."""
        payload = event.payload_as(directory_events.PersonChanged)
        assert isinstance(payload, directory_events.PersonChanged)
        username = payload.username
        if payload.change != CREATED or not username:
            return
        departments = [c for c in payload.department_codes if c]
        if not departments:
            return
        new_hires = self.ctx.records(uow).new_hires
        if new_hires.of(username) is not None or self._mentored(uow, username):
            return
        now = uow.clock.now()
        due = self.ctx.calendar.add_working_days(now, MENTOR_DUE_WORKING_DAYS)
        new_hires.add_row(
            {
                "username": username,
                "department_code": departments[0],
                "due_at": due,
                "state": "open",
                "mentorship_id": None,
                "created_at": now,
                "closed_at": None,
            },
        )
        TIMERS.schedule(
            uow.session, NEW_HIRE_TIMER, _timer_key(username), due, {"username": username}
        )
        self.ctx.notify(
            uow,
            self.ctx.directory.role_holders(Role.HR),
            "new_hire_mentor",
            "新员工导师指定",
            f"新员工 {self._name(username)} 入职，请为其指定导师（C-05）。",
            _ref(username),
            due,
        )

    def _mentored(self, uow: UnitOfWork, username: str) -> dict[str, Any] | None:
        """The person's new-hire mentorship, if one was assigned."""
        return self.ctx.records(uow).mentorships.of_kind(username, NEW_HIRE_KIND)

    def _hr_heads(self, hr: list[str]) -> list[str]:
        """Heads of the departments HR's role holders work in."""
        heads: list[str] = []
        for username in hr:
            person = self.ctx.directory.person(username)
            code = person.department_code if person is not None else ""
            department = self.ctx.directory.department(code) if code else None
            if department is not None and department.head_username:
                heads.append(department.head_username)
        return heads

    def on_mentor_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """C-05: the deadline passed; no new-hire mentorship reminds HR and its head, once."""
        username = firing.payload["username"]
        ref = _ref(username)
        new_hires = self.ctx.records(uow).new_hires
        row = new_hires.of(username)
        if row is None or row["state"] != "open":
            self.ctx.fired(uow, NEW_HIRE_TIMER, ref, "met", [])
            return
        mentorship = self._mentored(uow, username)
        if mentorship is not None or self.ctx.directory.person(username) is None:
            new_hires.close(
                username,
                {
                    "mentorship_id": mentorship["id"] if mentorship else None,
                    "closed_at": uow.clock.now(),
                },
            )
            self.ctx.fired(uow, NEW_HIRE_TIMER, ref, "met", [])
            return
        hr = self.ctx.directory.role_holders(Role.HR)
        due: datetime = row["due_at"]
        told = self.ctx.notify(
            uow,
            [*hr, *self._hr_heads(hr)],
            "new_hire_mentor_overdue",
            "新员工导师尚未指定",
            f"新员工 {self._name(username)} 入职已满{MENTOR_DUE_WORKING_DAYS}个工作日仍未指定导师，"
            "请尽快指定（C-05，每名新员工配导师6个月）。",
            ref,
            due,
        )
        new_hires.reminded(username)
        self.ctx.fired(uow, NEW_HIRE_TIMER, ref, "breached", told)
