"""The career service built by the service kit: every background worker runs on
the clock it was given (ENGINEERING rule 8, issue 11), the API answers over a
real channel, and starting the service schedules the quarterly vacancy
reminder (C-02) on that clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from career_testkit import HR, FakeApprovals, FakeDirectory
from sqlalchemy import select

from career.adapters.orm import platform
from career.bootstrap import MIGRATIONS, CareerApp, build
from career.settings import CareerSettings
from secretariat.career.v1 import career_pb2 as pb
from secretariat.career.v1 import career_pb2_grpc
from secretariat_shared.bus import BusTopology
from secretariat_shared.clock import Clock, ManualClock, OffsetFileClock
from secretariat_shared.migrations import upgrade
from secretariat_shared.testing import (
    GrpcServerFactory,
    assert_workers_follow_clock,
    service_settings,
)

pytestmark = pytest.mark.integration


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.fixture
def make_app(database_url: str, bus_url: str, bus_namespace: str) -> Iterator[object]:
    upgrade(MIGRATIONS, database_url)
    built: list[CareerApp] = []

    def make(clock: Clock) -> CareerApp:
        app = build(
            service_settings(database_url, bus_url, CareerSettings, testing=True),
            clock,
            BusTopology(prefix=bus_namespace),
            directory=FakeDirectory(),
            approvals=FakeApprovals(),
        )
        built.append(app)
        return app

    yield make
    for app in built:
        app.db.dispose()


def test_rule8_moving_the_testing_clock_moves_every_worker(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clock = OffsetFileClock(tmp_path / "clock-offset")
    app = make_app(clock)
    assert {type(w).__name__ for w in app.workers} == {
        "OutboxRelay",
        "TimerScheduler",
        "CalendarFeed",
        "EventConsumer",
    }
    assert_workers_follow_clock(app, clock)


def test_c02_starting_the_service_schedules_the_quarterly_vacancy_reminder(  # type: ignore[no-untyped-def]
    make_app, grpc_server: GrpcServerFactory
) -> None:
    clock = ManualClock(datetime(2026, 5, 11, 1, 0, tzinfo=UTC))
    app = make_app(clock)
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
