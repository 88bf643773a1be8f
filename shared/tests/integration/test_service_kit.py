"""The service kit (issue 11): the platform tables by one migration call, a service
built from its wiring alone, its workers on the clock it was given."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import MetaData, create_engine, insert, inspect, text, update
from sqlalchemy.exc import DBAPIError

from secretariat_shared.bus import BusTopology
from secretariat_shared.calendar_sync import CalendarFeed
from secretariat_shared.clock import ManualClock
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.migrations import alembic_config, upgrade
from secretariat_shared.service import ServiceApp, ServiceKit, Subscription, Wiring, main
from secretariat_shared.settings import ServiceSettings
from secretariat_shared.tables import PlatformTables
from secretariat_shared.test_databases import migrate_test_database
from secretariat_shared.testing import (
    FakeDirectory,
    GrpcServerFactory,
    assert_workers_follow_clock,
    service_settings,
)
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).parent / "kit_migrations"


def platform_metadata() -> tuple[MetaData, PlatformTables]:
    metadata = MetaData()
    return metadata, PlatformTables(metadata, purge_index=True)


def test_the_platform_helper_creates_exactly_the_declared_platform_tables(
    database_url: str,
) -> None:
    upgrade(MIGRATIONS, database_url)
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), platform_metadata()[0])
        assert differences == []
        indexes = {i["name"] for i in inspect(engine).get_indexes("processed_events")}
        assert "ix_processed_events_processed_at" in indexes
    finally:
        engine.dispose()


def test_x04_audit_log_made_by_the_helper_refuses_update_and_delete(database_url: str) -> None:
    upgrade(MIGRATIONS, database_url)
    engine = create_engine(database_url)
    audit = platform_metadata()[1].audit_log
    row = {
        "at": ManualClock().now(),
        "actor": "a",
        "action": "x",
        "entity_type": "t",
        "entity_id": "1",
    }
    try:
        with engine.begin() as conn:
            conn.execute(insert(audit).values(row))
        for change in (update(audit).values(actor="b"), text("DELETE FROM audit_log")):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(change)
    finally:
        engine.dispose()


def test_the_platform_helper_downgrades_cleanly(database_url: str) -> None:
    upgrade(MIGRATIONS, database_url)
    command.downgrade(alembic_config(MIGRATIONS, database_url), "base")
    engine = create_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


@pytest.fixture
def kit_app(database_url: str, bus_url: str, bus_namespace: str) -> Iterator[ServiceApp]:  # type: ignore[type-arg]
    """A service with nothing but the kit: one event handler and one timer kind."""
    migrate_test_database(MIGRATIONS, database_url)
    clock = ManualClock()
    kit: ServiceKit[ServiceSettings, UnitOfWork] = ServiceKit(
        "kitcheck",
        service_settings(database_url, bus_url),
        clock,
        platform_metadata()[1],
        topology=BusTopology(prefix=bus_namespace),
    )

    def on_event(uow: UnitOfWork, event: ReceivedEvent) -> None: ...

    def on_timer(uow: UnitOfWork, firing: TimerFiring) -> None: ...

    app = kit.assemble(
        Wiring(
            servicers=[],
            subscriptions=[Subscription("other.thing.happened", "kitcheck.on_event", on_event)],
            timer_handlers={"kitcheck.reminder": on_timer},
        )
    )
    yield app
    app.db.dispose()


def test_rule8_every_background_worker_of_a_kit_service_runs_on_its_clock(
    kit_app: ServiceApp,  # type: ignore[type-arg]
) -> None:
    assert {type(w).__name__ for w in kit_app.workers} == {
        "OutboxRelay",
        "TimerScheduler",
        "EventConsumer",
    }
    clock = kit_app.clock
    assert isinstance(clock, ManualClock)
    assert_workers_follow_clock(kit_app, clock)


def test_x02_the_business_calendar_comes_with_its_feed_worker(
    database_url: str, bus_url: str
) -> None:
    clock = ManualClock()
    kit = ServiceKit(
        "kitcheck", service_settings(database_url, bus_url), clock, platform_metadata()[1]
    )
    calendar = kit.business_calendar(source=None)
    assert kit.business_calendar() is calendar
    app = kit.assemble(Wiring(servicers=[]))
    feeds = [w for w in app.workers if isinstance(w, CalendarFeed)]
    assert len(feeds) == 1
    assert feeds[0].refresh() == []
    app.db.dispose()


def test_a_kit_service_reports_serving_on_the_health_protocol(
    kit_app: ServiceApp,  # type: ignore[type-arg]
    grpc_server: GrpcServerFactory,
) -> None:
    server = grpc_server(kit_app.grpc_service, clock=kit_app.clock)
    health = health_pb2_grpc.HealthStub(server.channel)
    reply = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_main_refuses_an_unknown_command(
    monkeypatch: pytest.MonkeyPatch, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in {
        "DATABASE_URL": database_url,
        "AMQP_URL": "filesystem:///tmp",
        "IDENTITY_PUBLIC_KEY": "x",
        "INTERNAL_TOKEN_SECRET": "y",
    }.items():
        monkeypatch.setenv(f"SECRETARIAT_{key}", value)

    def never(settings: ServiceSettings, clock: object) -> ServiceApp:  # type: ignore[type-arg]
        raise AssertionError("not built for an unknown command")

    assert main(["kitcheck", "bogus"], "kitcheck", MIGRATIONS, never) == 2
    assert "usage: python -m kitcheck [serve|migrate]" in capsys.readouterr().err
    assert main(["kitcheck", "migrate"], "kitcheck", MIGRATIONS, never) == 0
    engine = create_engine(database_url)
    try:
        assert "outbox" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_the_fake_directory_answers_like_the_directory() -> None:
    directory = FakeDirectory()
    hr = directory.department("HR")
    assert hr is not None
    assert hr.head_username == "hr.head"
    clerk = directory.person("hr.clerk")
    assert clerk is not None
    assert clerk.superior_username == "hr.head"
    assert directory.person("nobody") is None
    assert directory.role_holders("secretariat") == ["sec.clerk"]
    directory.add_person("hr.new", "HR", superior="hr.head")
    assert directory.person("hr.new") is not None
