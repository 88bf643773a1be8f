"""Test kit of the meetings service: a fake Directory, people, a harness and helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from google.protobuf.message import Message
from sqlalchemy import select

from meetings.adapters.orm import platform
from meetings.bootstrap import MIGRATIONS, UseCases, build_use_cases
from meetings.domain.model import Meeting, Room
from meetings.service_layer.commands import AgendaItemInput, CreateRoom, MeetingInput
from meetings.service_layer.common import Context
from meetings.service_layer.unit_of_work import MeetingsUnitOfWork
from secretariat.common.v1 import notice_pb2
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.clock import ManualClock
from secretariat_shared.db import Database
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.identity import Identity
from secretariat_shared.test_databases import migrate_test_database
from secretariat_shared.testing import FakeDirectory as SharedFakeDirectory
from secretariat_shared.timers import TimerScheduler, TimerStore

M = TypeVar("M", bound=Message)
SURVEY_KEY = b"meetings-tests-survey-key"
ZONE = ZoneInfo("Asia/Shanghai")
# Monday 2026-03-02 09:00 Beijing time.
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def person(username: str, dept: str, *roles: str, heads: tuple[str, ...] = ()) -> Identity:
    return Identity(
        username=username,
        name=username,
        department_code=dept,
        roles=frozenset(roles or ("employee",)),
        headed_departments=frozenset(heads),
    )


SEC_CLERK = person("sec.clerk", "SEC", "employee", "secretariat")
HR_HEAD = person("hr.head", "HR", heads=("HR",))
HR_CLERK = person("hr.clerk", "HR")
HR_STAFF = person("hr.staff", "HR")
FIN_HEAD = person("fin.head", "FIN", heads=("FIN",))
FIN_CLERK = person("fin.clerk", "FIN")
IT_TECH = person("it.wang", "IT", "employee", "it_support")
OUTSIDER = person("fin.outsider", "FIN")
DIRECTOR = person("director.zhao", "SEC", "employee", "office_director")


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A Beijing wall-clock time as an aware datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=ZONE)


class FakeDirectory(SharedFakeDirectory):
    """The shared fake Directory with the meetings tests' organisation."""

    def __init__(self) -> None:
        super().__init__(demo=False)
        for code, name in [
            ("HR", "人力资源部"),
            ("FIN", "财务部"),
            ("SEC", "秘书处"),
            ("IT", "信息技术部"),
        ]:
            self.add_department(code, name, f"{code.lower()}.head")
        for name, dept in [
            ("sec.clerk", "SEC"),
            ("sec.head", "SEC"),
            ("director.zhao", "SEC"),
            ("hr.head", "HR"),
            ("hr.clerk", "HR"),
            ("hr.staff", "HR"),
            ("fin.head", "FIN"),
            ("fin.clerk", "FIN"),
            ("fin.outsider", "FIN"),
            ("it.wang", "IT"),
            ("leader.li", ""),
        ]:
            self.add_person(name, dept)
        self.roles = {"secretariat": ["sec.clerk"]}


@dataclass
class Harness:
    db: Database
    clock: ManualClock
    directory: FakeDirectory
    uc: UseCases
    scheduler: TimerScheduler

    # -- time ---------------------------------------------------------------------

    def at(self, when: datetime) -> int:
        """Move the clock to ``when`` and fire every timer then due."""
        self.clock.set(when.astimezone(UTC))
        return self.scheduler.run_once()

    def advance(self, **delta: float) -> int:
        return self.at(self.clock.now() + timedelta(**delta))

    # -- set-up ---------------------------------------------------------------------

    def room(
        self, name: str = "第一会议室", capacity: int = 20, video: bool = False, **kw: Any
    ) -> Room:
        return self.uc.planner.create_room(
            SEC_CLERK,
            CreateRoom(
                name=name,
                capacity=capacity,
                video_capable=video,
                location=str(kw.get("location", "行政楼3层")),
                equipment=list(kw.get("equipment", ["projector"])),
            ),
        )

    def schedule(self, actor: Identity = HR_CLERK, **kw: Any) -> Meeting:
        return self.uc.planner.schedule(actor, meeting_input(**kw))

    # -- what happened ----------------------------------------------------------------

    def events(self, event_type: str, message: type[M]) -> list[M]:
        with self.db.reading() as s:
            rows = s.execute(
                select(platform.outbox.c.envelope)
                .where(platform.outbox.c.event_type == event_type)
                .order_by(platform.outbox.c.id)
            ).scalars()
            return [ReceivedEvent.from_bytes(r).payload_as(message) for r in rows]  # type: ignore[misc]

    def event_types(self) -> list[str]:
        with self.db.reading() as s:
            return list(
                s.scalars(select(platform.outbox.c.event_type).order_by(platform.outbox.c.id))
            )

    def notices(self, kind: str | None = None) -> list[notice_pb2.Notice]:
        found = self.events("meetings.notification.requested", notice_pb2.Notice)
        return [n for n in found if kind is None or n.kind == kind]

    def notified(self, kind: str) -> list[str]:
        return sorted(r for n in self.notices(kind) for r in n.recipients)

    def audit_actions(self, entity_id: str) -> list[str]:
        t = platform.audit_log
        with self.db.reading() as s:
            return list(
                s.scalars(select(t.c.action).where(t.c.entity_id == entity_id).order_by(t.c.id))
            )


def meeting_input(**kw: Any) -> MeetingInput:
    values: dict[str, Any] = {
        "topic": "2026年第一季度工作部署会",
        "type": "decision",
        "goals": "明确一季度重点任务与责任分工",
        "start_at": local(2026, 3, 12, 9, 0),
        "duration_minutes": 60,
        "participants": ["hr.staff", "fin.clerk"],
        "agenda": [
            AgendaItemInput(title="一季度重点任务", presenter="hr.head", minutes_allotted=20),
            AgendaItemInput(title="预算执行情况", presenter="fin.clerk", minutes_allotted=20),
        ],
    }
    values.update(kw)
    return MeetingInput(**values)


def make_harness(database_url: str) -> Harness:
    migrate_test_database(MIGRATIONS, database_url)
    db = Database(database_url)
    clock = ManualClock(START)
    directory = FakeDirectory()

    def uow() -> MeetingsUnitOfWork:
        return MeetingsUnitOfWork(db, platform, "meetings", clock)

    uc = build_use_cases(
        Context(
            uow=uow,
            db=db,
            directory=directory,
            clock=clock,
            calendar=BusinessCalendar(),
            zone=ZONE,
            timers=TimerStore(platform),
            survey_key=SURVEY_KEY,
            public_url="https://oa.example.cn",
        )
    )
    scheduler = TimerScheduler(db, platform, clock, uc.timer_handlers(), uow, "meetings")
    return Harness(db, clock, directory, uc, scheduler)
