"""Test kit of the career service: a fake Directory (with a team of five
under the supervisor candidate), a fake approval engine, people, and a
harness wired like the real service on a manual clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from career.adapters.orm import platform
from career.bootstrap import MIGRATIONS, CareerUseCases, timer_handlers, use_cases
from career.service_layer.common import Context
from secretariat.career.v1 import events_pb2 as career_events
from secretariat.common.v1 import notice_pb2
from secretariat_shared.clock import ManualClock
from secretariat_shared.db import Database
from secretariat_shared.events import ReceivedEvent, make_envelope
from secretariat_shared.test_databases import migrate_test_database
from secretariat_shared.testing import FakeApprovals, notices_in, outbox_events, person
from secretariat_shared.testing import FakeDirectory as SharedFakeDirectory
from secretariat_shared.timers import TimerScheduler
from secretariat_shared.uow import UnitOfWork

HR = person("hr.officer", "HR", "employee", "hr")
HEAD = person("sec.head", "SEC")
LEAD = person("sec.lead", "SEC")  # the supervisor candidate, leads five
STAFF = person("sec.staff1", "SEC")
NEWBIE = person("sec.new", "SEC")
OUTSIDER = person("fin.clerk", "FIN")
LEADER = person("leader.li", "", "supervising_leader")


class FakeDirectory(SharedFakeDirectory):
    """SEC with ``sec.lead`` leading five, FIN and HR (``hr.officer`` holds ``hr``)."""

    def __init__(self) -> None:
        super().__init__(demo=False)
        for code, name, head in [
            ("SEC", "秘书处", "sec.head"),
            ("FIN", "财务部", "fin.head"),
            ("HR", "人力资源部", "hr.head"),
        ]:
            self.add_department(code, name, head)
        for username, dept, superior in [
            ("sec.head", "SEC", "leader.li"),
            ("sec.lead", "SEC", "sec.head"),
            *[(f"sec.staff{i}", "SEC", "sec.lead") for i in range(1, 6)],
            ("sec.new", "SEC", "sec.lead"),
            ("fin.head", "FIN", "leader.li"),
            ("fin.clerk", "FIN", "fin.head"),
            ("hr.head", "HR", "leader.li"),
            ("hr.officer", "HR", "hr.head"),
            ("leader.li", "", ""),
        ]:
            self.add_person(username, dept, superior, name=f"姓名{username}")
        self.roles["hr"] = ["hr.officer"]

    def direct_reports(self, username: str) -> list[str]:
        return sorted(p.username for p in self.people.values() if p.superior_username == username)


@dataclass
class Harness:
    db: Database
    clock: ManualClock
    directory: FakeDirectory
    approvals: FakeApprovals
    cases: CareerUseCases
    scheduler: TimerScheduler

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, platform, "career", self.clock)

    def deliver(
        self, handler: Any, event_type: str, payload: Any, source: str = "performance"
    ) -> None:
        envelope = make_envelope(event_type, source, "s", payload, self.clock.now())
        event = ReceivedEvent.from_bytes(envelope.SerializeToString())
        with self.uow() as uow:
            handler(uow, event)
            uow.commit()

    def grade(self, username: str, year: int, grade: str, teamwork: float = 0.0) -> None:
        self.deliver(
            self.cases.promotions.on_annual_grade,
            "performance.annual_grade.published",
            career_events.AnnualGradePublished(
                username=username, year=year, grade=grade, teamwork_score=teamwork
            ),
        )

    def decide(self, source_ref: str, outcome: str = "approved") -> None:
        event = self.approvals.completed(source_ref, "career", self.clock.now(), outcome)
        with self.uow() as uow:
            self.cases.approvals.on_approval_completed(uow, event)
            uow.commit()

    def run_timers(self) -> int:
        return self.scheduler.run_once()

    def advance(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta).total_seconds())
        self.run_timers()

    def outbox(self) -> list[tuple[str, ReceivedEvent]]:
        return outbox_events(self.db, platform)

    def event_types(self) -> list[str]:
        return [t for t, _ in self.outbox()]

    def notices(self, kind: str | None = None) -> list[notice_pb2.Notice]:
        return notices_in(self.outbox(), "career", kind)


def make_harness(database_url: str, start: datetime | None = None) -> Harness:
    migrate_test_database(MIGRATIONS, database_url)
    db = Database(database_url)
    # Monday 2026-03-02 09:00 Beijing time.
    clock = ManualClock(start or datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    directory = FakeDirectory()
    approvals = FakeApprovals()

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(db, platform, "career", clock)

    ctx = Context(uow_factory, db, clock, directory, approvals)
    cases = use_cases(ctx)
    scheduler = TimerScheduler(db, platform, clock, timer_handlers(cases), uow_factory, "career")
    return Harness(db, clock, directory, approvals, cases, scheduler)
