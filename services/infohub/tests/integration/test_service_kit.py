"""The information hub built by the service kit: its workers follow the clock it
was given, and its API answers over a real channel with the caller's items only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest

from infohub.bootstrap import MIGRATIONS, InfohubApp, build
from secretariat.common.v1 import notice_pb2
from secretariat.infohub.v1 import infohub_pb2, infohub_pb2_grpc
from secretariat_shared.bus import BusTopology
from secretariat_shared.clock import Clock, ManualClock, OffsetFileClock
from secretariat_shared.events import ReceivedEvent, make_envelope
from secretariat_shared.identity import Identity
from secretariat_shared.test_databases import migrate_test_database
from secretariat_shared.testing import (
    GrpcServerFactory,
    assert_workers_follow_clock,
    service_settings,
)

pytestmark = pytest.mark.integration

ALICE = Identity("alice", department_code="HR")
BOB = Identity("bob", department_code="FIN")


@pytest.fixture
def make_app(database_url: str, bus_url: str, bus_namespace: str) -> Iterator[object]:
    migrate_test_database(MIGRATIONS, database_url)
    built: list[InfohubApp] = []

    def make(clock: Clock) -> InfohubApp:
        app = build(
            service_settings(database_url, bus_url), clock, BusTopology(prefix=bus_namespace)
        )
        built.append(app)
        return app

    yield make
    for app in built:
        app.db.dispose()


def test_rule8_moving_the_testing_clock_moves_the_dedupe_purge(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The inbox's consumer once purged its 30-day dedupe rows on wall time."""
    clock = OffsetFileClock(tmp_path / "clock-offset")
    assert_workers_follow_clock(make_app(clock), clock)


def test_x06_the_inbox_over_grpc_shows_each_caller_their_own_items(  # type: ignore[no-untyped-def]
    make_app, grpc_server: GrpcServerFactory
) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    app = make_app(clock)
    notice = notice_pb2.Notice(
        recipients=["alice"], kind="meeting_notice", title="会议通知", subject_ref="meetings/m-1"
    )
    envelope = make_envelope(
        "meetings.notification.requested", "meetings", "m-1", notice, clock.now()
    )
    handler = {s.name: s.handler for s in app.wiring.subscriptions}["inbox.notification_requested"]
    with app.kit.uow() as uow:
        handler(uow, ReceivedEvent.from_bytes(envelope.SerializeToString()))
        uow.commit()
    server = grpc_server(app.grpc_service, clock=clock)
    stub = infohub_pb2_grpc.InboxStub(server.channel)
    request = infohub_pb2.ListInboxRequest(page=1, page_size=20)
    mine = stub.ListInbox(request, metadata=server.metadata(ALICE))
    assert [item.title for item in mine.items] == ["会议通知"]
    assert stub.ListInbox(request, metadata=server.metadata(BOB)).total == 0
    with pytest.raises(grpc.RpcError) as caught:
        stub.ListInbox(request)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
