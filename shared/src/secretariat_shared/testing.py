"""Test infrastructure shared by every package's tests (a pytest plugin).

``SECRETARIAT_TEST_DATABASE_URL`` (a PostgreSQL admin URL) and
``SECRETARIAT_TEST_AMQP_URL`` (a RabbitMQ URL) switch on the real servers:
each test run gets a throwaway database per request and one throwaway vhost.
Configured but unreachable is a failure, never a skip.
"""

from __future__ import annotations

import os
import subprocess
import urllib.parse
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import grpc
import pytest
from sqlalchemy import create_engine, delete, insert, select, text
from sqlalchemy.engine import make_url

from secretariat.common.v1 import envelope_pb2, notice_pb2
from secretariat.documents.v1 import events_pb2 as documents_events
from secretariat_shared.approvals import APPROVAL_COMPLETED, ApprovalRequest
from secretariat_shared.bus import BusTopology, EventPublisher
from secretariat_shared.clock import Clock, SystemClock
from secretariat_shared.consumer import EventConsumer
from secretariat_shared.db import Database
from secretariat_shared.directory import DepartmentInfo, PersonInfo
from secretariat_shared.errors import PreconditionFailed
from secretariat_shared.events import ReceivedEvent, make_envelope
from secretariat_shared.grpc_server import GrpcService, RunningService, identity_metadata
from secretariat_shared.identity import (
    SERVICE_AUDIENCE,
    Identity,
    IdentitySigner,
    IdentityVerifier,
    generate_keypair,
    service_token,
)
from secretariat_shared.notices import notice_event
from secretariat_shared.roles import Role
from secretariat_shared.service import ServiceApp, Servicer, Subscription
from secretariat_shared.settings import ServiceSettings
from secretariat_shared.tables import PlatformTables
from secretariat_shared.test_databases import (
    close_test_databases,
    migrate_test_database,
    postgres_test_databases,
)
from secretariat_shared.uow import UnitOfWork

S = TypeVar("S", bound=ServiceSettings)

PG_ENV = "SECRETARIAT_TEST_DATABASE_URL"
AMQP_ENV = "SECRETARIAT_TEST_AMQP_URL"


def pg_admin_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def amqp_admin_url() -> str | None:
    return os.environ.get(AMQP_ENV) or None


def create_throwaway_database(admin_url: str, prefix: str = "sec_test") -> str:
    """Create an empty PostgreSQL database; return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def create_throwaway_vhost(admin_url: str) -> str:
    """Create a RabbitMQ vhost with rabbitmqctl; return an AMQP URL for it."""
    vhost = f"sec_test_{uuid.uuid4().hex[:12]}"
    parsed = urllib.parse.urlsplit(admin_url)
    user = urllib.parse.unquote(parsed.username or "guest")
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(
        ["rabbitmqctl", "-q", "set_permissions", "-p", vhost, user, ".*", ".*", ".*"],
        check=True,
        capture_output=True,
    )
    return urllib.parse.urlunsplit(parsed._replace(path="/" + vhost))


def delete_vhost(url: str) -> None:
    vhost = urllib.parse.unquote(urllib.parse.urlsplit(url).path.lstrip("/"))
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], check=False, capture_output=True)


def check_amqp_reachable(url: str) -> None:
    from kombu.connection import Connection

    with Connection(url, connect_timeout=5) as conn:
        conn.ensure_connection(max_retries=1)


def filesystem_bus_url(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    return f"filesystem://{folder.resolve()}"


# -- the test kit (issue 11 item 8): one fake Directory, one in-process gRPC server --

TEST_INTERNAL_SECRET = "internal-secret-for-tests-0123456789"  # noqa: S105
"""The internal-token secret of every test server and of :func:`service_settings`."""


@cache
def keypair_for_tests() -> tuple[str, str]:
    """The (private, public) identity key pair of the test run, made once."""
    return generate_keypair()


class FakeDirectory:
    """The gateway's Directory (SPEC X-01) as a service's tests need it.

    The demo organisation in small: departments HR, FIN, SEC and IT under
    ``leader.li``, a head and clerks in each, ``sec.clerk`` holding the
    ``secretariat`` role. Tests add or change what they need through
    :meth:`add_department`, :meth:`add_person` and :attr:`roles`;
    ``demo=False`` starts with nobody, for a service's own small organisation.
    """

    def __init__(self, *, demo: bool = True) -> None:
        self.departments: dict[str, DepartmentInfo] = {}
        self.people: dict[str, PersonInfo] = {}
        self.roles: dict[str, list[str]] = {}
        if demo:
            self._add_demo_organisation()

    def _add_demo_organisation(self) -> None:
        self.roles["secretariat"] = ["sec.clerk"]
        for code, name in (
            ("HR", "人力资源部"),
            ("FIN", "财务部"),
            ("SEC", "秘书处"),
            ("IT", "信息技术部"),
        ):
            head = f"{code.lower()}.head"
            self.add_department(code, name, head)
            self.add_person(head, code, superior="leader.li")
            self.add_person(f"{code.lower()}.clerk", code, superior=head)
        self.add_person("leader.li", "")

    def add_department(
        self, code: str, name: str, head: str, supervising_leader: str = "leader.li"
    ) -> DepartmentInfo:
        info = DepartmentInfo(code, name, head, supervising_leader)
        self.departments[code] = info
        return info

    def add_person(
        self,
        username: str,
        department: str,
        superior: str = "",
        name: str = "",
        phone: str = "",
        email: str = "",
    ) -> PersonInfo:
        info = PersonInfo(username, name or username, department, superior, phone, email)
        self.people[username] = info
        return info

    def department(self, code: str) -> DepartmentInfo | None:
        return self.departments.get(code)

    def person(self, username: str) -> PersonInfo | None:
        return self.people.get(username)

    def role_holders(self, role: str) -> list[str]:
        return sorted(self.roles.get(role, []))


def person(
    username: str,
    dept: str,
    *roles: str,
    heads: tuple[str, ...] = (),
    supervises: tuple[str, ...] = (),
) -> Identity:
    """A caller as the gateway signs them: ``employee`` unless roles are given."""
    return Identity(
        username=username,
        name=username,
        department_code=dept,
        roles=frozenset(roles or (Role.EMPLOYEE,)),
        headed_departments=frozenset(heads),
        supervised_departments=frozenset(supervises),
    )


@dataclass
class FakeApprovals:
    """The approval engine (SPEC D-06) as a calling service's tests need it:
    idempotent on ``source_ref`` like the real one; ``unreachable`` fails as
    the gRPC client does when the engine is down."""

    started: list[tuple[str, ApprovalRequest]] = field(default_factory=list)
    unreachable: bool = False

    def start(self, request: ApprovalRequest) -> str:
        if self.unreachable:
            raise PreconditionFailed("the approval engine cannot be reached")
        existing = [a for a, r in self.started if r.source_ref == request.source_ref]
        if existing:
            return existing[0]
        approval_id = f"approval-{len(self.started) + 1}"
        self.started.append((approval_id, request))
        return approval_id

    def for_ref(self, source_ref: str) -> tuple[str, ApprovalRequest]:
        return next((a, r) for a, r in self.started if r.source_ref == source_ref)

    def completed(
        self, source_ref: str, service: str, when: datetime, outcome: str = "approved"
    ) -> ReceivedEvent:
        """``documents.approval.completed`` for the approval started with ``source_ref``."""
        approval_id, request = self.for_ref(source_ref)
        payload = documents_events.ApprovalCompleted(
            approval=documents_events.ApprovalRef(
                approval_id=approval_id,
                template=request.template,
                subject=request.subject,
                requester=request.requester_username,
                source_service=service,
                source_ref=source_ref,
            ),
            outcome=outcome,
        )
        envelope = make_envelope(APPROVAL_COMPLETED, "documents", approval_id, payload, when)
        return ReceivedEvent.from_bytes(envelope.SerializeToString())


@pytest.fixture
def fake_directory() -> FakeDirectory:
    """A fresh :class:`FakeDirectory` for one test."""
    return FakeDirectory()


def service_settings(
    database_url: str,
    bus_url: str,
    settings_class: type[S] = ServiceSettings,  # type: ignore[assignment]
    **overrides: Any,
) -> S:
    """Settings of a service under test: the test key pair, any free gRPC port, no metrics."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "amqp_url": bus_url,
        "identity_public_key": keypair_for_tests()[1],
        "internal_token_secret": TEST_INTERNAL_SECRET,
        "grpc_port": 0,
        "relay_interval": 0.05,
        "scheduler_interval": 0.05,
        **overrides,
    }
    return settings_class(**values)


class GrpcTestServer:
    """A service's gRPC server running in this process, and a channel to it.

    The server has the production interceptors (identity, field rules,
    error mapping), so tests see exactly what the gateway would.
    """

    def __init__(self, spec: GrpcService, clock: Clock) -> None:
        self.clock = clock
        self.running = RunningService(spec).start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.running.port}")

    @property
    def port(self) -> int:
        return self.running.port

    def metadata(self, who: Identity, ttl: int = 60) -> tuple[tuple[str, str], ...]:
        """Call metadata carrying ``who`` as the gateway signs it."""
        signer = IdentitySigner(keypair_for_tests()[0], self.clock)
        return identity_metadata(signer.sign(who, SERVICE_AUDIENCE, ttl))

    def service_metadata(self, name: str = "tests") -> tuple[tuple[str, str], ...]:
        """Call metadata of another service (an internal token)."""
        return identity_metadata(service_token(name, TEST_INTERNAL_SECRET, self.clock))

    def close(self) -> None:
        self.channel.close()
        self.running.stop()


GrpcServerFactory = Callable[..., GrpcTestServer]


@pytest.fixture
def grpc_server() -> Iterator[GrpcServerFactory]:
    """Start gRPC servers in process; each is stopped when the test ends.

    Call it with a built service's ``GrpcService`` (``app.grpc_service``:
    its background workers run too), or with ``servicers=[Servicer(...)]``
    and a ``clock`` to serve bare servicers (no workers)::

        server = grpc_server(servicers=[Servicer(add_fn, impl, full_name)], clock=clock)
        stub = InboxStub(server.channel)
        stub.ListInbox(request, metadata=server.metadata(ALICE))
    """
    started: list[GrpcTestServer] = []

    def start(
        spec: GrpcService | None = None,
        *,
        servicers: Sequence[Servicer] = (),
        clock: Clock | None = None,
        name: str = "service",
    ) -> GrpcTestServer:
        the_clock = clock or SystemClock()
        if spec is None:

            def register(server: grpc.Server) -> None:
                for servicer in servicers:
                    servicer.add(servicer.implementation, server)

            spec = GrpcService(
                name=name,
                verifier=IdentityVerifier(keypair_for_tests()[1], the_clock, TEST_INTERNAL_SECRET),
                register=register,
                service_names=[s.full_name for s in servicers],
            )
        spec.grace_seconds = min(spec.grace_seconds, 1.0)
        server = GrpcTestServer(spec, the_clock)
        started.append(server)
        return server

    yield start
    for server in reversed(started):
        server.close()


def outbox_events(db: Database, tables: PlatformTables) -> list[tuple[str, ReceivedEvent]]:
    """(event type, event) of every outbox row, oldest first: what a use case emitted."""
    with db.reading() as session:
        rows = session.execute(
            select(tables.outbox.c.event_type, tables.outbox.c.envelope).order_by(
                tables.outbox.c.id
            )
        ).all()
    return [(event_type, ReceivedEvent.from_bytes(envelope)) for event_type, envelope in rows]


def notices_in(
    events: Sequence[tuple[str, ReceivedEvent]], service: str, kind: str | None = None
) -> list[notice_pb2.Notice]:
    """The X-06 notices among ``events`` that ``service`` requested, of ``kind`` if given."""
    found = []
    for event_type, event in events:
        if event_type == notice_event(service):
            notice = event.payload_as(notice_pb2.Notice)
            assert isinstance(notice, notice_pb2.Notice)
            if kind is None or notice.kind == kind:
                found.append(notice)
    return found


def deliver_over_bus(
    bus_url: str,
    topology: BusTopology,
    subscriptions: Sequence[Subscription],
    envelopes: Sequence[envelope_pb2.EventEnvelope],
    *,
    service: str,
    db: Database,
    tables: PlatformTables,
    clock: Clock,
    duplicated: bool = True,
) -> int:
    """Publish each envelope on a real bus (twice when ``duplicated``, as a
    redelivery would) and consume them with the service's subscriptions, on
    ``clock``; returns how many deliveries were settled."""

    def uow() -> UnitOfWork:
        return UnitOfWork(db, tables, service, clock)

    consumer = EventConsumer(bus_url, topology, service, db, tables, uow, clock=clock)
    for subscription in subscriptions:
        consumer.subscribe(subscription.pattern, subscription.name, subscription.handler)
    consumer.declare()
    publisher = EventPublisher(bus_url, topology)
    expected = len(envelopes) * (2 if duplicated else 1)
    settled = 0
    try:
        for envelope in envelopes:
            raw = envelope.SerializeToString()
            for _ in range(2 if duplicated else 1):
                publisher.publish(raw, envelope.type, envelope.id, "")
        for _ in range(20):
            settled += consumer.consume_once(timeout=1.0)
            if settled >= expected:
                break
    finally:
        publisher.close()
        consumer.close()
    return settled


ServiceAppFactory = Callable[..., ServiceApp[Any, Any]]


@pytest.fixture
def service_app(database_url: str, bus_url: str, bus_namespace: str) -> Iterator[ServiceAppFactory]:
    """Build a service by its own ``build`` on the test database (migrated) and bus,
    with the test settings (``testing=True``); disposed when the test ends::

        app = service_app(build, MIGRATIONS, clock, ArchivesSettings, directory=FakeDirectory())
    """
    built: list[ServiceApp[Any, Any]] = []

    def make(
        build: Callable[..., ServiceApp[Any, Any]],
        migrations: Path,
        clock: Clock,
        settings_class: type[ServiceSettings] = ServiceSettings,
        **fakes: Any,
    ) -> ServiceApp[Any, Any]:
        migrate_test_database(migrations, database_url)
        settings = service_settings(database_url, bus_url, settings_class, testing=True)
        app = build(settings, clock, BusTopology(prefix=bus_namespace), **fakes)
        built.append(app)
        return app

    yield make
    for app in built:
        app.db.dispose()


class MovableClock(Protocol):
    def now(self) -> datetime: ...

    def advance(self, seconds: float) -> datetime: ...


def assert_workers_follow_clock(app: ServiceApp[Any, Any], clock: MovableClock) -> None:
    """ENGINEERING rule 8: a kit-built service's background workers run on ``clock``.

    Moving the clock 31 days makes the consumer's dedupe purge, the relay's
    sent-outbox purge and the timer scheduler's "due" all follow; on wall
    time none of them would. ``app`` must be migrated, its bus reachable,
    and ``clock`` the one it was built with (a ManualClock or the testing
    OffsetFileClock). Leaves the probe rows it wrote removed.
    """
    from google.protobuf import empty_pb2

    tables = app.kit.tables
    with app.kit.uow() as uow:
        uow.emit("kit.clock.probed", "clock-probe", empty_pb2.Empty())
        app.kit.timers.schedule(
            uow.session, "kit.clock_probe", "kit.clock_probe", clock.now() + timedelta(hours=1), {}
        )
        uow.session.execute(
            insert(tables.processed_events).values(
                event_id="clock-probe", handler="kit.clock_probe", processed_at=clock.now()
            )
        )
        uow.commit()
    assert app.relay.run_once() == 1, "the relay could not publish the probe event"
    probe = tables.timers.c.key == "kit.clock_probe"

    def probe_attempts() -> int:
        with app.db.engine.connect() as conn:
            return int(conn.execute(select(tables.timers.c.attempts).where(probe)).scalar_one())

    scheduler = app.scheduler
    if scheduler is not None:
        scheduler.run_once()
        assert probe_attempts() == 0, "the scheduler took a timer due in an hour as due"
    if app.consumer is not None:
        assert app.consumer.purge_processed() == 0
    assert app.relay.purge_sent() == 0

    clock.advance(timedelta(days=31).total_seconds())

    if scheduler is not None:
        scheduler.run_once()
        assert probe_attempts() == 1, "the scheduler did not see the moved clock"
    if app.consumer is not None:
        assert app.consumer.purge_processed() == 1, "the dedupe purge ran on another clock"
    assert app.relay.purge_sent() == 1, "the outbox purge ran on another clock"
    with app.db.engine.begin() as conn:
        conn.execute(delete(tables.timers).where(probe))
        conn.execute(
            delete(tables.processed_events).where(
                tables.processed_events.c.event_id == "clock-probe"
            )
        )


def _database_params() -> list[str]:
    return ["sqlite", "postgresql"] if pg_admin_url() else ["sqlite"]


def _bus_params() -> list[str]:
    return ["filesystem", "rabbitmq"] if amqp_admin_url() else ["filesystem"]


@pytest.fixture(params=_database_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, and a PostgreSQL database of the test
    process's pool when configured (:mod:`secretariat_shared.test_databases`).
    :func:`migrate_test_database` brings it to a service's schema quickly."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'service.db'}"
        return
    admin = pg_admin_url()
    assert admin is not None
    databases = postgres_test_databases(admin)
    url = databases.acquire()
    try:
        yield url
    finally:
        databases.release(url)


def pytest_unconfigure(config: pytest.Config) -> None:
    close_test_databases()


MEMORY_TEMP_ROOT = Path("/dev/shm")  # noqa: S108 - a private numbered folder is made in it


def pytest_configure(config: pytest.Config) -> None:
    """Tests' temporary files (``tmp_path``: SQLite databases, the embedded bus,
    uploads) go to memory when the machine has a tmpfs: every SQLite commit
    waits for ``fsync``, which on a busy disk cost more than the tests' work.
    ``--basetemp`` or ``PYTEST_DEBUG_TEMPROOT`` choose another place."""
    if (
        config.option.basetemp is None
        and not os.environ.get("PYTEST_DEBUG_TEMPROOT")
        and MEMORY_TEMP_ROOT.is_dir()
        and os.access(MEMORY_TEMP_ROOT, os.W_OK)
    ):
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(MEMORY_TEMP_ROOT)


@pytest.fixture(scope="session")
def rabbitmq_url() -> Iterator[str]:
    """One throwaway vhost for the whole run."""
    admin = amqp_admin_url()
    if admin is None:
        pytest.fail(f"{AMQP_ENV} is not set")
    check_amqp_reachable(admin)
    url = create_throwaway_vhost(admin)
    try:
        yield url
    finally:
        delete_vhost(url)


@pytest.fixture(params=_bus_params())
def bus_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty message bus: the embedded transport, and RabbitMQ when configured.

    Each test gets fresh exchange and queue names through ``bus_namespace``.
    """
    if request.param == "filesystem":
        return filesystem_bus_url(tmp_path / "bus")
    url: str = request.getfixturevalue("rabbitmq_url")
    return url


@pytest.fixture
def bus_namespace() -> str:
    """A prefix that keeps one test's exchanges and queues apart from another's."""
    return f"t{uuid.uuid4().hex[:8]}"


def assert_append_only(database_url: str, table: str, row: dict[str, object]) -> None:
    """SPEC X-04: after the service's migrations, ``table`` takes a new row but
    refuses UPDATE and DELETE of it, on whichever database ``database_url`` names."""
    from sqlalchemy import MetaData, Table, delete, func, insert, select, update
    from sqlalchemy.exc import DBAPIError

    from secretariat_shared.db import Database

    db = Database(database_url)
    try:
        audit = Table(table, MetaData(), autoload_with=db.engine)
        with db.engine.begin() as conn:
            conn.execute(insert(audit).values(**row))
        column = next(iter(row))
        for change in (update(audit).values({column: row[column]}), delete(audit)):
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
                conn.execute(change)
        with db.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(audit)).scalar_one() == 1
    finally:
        db.dispose()
