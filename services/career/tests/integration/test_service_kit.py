"""The career service built by the service kit: every background worker runs on
the clock it was given (ENGINEERING rule 8, issue 11), the API answers over a
real channel, and starting the service schedules the quarterly vacancy
reminder (C-02) on that clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from career_testkit import HR, FakeDirectory
from sqlalchemy import select

from career.adapters.orm import platform
from career.bootstrap import MIGRATIONS, CareerApp, build
from career.settings import CareerSettings
from secretariat.career.v1 import career_pb2 as pb
from secretariat.career.v1 import career_pb2_grpc
from secretariat_shared.clock import Clock, ManualClock, OffsetFileClock
from secretariat_shared.testing import (
    FakeApprovals,
    GrpcServerFactory,
    ServiceAppFactory,
    assert_workers_follow_clock,
)

pytestmark = pytest.mark.integration


def _career(service_app: ServiceAppFactory, clock: Clock) -> CareerApp:
    fakes = {"directory": FakeDirectory(), "approvals": FakeApprovals()}
    return service_app(build, MIGRATIONS, clock, CareerSettings, **fakes)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_rule8_moving_the_testing_clock_moves_every_worker(
    service_app: ServiceAppFactory, tmp_path: Path
) -> None:
    clock = OffsetFileClock(tmp_path / "clock-offset")
    app = _career(service_app, clock)
    workers = {type(w).__name__ for w in app.workers}
    assert workers == {"OutboxRelay", "TimerScheduler", "CalendarFeed", "EventConsumer"}
    assert_workers_follow_clock(app, clock)


def test_c02_starting_the_service_schedules_the_quarterly_vacancy_reminder(
    service_app: ServiceAppFactory, grpc_server: GrpcServerFactory
) -> None:
    app = _career(service_app, ManualClock(datetime(2026, 5, 11, 1, 0, tzinfo=UTC)))
    for hook in app.wiring.on_serve:
        hook()
        hook()
    with app.db.reading() as session:
        timers = session.execute(
            select(platform.timers.c.key, platform.timers.c.due_at).where(
                platform.timers.c.kind == "career.vacancies.quarterly"
            )
        ).all()
    assert [(key, _utc(due)) for key, due in timers] == [
        ("vacancies:2026-Q3", datetime(2026, 7, 1, 1, 0, tzinfo=UTC))
    ]
    server = grpc_server(app.grpc_service)
    ladders = career_pb2_grpc.CareerStub(server.channel).ListLadders(
        pb.ListLaddersRequest(), metadata=server.metadata(HR)
    )
    assert [ladder.key for ladder in ladders.items] == ["management", "professional"]
