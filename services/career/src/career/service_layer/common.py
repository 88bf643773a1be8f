"""What every career use case shares: the context, people and access
(X-03), notices (X-06) and the record of timer firings (X-05)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from prometheus_client import Counter

from career.adapters.records import CareerRecords
from career.domain.access import is_hr, may_read_person
from career.service_layer.ports import Approvals, CareerDirectory
from secretariat.career.v1 import events_pb2 as career_events
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from secretariat_shared.identity import Identity
from secretariat_shared.notices import Notifier
from secretariat_shared.uow import UnitOfWork

SERVICE = "career"
REMINDER_FIRED = "career.reminder.fired"

REMINDERS = Counter(
    "secretariat_career_reminders_total",
    "Career timers fired (X-05), by kind and outcome (met, breached, reminded)",
    ["kind", "outcome"],
)
# The weekly mentoring check's outcomes exported from the start: the C-05 panel reads 0.
for _outcome in ("met", "breached"):
    REMINDERS.labels("career.mentoring.week", _outcome)


def new_id() -> str:
    return str(uuid.uuid4())


def parse_day(value: str, field: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(FieldError(field, "must be a date YYYY-MM-DD")) from None
    if not 1950 <= day.year <= 2100:
        raise ValidationFailed(FieldError(field, "must be a date between 1950 and 2100"))
    return day


def iso(value: datetime | None) -> str | None:
    """RFC 3339 in UTC for the answer dicts."""
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Context:
    uow: Callable[[], UnitOfWork]
    db: Database
    clock: Clock
    directory: CareerDirectory
    approvals: Approvals
    timezone: str = "Asia/Shanghai"
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    """The organisation's working days (X-02), kept current by the kit's feed."""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @contextmanager
    def read(self) -> Iterator[CareerRecords]:
        with self.db.reading() as session:
            yield CareerRecords(session)

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    def at_midnight(self, day: date) -> datetime:
        """The start of ``day`` in the organisation's zone, as an aware UTC time."""
        return datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)

    # -- people -------------------------------------------------------------

    def known(self, username: str, field: str = "username") -> None:
        if self.directory.person(username) is None:
            raise NotFound(f"no person {username}")

    def superiors(self, username: str) -> list[str]:
        """The superior chain (X-03): the direct superior first and upwards,
        then the department's head and the leader supervising it."""
        chain: list[str] = []
        person = self.directory.person(username)
        if person is None:
            return chain
        current = person
        for _ in range(12):
            boss = current.superior_username
            if not boss or boss in chain or boss == username:
                break
            chain.append(boss)
            above = self.directory.person(boss)
            if above is None:
                break
            current = above
        code = person.department_code
        department = self.directory.department(code) if code else None
        if department is not None:
            chain += [department.head_username, department.supervising_leader_username]
        return list(dict.fromkeys(c for c in chain if c and c != username))

    def may_read(self, actor: Identity, username: str) -> bool:
        if actor.username == username or is_hr(actor.roles):
            return True
        return may_read_person(actor.username, actor.roles, username, self.superiors(username))

    def check_read(self, actor: Identity, username: str) -> None:
        """X-03: a person's career data; a denied read looks like a missing one."""
        if not self.may_read(actor, username) or self.directory.person(username) is None:
            raise NotFound(f"no career data for {username}")

    @staticmethod
    def require_hr(actor: Identity) -> None:
        if not is_hr(actor.roles):
            raise PermissionDenied("only HR may do this")

    # -- notices and timer records ---------------------------------------------

    @property
    def notify(self) -> Notifier:
        """X-06: an inbox item for each recipient still in the organisation
        (infohub turns the event into them)."""
        return Notifier(SERVICE, self.directory)

    @staticmethod
    def fired(
        uow: UnitOfWork, kind: str, subject_ref: str, outcome: str, recipients: list[str]
    ) -> None:
        """X-05: every timer firing is a metric and an event."""
        uow.emit(
            REMINDER_FIRED,
            subject_ref,
            career_events.ReminderFired(
                kind=kind, subject_ref=subject_ref, outcome=outcome, recipients=recipients
            ),
        )
        uow.after_commit(lambda: REMINDERS.labels(kind, outcome).inc())

    @staticmethod
    def records(uow: UnitOfWork) -> CareerRecords:
        return CareerRecords(uow.session)
