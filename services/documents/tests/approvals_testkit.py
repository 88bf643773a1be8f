"""Test kit of the approval engine: an organisation, identities and a harness."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf.message import Message
from sqlalchemy import select

from documents.adapters.orm import platform
from documents.adapters.seal_signer import SealSigner
from documents.bootstrap import MIGRATIONS
from documents.service_layer.approval_commands import StartApproval
from documents.service_layer.approvals import (
    ESCALATION_TIMER,
    REMINDER_TIMER,
    ApprovalEngine,
)
from documents.service_layer.unit_of_work import DocumentsUnitOfWork
from secretariat.common.v1 import notice_pb2
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.clock import ManualClock
from secretariat_shared.db import Database
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.identity import Identity
from secretariat_shared.test_databases import migrate_test_database
from secretariat_shared.testing import FakeDirectory as SharedFakeDirectory
from secretariat_shared.timers import TimerScheduler

M = TypeVar("M", bound=Message)

MONDAY_9AM = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 Beijing time
FRIDAY_3PM = datetime(2026, 3, 6, 7, 0, tzinfo=UTC)  # 15:00 Beijing time

# username: (department, superior, roles)
PEOPLE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "boss.wang": ("", "", ("leader",)),
    "leader.yang": ("", "boss.wang", ("supervising_leader",)),
    "leader.li": ("", "boss.wang", ("supervising_leader",)),
    "hr.head": ("HR", "leader.yang", ("employee",)),
    "hr.staff": ("HR", "hr.head", ("employee",)),
    "hr.clerk": ("HR", "hr.head", ("employee",)),
    "hr.officer": ("HR", "hr.head", ("employee", "hr")),
    "fin.head": ("FIN", "leader.yang", ("employee", "finance")),
    "fin.clerk": ("FIN", "fin.head", ("employee", "finance")),
    "off.director": ("OFF", "leader.li", ("employee", "office_director")),
    "discipline.wu": ("OFF", "off.director", ("employee", "discipline")),
    "sec.head": ("SEC", "leader.li", ("employee", "secretariat")),
    "sec.clerk": ("SEC", "sec.head", ("employee", "secretariat")),
    "committee.chen": ("HR", "hr.head", ("employee", "committee")),
    "admin": ("", "", ("admin",)),
    "outsider": ("FIN", "fin.head", ("employee",)),
    "rep.zhou": ("FIN", "fin.head", ("employee", "employee_representative")),
}
DEPARTMENTS: dict[str, tuple[str, str]] = {
    "HR": ("hr.head", "leader.yang"),
    "FIN": ("fin.head", "leader.yang"),
    "OFF": ("off.director", "leader.li"),
    "SEC": ("sec.head", "leader.li"),
}


class OrgDirectory(SharedFakeDirectory):
    """The shared fake Directory over the organisation above; tests may change it."""

    def __init__(self) -> None:
        super().__init__(demo=False)
        for name, (dept, boss, roles) in PEOPLE.items():
            self.add_person(name, dept, superior=boss)
            for role in roles:
                self.roles.setdefault(role, []).append(name)
        for code, (head, leader) in DEPARTMENTS.items():
            self.add_department(code, code, head, leader)


def who(username: str) -> Identity:
    """The identity the gateway would sign for ``username``."""
    dept, _, roles = PEOPLE[username]
    heads = frozenset(code for code, (head, _) in DEPARTMENTS.items() if head == username)
    supervises = frozenset(code for code, (_, lead) in DEPARTMENTS.items() if lead == username)
    return Identity(
        username=username,
        name=username,
        department_code=dept,
        roles=frozenset(roles),
        headed_departments=heads,
        supervised_departments=supervises,
    )


SERVICE = Identity(username="service:facilities", name="facilities", kind="service")


@dataclass
class FakeOrganisation:
    """The routing Organisation for pure unit tests."""

    directory: OrgDirectory = field(default_factory=OrgDirectory)
    away: dict[str, tuple[datetime, datetime, str]] = field(default_factory=dict)

    def department_head(self, code: str) -> str:
        d = self.directory.department(code)
        return d.head_username if d else ""

    def supervising_leader(self, code: str) -> str:
        d = self.directory.department(code)
        return d.supervising_leader_username if d else ""

    def superior_of(self, username: str) -> str:
        p = self.directory.person(username)
        return p.superior_username if p else ""

    def department_of(self, username: str) -> str:
        p = self.directory.person(username)
        return p.department_code if p else ""

    def role_holders(self, role: str) -> list[str]:
        return self.directory.role_holders(role)

    def exists(self, username: str) -> bool:
        return self.directory.person(username) is not None

    def stand_in(self, username: str, at: datetime) -> str:
        window = self.away.get(username)
        if window and window[0] <= at < window[1]:
            return window[2]
        return ""


def requisition(**overrides: Any) -> StartApproval:
    values: dict[str, Any] = {
        "template": "supply_requisition",
        "subject": "三月办公用品领用",
        "payload_json": '{"items": [{"name": "A4纸", "quantity": 10, "unit": "包"}]}',
        "content": "申请领用A4纸10包，用于部门日常打印。",
    }
    values.update(overrides)
    return StartApproval(**values)


@dataclass
class ApprovalHarness:
    db: Database
    clock: ManualClock
    directory: OrgDirectory
    engine: ApprovalEngine
    scheduler: TimerScheduler
    signer: SealSigner
    calendar: BusinessCalendar

    def events(self, event_type: str, message_type: type[M]) -> list[M]:
        with self.db.reading() as s:
            rows = s.scalars(
                select(platform.outbox.c.envelope)
                .where(platform.outbox.c.event_type == event_type)
                .order_by(platform.outbox.c.id)
            ).all()
        result: list[M] = []
        for row in rows:
            payload = ReceivedEvent.from_bytes(row).payload_as(message_type)
            assert isinstance(payload, message_type)
            result.append(payload)
        return result

    def event_types(self) -> list[str]:
        with self.db.reading() as s:
            return list(
                s.scalars(select(platform.outbox.c.event_type).order_by(platform.outbox.c.id))
            )

    def notices(self, kind: str | None = None) -> list[notice_pb2.Notice]:
        found = self.events("documents.notification.requested", notice_pb2.Notice)
        return [n for n in found if kind is None or n.kind == kind]

    def audit(self, entity_id: str) -> list[dict[str, Any]]:
        table = platform.audit_log
        with self.db.reading() as s:
            rows = s.execute(
                select(table).where(table.c.entity_id == entity_id).order_by(table.c.id)
            ).mappings()
            return [dict(r) for r in rows]

    def fire_due_timers(self) -> int:
        return self.scheduler.run_once()


def make_approval_harness(
    database_url: str, start: datetime = MONDAY_9AM, migrate: bool = True
) -> ApprovalHarness:
    if migrate:
        migrate_test_database(MIGRATIONS, database_url)
    db = Database(database_url)
    clock = ManualClock(start)
    directory = OrgDirectory()
    calendar = BusinessCalendar()
    signer = SealSigner.ephemeral()

    def uow() -> DocumentsUnitOfWork:
        return DocumentsUnitOfWork(db, platform, "documents", clock)

    engine = ApprovalEngine(uow, directory, calendar, clock, db, signer)
    scheduler = TimerScheduler(
        db,
        platform,
        clock,
        {REMINDER_TIMER: engine.on_step_reminder, ESCALATION_TIMER: engine.on_step_escalation},
        uow,
        "documents",
    )
    return ApprovalHarness(db, clock, directory, engine, scheduler, signer, calendar)
