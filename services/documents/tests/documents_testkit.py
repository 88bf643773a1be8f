"""Test kit of the documents service: a fake Directory, people and a harness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from google.protobuf.message import Message
from sqlalchemy import select

from documents.adapters.approval_repository import ApprovalRepository
from documents.adapters.orm import platform
from documents.bootstrap import MIGRATIONS
from documents.domain.approvals.model import Absence
from documents.service_layer.register import (
    FLOW_DUE_TIMER,
    STEP_DUE_TIMER,
    STEP_ESCALATION_TIMER,
    DocumentRegister,
)
from documents.service_layer.unit_of_work import DocumentsUnitOfWork
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.clock import ManualClock
from secretariat_shared.db import Database
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.identity import Identity
from secretariat_shared.test_databases import migrate_test_database
from secretariat_shared.testing import FakeDirectory as SharedFakeDirectory
from secretariat_shared.timers import TimerScheduler

M = TypeVar("M", bound=Message)


def person(
    username: str,
    dept: str,
    *roles: str,
    heads: tuple[str, ...] = (),
    supervises: tuple[str, ...] = (),
) -> Identity:
    return Identity(
        username=username,
        name=username,
        department_code=dept,
        roles=frozenset(roles or ("employee",)),
        headed_departments=frozenset(heads),
        supervised_departments=frozenset(supervises),
    )


HR_CLERK = person("hr.clerk", "HR")
HR_HEAD = person("hr.head", "HR", heads=("HR",))
FIN_HEAD = person("fin.head", "FIN", heads=("FIN",))
FIN_CLERK = person("fin.clerk", "FIN")
SEC_CLERK = person("sec.clerk", "SEC", "secretariat")
ARCHIVIST = person("sec.archivist", "SEC", "secretariat")
DISCIPLINE = person("discipline.wu", "", "discipline")
CONFIDENTIAL_CLERK = person("sec.mi", "SEC", "employee", "confidential_clerk")
HR_LEADER = person("leader.yang", "", "supervising_leader", supervises=("HR",))
IT_HEAD = person("it.head", "IT", heads=("IT",))
TOP_LEADER = person("leader.wang", "", "leader")


@dataclass
class Harness:
    db: Database
    clock: ManualClock
    directory: FakeDirectory
    register: DocumentRegister
    scheduler: TimerScheduler

    def at(self, when: datetime) -> int:
        """Move the clock to ``when`` and fire every timer then due."""
        self.clock.set(when.astimezone(UTC))
        return self.scheduler.run_once()

    def advance(self, **delta: float) -> int:
        return self.at(self.clock.now() + timedelta(**delta))

    def away(self, username: str, delegate: str, days: int = 30) -> None:
        """D-09: ``username`` is away from now for ``days`` days; ``delegate`` stands in."""
        now = self.clock.now()
        with self.db.write_session() as session, session.begin():
            ApprovalRepository(session).add_absence(
                Absence(
                    id=f"absence-{username}",
                    username=username,
                    start=now,
                    end=now + timedelta(days=days),
                    delegate_username=delegate,
                    created_at=now,
                )
            )

    def events(self, event_type: str, message: type[M]) -> list[M]:
        with self.db.reading() as s:
            rows = s.execute(
                select(platform.outbox.c.envelope)
                .where(platform.outbox.c.event_type == event_type)
                .order_by(platform.outbox.c.id)
            ).scalars()
            return [ReceivedEvent.from_bytes(r).payload_as(message) for r in rows]  # type: ignore[misc]

    def audit_actions(self, entity_id: str) -> list[str]:
        t = platform.audit_log
        with self.db.reading() as s:
            return list(
                s.scalars(select(t.c.action).where(t.c.entity_id == entity_id).order_by(t.c.id))
            )

    def outbox_types(self) -> list[str]:

        with self.db.reading() as s:
            return list(
                s.scalars(select(platform.outbox.c.event_type).order_by(platform.outbox.c.id))
            )


class FakeDirectory(SharedFakeDirectory):
    """The shared fake Directory with the documents tests' organisation."""

    def __init__(self) -> None:
        super().__init__(demo=False)
        for code, name in (("HR", "人力资源部"), ("FIN", "财务部"), ("SEC", "秘书处")):
            self.add_department(code, name, f"{code.lower()}.head")
        for name, dept in [
            ("hr.head", "HR"),
            ("hr.clerk", "HR"),
            ("hr.staff", "HR"),
            ("fin.head", "FIN"),
            ("fin.clerk", "FIN"),
            ("sec.head", "SEC"),
            ("sec.clerk", "SEC"),
            ("sec.archivist", "SEC"),
            ("sec.mi", "SEC"),
            ("discipline.wu", ""),
            ("leader.li", ""),
            ("outsider", "FIN"),
        ]:
            self.add_person(name, dept)
        self.roles = {
            "secretariat": ["sec.archivist", "sec.clerk"],
            "confidential_clerk": ["sec.mi"],
        }


def make_harness(database_url: str) -> Harness:
    migrate_test_database(MIGRATIONS, database_url)
    db = Database(database_url)
    # Monday 2026-03-02 09:00 Beijing time.
    clock = ManualClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    directory = FakeDirectory()

    def uow() -> DocumentsUnitOfWork:
        return DocumentsUnitOfWork(db, platform, "documents", clock)

    register = DocumentRegister(uow, directory, BusinessCalendar(), clock, db)
    scheduler = TimerScheduler(
        db,
        platform,
        clock,
        {
            STEP_DUE_TIMER: register.on_step_due,
            STEP_ESCALATION_TIMER: register.on_step_escalation,
            FLOW_DUE_TIMER: register.on_flow_due,
        },
        uow,
        "documents",
    )
    return Harness(db, clock, directory, register, scheduler)
