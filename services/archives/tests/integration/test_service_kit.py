"""The archives service built by the service kit: every background worker runs
on the clock it was given (ENGINEERING rule 8, issue 11) and the API answers
over a real channel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from archives_testkit import ARCHIVIST, FakeApprovals, FakeDirectory, FakeDocuments

from archives.bootstrap import MIGRATIONS, ArchivesApp, build
from archives.settings import ArchivesSettings
from secretariat.archives.v1 import archives_pb2 as pb
from secretariat.archives.v1 import archives_pb2_grpc
from secretariat_shared.bus import BusTopology
from secretariat_shared.clock import Clock, OffsetFileClock
from secretariat_shared.migrations import upgrade
from secretariat_shared.testing import (
    GrpcServerFactory,
    assert_workers_follow_clock,
    service_settings,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def make_app(database_url: str, bus_url: str, bus_namespace: str) -> Iterator[object]:
    upgrade(MIGRATIONS, database_url)
    built: list[ArchivesApp] = []

    def make(clock: Clock) -> ArchivesApp:
        app = build(
            service_settings(database_url, bus_url, ArchivesSettings, testing=True),
            clock,
            BusTopology(prefix=bus_namespace),
            directory=FakeDirectory(),
            approvals=FakeApprovals(),
            documents=FakeDocuments(),
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
        "EventConsumer",
    }
    assert_workers_follow_clock(app, clock)


def test_a02_the_built_service_answers_a_search_over_grpc(  # type: ignore[no-untyped-def]
    make_app, grpc_server: GrpcServerFactory, tmp_path: Path
) -> None:
    app = make_app(OffsetFileClock(tmp_path / "clock-offset"))
    for hook in app.wiring.on_serve:
        hook()
    server = grpc_server(app.grpc_service)
    found = archives_pb2_grpc.ArchivesStub(server.channel).ListRecords(
        pb.ListRecordsRequest(q="年终总结"), metadata=server.metadata(ARCHIVIST)
    )
    assert (found.total, list(found.items)) == (0, [])
