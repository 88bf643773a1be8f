"""The archives service built by the service kit: every background worker runs
on the clock it was given (ENGINEERING rule 8, issue 11) and the API answers
over a real channel."""

from __future__ import annotations

from pathlib import Path

import pytest
from archives_testkit import ARCHIVIST, FakeDirectory, FakeDocuments

from archives.bootstrap import MIGRATIONS, ArchivesApp, build
from archives.settings import ArchivesSettings
from secretariat.archives.v1 import archives_pb2 as pb
from secretariat.archives.v1 import archives_pb2_grpc
from secretariat_shared.clock import OffsetFileClock
from secretariat_shared.testing import (
    FakeApprovals,
    GrpcServerFactory,
    ServiceAppFactory,
    assert_workers_follow_clock,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def app(service_app: ServiceAppFactory, tmp_path: Path) -> ArchivesApp:
    fakes = {"approvals": FakeApprovals(), "documents": FakeDocuments()}
    clock = OffsetFileClock(tmp_path / "clock-offset")
    return service_app(
        build, MIGRATIONS, clock, ArchivesSettings, directory=FakeDirectory(), **fakes
    )


def test_rule8_moving_the_testing_clock_moves_every_worker(app: ArchivesApp) -> None:
    assert {type(w).__name__ for w in app.workers} == {
        "OutboxRelay",
        "TimerScheduler",
        "EventConsumer",
    }
    assert isinstance(app.clock, OffsetFileClock)
    assert_workers_follow_clock(app, app.clock)


def test_a02_the_built_service_answers_a_search_over_grpc(
    app: ArchivesApp, grpc_server: GrpcServerFactory
) -> None:
    for hook in app.wiring.on_serve:
        hook()
    server = grpc_server(app.grpc_service)
    found = archives_pb2_grpc.ArchivesStub(server.channel).ListRecords(
        pb.ListRecordsRequest(q="年终总结"), metadata=server.metadata(ARCHIVIST)
    )
    assert (found.total, list(found.items)) == (0, [])
