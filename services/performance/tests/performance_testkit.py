"""Test kit of the performance service: a fake Directory and approval engine,
events as the other services send them, and a harness wired like the service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import select

from performance.adapters.orm import platform
from performance.bootstrap import MIGRATIONS, timer_handlers
from performance.service_layer.appeals import Appeals
from performance.service_layer.appraisal import Appraisals
from performance.service_layer.context import Context
from performance.service_layer.followups import FollowUps
from performance.service_layer.intake import FactIntake
from performance.service_layer.ports import ApprovalRequest
from performance.service_layer.rotation_reviews import ROTATION_COMPLETED, RotationReviews
from secretariat.common.v1 import notice_pb2
from secretariat.documents.v1 import events_pb2 as documents
from secretariat.meetings.v1 import events_pb2 as meetings
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.clock import ManualClock
from secretariat_shared.db import Database
from secretariat_shared.directory import DepartmentInfo, PersonInfo
from secretariat_shared.events import ReceivedEvent, make_envelope
from secretariat_shared.identity import Identity
from secretariat_shared.test_databases import migrate_test_database
from secretariat_shared.timers import TimerScheduler
from secretariat_shared.uow import UnitOfWork


def person(username: str, dept: str = "OPS", *roles: str) -> Identity:
    return Identity(
        username=username,
        name=username,
        department_code=dept,
        roles=frozenset(roles or ("employee",)),
    )


HR = person("hr.officer", "HR", "employee", "hr")
HEAD = person("ops.head", "OPS")
ALICE = person("ops.alice")
BOB = person("ops.bob")
CAROL = person("ops.carol")
DAN = person("ops.dan")
OUTSIDER = person("fin.eve", "FIN")
DISCIPLINE = person("dis.officer", "DIS", "employee", "discipline")


class FakeDirectory:
    def __init__(self) -> None:
        self.departments = {
            "OPS": DepartmentInfo("OPS", "运营部", "ops.head", "leader.li"),
            "FIN": DepartmentInfo("FIN", "财务部", "fin.head", "leader.li"),
            "HR": DepartmentInfo("HR", "人力资源部", "hr.head", "leader.li"),
        }
        self.people = {
            p.username: PersonInfo(p.username, p.username, p.department_code, "")
            for p in (HR, HEAD, ALICE, BOB, CAROL, DAN, OUTSIDER, DISCIPLINE)
        }
        self.people["ops.head"] = PersonInfo("ops.head", "ops.head", "OPS", "leader.li")
        self.people["leader.li"] = PersonInfo("leader.li", "leader.li", "LEAD", "")
        self.roles = {
            "hr": ["hr.officer"],
            "committee": ["committee.chair"],
            "discipline": ["dis.officer"],
            "employee_representative": ["ops.carol"],
        }

    def department(self, code: str) -> DepartmentInfo | None:
        return self.departments.get(code)

    def person(self, username: str) -> PersonInfo | None:
        return self.people.get(username)

    def role_holders(self, role: str) -> list[str]:
        return list(self.roles.get(role, []))


@dataclass
class FakeApprovals:
    started: list[tuple[str, ApprovalRequest]] = field(default_factory=list)

    def start(self, request: ApprovalRequest) -> str:
        approval_id = f"approval-{len(self.started) + 1}"
        self.started.append((approval_id, request))
        return approval_id


@dataclass
class Harness:
    db: Database
    clock: ManualClock
    directory: FakeDirectory
    approvals: FakeApprovals
    appraisals: Appraisals
    appeals: Appeals
    followups: FollowUps
    intake: FactIntake
    scheduler: TimerScheduler
    ctx: Context
    rotation_reviews: RotationReviews

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, platform, "performance", self.clock)

    def deliver(
        self, event_type: str, payload: Message, event_id: str | None = None
    ) -> ReceivedEvent:
        """Deliver an event of another service as the consumer would."""
        envelope = make_envelope(
            event_type, event_type.split(".")[0], "s", payload, self.clock.now(), event_id=event_id
        )
        event = ReceivedEvent.from_bytes(envelope.SerializeToString())
        handlers = [
            h
            for t, h in (
                *self.intake.handlers().items(),
                ("documents.approval.completed", self.appeals.on_approval_completed),
                ("documents.approval.step_approved", self.appeals.on_approval_step_approved),
                ("documents.approval.rejected", self.appeals.on_approval_rejected),
                (ROTATION_COMPLETED, self.rotation_reviews.on_rotation_completed),
            )
            if t == event_type
        ]
        assert handlers, f"no handler for {event_type}"
        with self.uow() as uow:
            for handler in handlers:
                handler(uow, event)
            uow.commit()
        return event

    def approval_ref(self, appeal_id: str) -> documents.ApprovalRef:
        approval_id, request = next(
            (a, r) for a, r in self.approvals.started if r.source_ref == f"appeal:{appeal_id}"
        )
        return documents.ApprovalRef(
            approval_id=approval_id,
            template=request.template,
            requester=request.requester_username,
            source_service="performance",
            source_ref=request.source_ref,
        )

    def panel_approves(self, appeal_id: str, approver: str, step: int = 0) -> None:
        self.deliver(
            "documents.approval.step_approved",
            documents.ApprovalStepApproved(
                approval=self.approval_ref(appeal_id),
                step_index=step,
                approver=approver,
                met_deadline=True,
            ),
        )

    def panel_rejects(self, appeal_id: str, approver: str, reason: str, step: int = 0) -> None:
        self.deliver(
            "documents.approval.rejected",
            documents.ApprovalRejected(
                approval=self.approval_ref(appeal_id),
                step_index=step,
                approver=approver,
                reason=reason,
            ),
        )

    def step_completed(self, who: str, met: bool, event_id: str | None = None) -> ReceivedEvent:
        return self.deliver(
            "documents.step.completed",
            documents.StepCompleted(
                document_id="d",
                step_id=f"s-{self.clock.now().timestamp()}",
                step_kind="proposed_handling",
                completed_by=who,
                met_deadline=met,
            ),
            event_id,
        )

    def survey_closed(
        self, organiser: str, satisfaction: float, dept: str = "OPS"
    ) -> ReceivedEvent:
        return self.deliver(
            "meetings.survey.closed",
            meetings.SurveyClosed(
                meeting=meetings.MeetingRef(
                    meeting_id="m1", topic="周例会", organiser=organiser, department_code=dept
                ),
                responses=4,
                satisfaction=satisfaction,
                target=85,
                target_met=satisfaction >= 85,
            ),
        )

    def decide(self, appeal_id: str, outcome: str) -> None:
        approval_id, request = next(
            (a, r) for a, r in self.approvals.started if r.source_ref == f"appeal:{appeal_id}"
        )
        payload = documents.ApprovalCompleted(
            approval=documents.ApprovalRef(
                approval_id=approval_id,
                template=request.template,
                requester=request.requester_username,
                source_service="performance",
                source_ref=request.source_ref,
            ),
            outcome=outcome,
        )
        self.deliver("documents.approval.completed", payload)

    def outbox(self) -> list[tuple[str, ReceivedEvent]]:
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
            if event_type == "performance.notification.requested":
                notice = event.payload_as(notice_pb2.Notice)
                assert isinstance(notice, notice_pb2.Notice)
                if kind is None or notice.kind == kind:
                    found.append(notice)
        return found

    def advance(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta).total_seconds())
        self.scheduler.run_once()

    def set(self, moment: datetime) -> None:
        self.clock.advance((moment - self.clock.now()).total_seconds())
        self.scheduler.run_once()


def make_harness(database_url: str, start: datetime | None = None) -> Harness:
    migrate_test_database(MIGRATIONS, database_url)
    db = Database(database_url)
    # Monday 2026-11-02 10:00 Beijing time (Q4).
    clock = ManualClock(start or datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    calendar = BusinessCalendar.from_overrides_json("", "Asia/Shanghai")
    directory = FakeDirectory()
    approvals = FakeApprovals()

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(db, platform, "performance", clock)

    ctx = Context(uow_factory, db, clock, calendar, directory, approvals)
    appraisals = Appraisals(ctx)
    appeals = Appeals(ctx, appraisals)
    followups = FollowUps(ctx, appraisals)
    intake = FactIntake(ctx, appraisals)
    rotation_reviews = RotationReviews(ctx)
    scheduler = TimerScheduler(
        db,
        platform,
        clock,
        timer_handlers(appraisals, appeals, followups, rotation_reviews),
        uow_factory,
        "performance",
    )
    return Harness(
        db,
        clock,
        directory,
        approvals,
        appraisals,
        appeals,
        followups,
        intake,
        scheduler,
        ctx,
        rotation_reviews,
    )


def payload_of(event: ReceivedEvent, message: type[Message]) -> Any:
    return event.payload_as(message)
