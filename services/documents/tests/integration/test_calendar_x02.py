"""SPEC X-02 in the documents service: a step whose clock runs over a year
with no holiday data counts weekends only and says so (API and events); when
the year's schedule arrives as ``directory.calendar.updated`` the running
service installs it and moves the step's deadline and timer past the holiday.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from approvals_testkit import make_approval_harness, requisition, who
from documents.adapters.orm import platform
from documents.bootstrap import MIGRATIONS, DocumentsApp, build
from documents.entrypoints.grpc_servicer import document_to_proto
from documents.service_layer.approval_deadlines import ApprovalDeadlines
from documents.service_layer.approvals import ESCALATION_TIMER, REMINDER_TIMER
from documents.service_layer.commands import RegisterDocument
from documents.service_layer.unit_of_work import DocumentsUnitOfWork
from documents_testkit import HR_CLERK, FakeDirectory
from secretariat.directory.v1 import events_pb2 as directory_events
from secretariat.documents.v1 import events_pb2
from secretariat_shared.bus import BusTopology, EventPublisher, OutgoingEvent
from secretariat_shared.calendar_sync import CALENDAR_UPDATED, YEARS_WITHOUT_DATA, year_to_proto
from secretariat_shared.clock import ManualClock
from secretariat_shared.events import ReceivedEvent, make_envelope
from secretariat_shared.grpc_server import RunningService
from secretariat_shared.holiday_schedule import LOADED, YearSchedule
from secretariat_shared.identity import generate_keypair
from secretariat_shared.settings import ServiceSettings
from secretariat_shared.test_databases import migrate_test_database
from secretariat_shared.timers import TimerStore

pytestmark = pytest.mark.integration

T = TypeVar("T")
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A stand-in for the State Council's 2027 notice: Spring Festival (除夕 is
# Friday 5 February... the holiday runs Saturday 6 to Sunday 14 February).
SCHEDULE_2027 = YearSchedule(
    2027,
    holidays={date(2027, 1, 1): "元旦"}
    | {date(2027, 2, 6) + timedelta(days=i): "春节" for i in range(9)},
    workdays={date(2027, 2, 20): "春节"},
    source=LOADED,
    updated_by="admin",
)
# Friday 5 February 2027, 10:00 in Beijing: the last working day before the holiday.
LAST_WORKING_DAY = datetime(2027, 2, 5, 10, tzinfo=SHANGHAI).astimezone(UTC)
WEEKENDS_ONLY_DUE = datetime(2027, 2, 8, 10, tzinfo=SHANGHAI).astimezone(UTC)
AFTER_HOLIDAY_DUE = datetime(2027, 2, 15, 10, tzinfo=SHANGHAI).astimezone(UTC)


def eventually(check: Callable[[], T | None], timeout: float = 15.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


@pytest.fixture
def topology(bus_namespace: str) -> BusTopology:
    return BusTopology(prefix=f"{bus_namespace}.")


@pytest.fixture
def running(database_url: str, bus_url: str, topology: BusTopology) -> Iterator[DocumentsApp]:
    """The documents service with its workers, on the embedded bus, in 2027."""
    migrate_test_database(MIGRATIONS, database_url)
    settings = ServiceSettings(
        database_url=database_url,
        amqp_url=bus_url,
        identity_public_key=generate_keypair()[1],
        internal_token_secret="internal-secret-for-tests-0123456789",
        testing=True,
        grpc_port=0,
        relay_interval=0.1,
        scheduler_interval=0.1,
    )
    clock = ManualClock(LAST_WORKING_DAY)
    app = build(settings, clock=clock, directory=FakeDirectory(), topology=topology)
    service = RunningService(app.grpc_service).start()
    yield app
    service.stop()
    app.db.dispose()


def _register(app: DocumentsApp) -> str:
    document = app.register.register(
        HR_CLERK,
        RegisterDocument(
            title="关于春节假期值班安排的通知",
            type_code="04",
            department_code="HR",
            security_class="internal",
            retention="10y",
            priority="routine",
        ),
    )
    return document.id


def _step(app: DocumentsApp, document_id: str) -> object:
    document = app.register.get(HR_CLERK, document_id)
    return document_to_proto(document, app.register.due_provisional).steps[-1]


def _timer_due(app: DocumentsApp, step_id: str) -> datetime:
    timers = platform.timers
    with app.db.reading() as session:
        rows = session.execute(
            select(timers.c.key, timers.c.due_at).where(
                timers.c.key.like(f"%{step_id}%"), timers.c.kind == "document_step_due"
            )
        ).all()
    return max(row.due_at for row in rows)


def _assigned_events(app: DocumentsApp) -> list[object]:
    with app.db.reading() as session:
        rows = session.execute(
            select(platform.outbox.c.envelope).where(
                platform.outbox.c.event_type == "documents.step.assigned"
            )
        ).scalars()
        return [
            ReceivedEvent.from_bytes(bytes(r)).payload_as(events_pb2.StepAssigned) for r in rows
        ]


def _publish_schedule(app: DocumentsApp, topology: BusTopology, schedule: YearSchedule) -> None:
    """What the gateway's relay does after an administrator loads the year."""
    envelope = make_envelope(
        CALENDAR_UPDATED,
        "gateway",
        f"calendar-year:{schedule.year}",
        directory_events.CalendarUpdated(year=year_to_proto(schedule)),
        datetime.now(UTC),
    )
    publisher = EventPublisher(app.settings.amqp_url, topology)
    try:
        publisher.publish_batch(
            [OutgoingEvent(envelope.SerializeToString(), CALENDAR_UPDATED, envelope.id, "")]
        )
    finally:
        publisher.close()


def _deliver_until_moved(app: DocumentsApp, topology: BusTopology, document_id: str) -> object:
    """Publish the 2027 schedule until the step's deadline is no longer provisional
    (the consumer may still be declaring its queue; redelivery is harmless, rule 5)."""

    def moved() -> object | None:
        _publish_schedule(app, topology, SCHEDULE_2027)
        current = _step(app, document_id)
        # The calendar learns the year before the step is recomputed in the database:
        # wait for both, not for the flag alone (it is computed when read).
        recomputed = current.due_at.ToDatetime(tzinfo=UTC) == AFTER_HOLIDAY_DUE  # type: ignore[attr-defined]
        return current if recomputed and current.due_provisional is False else None  # type: ignore[attr-defined]

    return eventually(moved)


def test_x02_step_on_last_working_day_before_spring_festival_2027_is_due_after_the_holiday(
    running: DocumentsApp,
) -> None:
    assert running.calendar is not None
    running.calendar.schedules.put(SCHEDULE_2027)
    document_id = _register(running)
    step = _step(running, document_id)
    assert step.due_at.ToDatetime(tzinfo=UTC) == AFTER_HOLIDAY_DUE  # type: ignore[attr-defined]
    assert step.due_provisional is False  # type: ignore[attr-defined]
    [assigned] = _assigned_events(running)
    assert assigned.due_provisional is False  # type: ignore[attr-defined]


def test_x02_without_2027_data_the_deadline_is_provisional_until_the_schedule_arrives(
    running: DocumentsApp, topology: BusTopology
) -> None:
    assert running.calendar_feed is not None
    running.calendar_feed.refresh()
    assert YEARS_WITHOUT_DATA.labels("documents")._value.get() == 1  # the alert's condition

    document_id = _register(running)
    step = _step(running, document_id)
    assert step.due_at.ToDatetime(tzinfo=UTC) == WEEKENDS_ONLY_DUE  # type: ignore[attr-defined]
    assert step.due_provisional is True  # type: ignore[attr-defined]
    [assigned] = _assigned_events(running)
    assert assigned.due_provisional is True  # type: ignore[attr-defined]
    step_id = step.id  # type: ignore[attr-defined]
    assert _timer_due(running, step_id) == WEEKENDS_ONLY_DUE

    current = _deliver_until_moved(running, topology, document_id)
    assert current.due_at.ToDatetime(tzinfo=UTC) == AFTER_HOLIDAY_DUE  # type: ignore[attr-defined]
    assert _timer_due(running, step_id) == AFTER_HOLIDAY_DUE
    with running.db.reading() as session:
        moved_events = session.execute(
            select(platform.outbox.c.event_type).where(
                platform.outbox.c.event_type == "documents.step.deadline_moved"
            )
        ).all()
    assert len(moved_events) == 1
    running.calendar_feed.refresh()
    assert YEARS_WITHOUT_DATA.labels("documents")._value.get() == 0


def test_x02_a_step_marked_overdue_on_a_provisional_deadline_is_reopened_when_it_moves(
    running: DocumentsApp, topology: BusTopology
) -> None:
    document_id = _register(running)
    step_id = _step(running, document_id).id  # type: ignore[attr-defined]
    clock = running.clock
    assert isinstance(clock, ManualClock)
    clock.set(WEEKENDS_ONLY_DUE + timedelta(minutes=1))
    eventually(lambda: _step(running, document_id).overdue)  # type: ignore[attr-defined]

    current = _deliver_until_moved(running, topology, document_id)
    assert current.overdue is False  # type: ignore[attr-defined]
    assert _timer_due(running, step_id) == AFTER_HOLIDAY_DUE


def test_x02_approval_step_over_spring_festival_is_provisional_then_moved_with_its_timers(
    database_url: str,
) -> None:
    harness = make_approval_harness(database_url, start=LAST_WORKING_DAY)
    deadlines = ApprovalDeadlines(harness.calendar, harness.clock, TimerStore(platform))
    try:
        approval = harness.engine.start(who("hr.staff"), requisition())
        step = approval.current_step()
        assert step is not None
        assert step.due_at == WEEKENDS_ONLY_DUE
        assert deadlines.due_provisional(approval, step)
        [opened] = harness.events("documents.approval.step_opened", events_pb2.ApprovalStepOpened)
        assert opened.due_provisional is True

        harness.calendar.schedules.put(SCHEDULE_2027)
        with DocumentsUnitOfWork(harness.db, platform, "documents", harness.clock) as uow:
            assert deadlines.recompute(uow, 2027) == 1
            uow.commit()
        moved = harness.engine.get(who("hr.staff"), approval.id)
        step = moved.current_step()
        assert step is not None
        assert step.due_at == AFTER_HOLIDAY_DUE
        assert step.escalate_at == datetime(2027, 2, 16, 10, tzinfo=SHANGHAI).astimezone(UTC)
        assert not deadlines.due_provisional(moved, step)
        timers = platform.timers
        with harness.db.reading() as session:
            due = dict(
                session.execute(
                    select(timers.c.kind, timers.c.due_at).where(
                        timers.c.key.like(f"approval:{approval.id}:%")
                    )
                ).all()
            )
        assert due == {REMINDER_TIMER: step.due_at, ESCALATION_TIMER: step.escalate_at}
    finally:
        harness.db.dispose()


def test_d05_d10_escalation_and_flow_clocks_move_with_the_2027_schedule(
    running: DocumentsApp,
) -> None:
    """X-02 for the clocks D-05 and D-10 add: the step's 48-hour escalation and the
    document's 24-hour flow deadline are recomputed with the step's due time."""
    document_id = _register(running)
    document = running.register.get(HR_CLERK, document_id)
    step = document.current_step()
    assert step is not None
    assert document.flow_due_at == WEEKENDS_ONLY_DUE
    assert step.escalate_at == datetime(2027, 2, 9, 10, tzinfo=SHANGHAI).astimezone(UTC)
    assert running.calendar is not None
    running.calendar.schedules.put(SCHEDULE_2027)
    uow = DocumentsUnitOfWork(running.db, platform, "documents", running.clock)
    with uow:
        running.register.recompute_deadlines(uow, 2027)
        uow.commit()
    document = running.register.get(HR_CLERK, document_id)
    step = document.current_step()
    assert step is not None
    assert document.flow_due_at == AFTER_HOLIDAY_DUE
    assert step.escalate_at == datetime(2027, 2, 16, 10, tzinfo=SHANGHAI).astimezone(UTC)
    timers = platform.timers
    with running.db.reading() as session:
        due = dict(
            session.execute(
                select(timers.c.kind, timers.c.due_at).where(
                    timers.c.kind.in_(["document_flow_due", "document_step_escalation"]),
                    timers.c.fired_at.is_(None),
                )
            ).all()
        )
    assert due["document_flow_due"] == AFTER_HOLIDAY_DUE
    assert due["document_step_escalation"] == step.escalate_at
