"""What every performance use case shares: time, the calendar, people, notices."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from performance.adapters.orm import platform
from performance.domain.periods import Period
from performance.service_layer.ports import Approvals, Directory
from secretariat.common.v1 import notice_pb2
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.timers import TimerStore
from secretariat_shared.uow import UnitOfWork

SERVICE = "performance"
NOTICE_EVENT = "performance.notification.requested"


@dataclass
class Context:
    uow_factory: Callable[[], UnitOfWork]
    db: Database
    clock: Clock
    calendar: BusinessCalendar
    directory: Directory
    approvals: Approvals

    @property
    def timers(self) -> TimerStore:
        return _TIMERS

    def now(self) -> datetime:
        return self.clock.now()

    def window(self, period: Period) -> tuple[datetime, datetime]:
        """The period as UTC instants [start, end) in the organisation's days."""
        return (
            self.calendar.start_of_day(period.start),
            self.calendar.start_of_day(period.end + timedelta(days=1)),
        )

    def local_date(self, moment: datetime) -> date:
        return self.calendar.local_date(moment)

    def superior_chain(self, username: str, limit: int = 10) -> list[str]:
        """The person's superiors upwards; a person without a superior reports to
        their department's head (X-01)."""
        chain: list[str] = []
        current = username
        for _ in range(limit):
            person = self.directory.person(current)
            if person is None:
                break
            boss = person.superior_username
            if not boss and person.department_code:
                dept = self.directory.department(person.department_code)
                boss = dept.head_username if dept else ""
            if not boss or boss in (current, username) or boss in chain:
                break
            chain.append(boss)
            current = boss
        return chain

    def department_of(self, username: str) -> str:
        person = self.directory.person(username)
        return person.department_code if person else ""

    def holders(self, *roles: str) -> list[str]:
        people: set[str] = set()
        for role in roles:
            people.update(self.directory.role_holders(role))
        return sorted(people)

    def notify(
        self,
        uow: UnitOfWork,
        recipients: Iterable[str],
        kind: str,
        title: str,
        body: str,
        subject_ref: str,
        due_at: datetime | None = None,
    ) -> None:
        """SPEC X-06: infohub turns the notice into inbox items."""
        people = sorted({r for r in recipients if r})
        if not people:
            return
        notice = notice_pb2.Notice(
            recipients=people, kind=kind, title=title, body=body, subject_ref=subject_ref
        )
        if due_at is not None:
            notice.due_at.FromDatetime(due_at.astimezone(UTC))
        uow.emit(NOTICE_EVENT, subject_ref, notice)

    def local(self, moment: datetime) -> str:
        return moment.astimezone(self.calendar.zone).strftime("%Y-%m-%d %H:%M")


_TIMERS = TimerStore(platform)
