"""Test kit of the facilities service: a fake Directory, a fake approval
engine, people, and a harness wired like the real service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from facilities.adapters.orm import platform
from facilities.adapters.qr import qr_png
from facilities.bootstrap import MIGRATIONS, timer_handlers
from facilities.service_layer.common import Context
from facilities.service_layer.incidents import Incidents
from facilities.service_layer.outcomes import ApprovalOutcomes
from facilities.service_layer.ports import ApprovalRequest, ApprovalsUnavailable
from facilities.service_layer.repairs import Repairs
from facilities.service_layer.sites import Sites
from facilities.service_layer.supplies import PutItem, Supplies
from facilities.service_layer.travel import Travel
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork
from secretariat.common.v1 import notice_pb2
from secretariat.documents.v1 import events_pb2 as documents_events
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.clock import ManualClock
from secretariat_shared.db import Database
from secretariat_shared.errors import FieldError, ValidationFailed
from secretariat_shared.events import ReceivedEvent, make_envelope
from secretariat_shared.identity import Identity
from secretariat_shared.test_databases import migrate_test_database
from secretariat_shared.testing import FakeDirectory as SharedFakeDirectory
from secretariat_shared.timers import TimerScheduler

CODE_KEY = b"facilities-test-key-0123456789abcdef"


def person(username: str, dept: str, *roles: str, heads: tuple[str, ...] = ()) -> Identity:
    return Identity(
        username=username,
        name=username,
        department_code=dept,
        roles=frozenset(roles or ("employee",)),
        headed_departments=frozenset(heads),
    )


EMPLOYEE = person("hr.staff", "HR")
OTHER_EMPLOYEE = person("hr.clerk", "HR")
HR_HEAD = person("hr.head", "HR", "employee", heads=("HR",))
STOREKEEPER = person("sec.store", "SEC", "employee", "secretariat")
FINANCE = person("fin.clerk", "FIN", "employee", "finance")
DIRECTOR = person("off.director", "OFF", "employee", "office_director")
IT = person("it.engineer", "IT", "employee", "it_support")
OUTSIDER = person("fin.outsider", "FIN")


class FakeDirectory(SharedFakeDirectory):
    """The shared fake Directory with the facilities tests' organisation."""

    def __init__(self) -> None:
        super().__init__(demo=False)
        self.add_department("HR", "人力资源部", "hr.head")
        self.add_department("SEC", "秘书处", "sec.head")
        for name, dept in [
            ("hr.staff", "HR"),
            ("hr.clerk", "HR"),
            ("hr.head", "HR"),
            ("sec.store", "SEC"),
            ("fin.clerk", "FIN"),
            ("off.director", "OFF"),
            ("it.engineer", "IT"),
            ("fin.outsider", "FIN"),
        ]:
            self.add_person(name, dept)
        self.roles = {
            "secretariat": ["sec.store"],
            "finance": ["fin.clerk"],
            "office_director": ["off.director"],
            "it_support": ["it.engineer"],
        }


@dataclass
class FakeApprovals:
    """Records what was started; the test decides the outcome with :meth:`Harness.decide`.

    Idempotent on ``source_ref`` like the engine. ``unavailable`` calls fail
    as an engine that cannot be reached; with ``lose_answers`` they start the
    approval first (the answer is lost on the way back). ``on_start`` sees
    every request before it is answered.
    """

    started: list[tuple[str, ApprovalRequest]] = field(default_factory=list)
    refuse: str = ""
    unavailable: int = 0
    lose_answers: bool = False
    calls: int = 0
    on_start: Callable[[ApprovalRequest], None] | None = None

    def start(self, request: ApprovalRequest) -> str:
        self.calls += 1
        if self.on_start is not None:
            self.on_start(request)
        if self.refuse:
            raise ValidationFailed(FieldError("approval.payload", self.refuse))
        if self.unavailable and not self.lose_answers:
            self.unavailable -= 1
            raise ApprovalsUnavailable("the approval engine cannot be reached")
        existing = [a for a, r in self.started if r.source_ref == request.source_ref]
        approval_id = existing[0] if existing else f"approval-{len(self.started) + 1}"
        if not existing:
            self.started.append((approval_id, request))
        if self.unavailable:
            self.unavailable -= 1
            raise ApprovalsUnavailable("the answer was lost")
        return approval_id

    def for_ref(self, source_ref: str) -> tuple[str, ApprovalRequest]:
        return next((a, r) for a, r in self.started if r.source_ref == source_ref)


@dataclass
class Harness:
    db: Database
    clock: ManualClock
    directory: FakeDirectory
    approvals: FakeApprovals
    supplies: Supplies
    repairs: Repairs
    sites: Sites
    travel: Travel
    incidents: Incidents
    outcomes: ApprovalOutcomes
    scheduler: TimerScheduler

    def uow(self) -> FacilitiesUnitOfWork:
        return FacilitiesUnitOfWork(self.db, platform, "facilities", self.clock)

    def decide(self, source_ref: str, outcome: str = "approved") -> ReceivedEvent:
        """Deliver ``documents.approval.completed`` as the engine would."""
        approval_id, request = self.approvals.for_ref(source_ref)
        payload = documents_events.ApprovalCompleted(
            approval=documents_events.ApprovalRef(
                approval_id=approval_id,
                template=request.template,
                subject=request.subject,
                requester=request.requester_username,
                source_service="facilities",
                source_ref=source_ref,
            ),
            outcome=outcome,
        )
        envelope = make_envelope(
            "documents.approval.completed", "documents", approval_id, payload, self.clock.now()
        )
        event = ReceivedEvent.from_bytes(envelope.SerializeToString())
        self.deliver(event)
        return event

    def deliver(self, event: ReceivedEvent) -> None:
        with self.uow() as uow:
            self.outcomes.on_approval_completed(uow, event)
            uow.commit()

    def outbox(self) -> list[tuple[str, Any]]:
        with self.db.reading() as s:
            rows = s.execute(
                select(platform.outbox.c.event_type, platform.outbox.c.envelope).order_by(
                    platform.outbox.c.id
                )
            ).all()
        return [(t, ReceivedEvent.from_bytes(e)) for t, e in rows]

    def event_types(self) -> list[str]:
        return [t for t, _ in self.outbox()]

    def notices(self, kind: str | None = None) -> list[notice_pb2.Notice]:
        found = []
        for event_type, event in self.outbox():
            if event_type == "facilities.notification.requested":
                notice = event.payload_as(notice_pb2.Notice)
                assert isinstance(notice, notice_pb2.Notice)
                if kind is None or notice.kind == kind:
                    found.append(notice)
        return found

    def advance(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta).total_seconds())

    def stock(self, code: str) -> int:
        return self.supplies.list_stock(STOREKEEPER, code).items[0].on_hand

    def add_item(self, code: str = "A4-PAPER", price: int = 2500, **kw: Any) -> None:
        values: dict[str, Any] = {
            "code": code,
            "name": kw.pop("name", f"物品{code}"),
            "unit": kw.pop("unit", "包"),
            "supplier": kw.pop("supplier", "晨光文具"),
            "agreed_price_fen": price,
        }
        values.update(kw)
        self.supplies.put_item(STOREKEEPER, PutItem(**values))


def make_harness(database_url: str, start: datetime | None = None) -> Harness:
    migrate_test_database(MIGRATIONS, database_url)
    db = Database(database_url)
    # Monday 2026-03-02 09:00 Beijing time.
    clock = ManualClock(start or datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    directory = FakeDirectory()
    approvals = FakeApprovals()

    def uow() -> FacilitiesUnitOfWork:
        return FacilitiesUnitOfWork(db, platform, "facilities", clock)

    ctx = Context(uow, db, clock, BusinessCalendar(), directory, approvals)
    supplies = Supplies(ctx, CODE_KEY, timedelta(days=7), qr_png)
    repairs = Repairs(ctx)
    sites = Sites(ctx)
    travel = Travel(ctx)
    incidents = Incidents(ctx)
    scheduler = TimerScheduler(
        db,
        platform,
        clock,
        timer_handlers(supplies, repairs, sites, incidents, travel),
        uow,
        "facilities",
    )
    return Harness(
        db,
        clock,
        directory,
        approvals,
        supplies,
        repairs,
        sites,
        travel,
        incidents,
        ApprovalOutcomes(supplies, travel),
        scheduler,
    )
