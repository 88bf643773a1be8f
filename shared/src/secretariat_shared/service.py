"""The service kit: one way to wire a gRPC service process (issue 11 item 1).

A service hands the kit its settings, its clock and its platform tables,
builds its use cases on what the kit made (database, unit of work, timer
store, Directory client), and returns a :class:`Wiring`: its servicers,
event handlers, timer handlers and whatever extra workers or collectors it
has. :meth:`ServiceKit.assemble` adds the outbox relay, the event consumer,
the timer scheduler, the calendar feed (when the service asked for the
business calendar) and the gRPC server with its interceptors, health,
reflection and draining. :func:`main` is a service's whole ``__main__``:
``serve`` and ``migrate``.

The clock is a required argument of the kit and every background worker is
built from the kit's clock, so a worker can never fall back to wall time
while the rows it purges carry the movable test clock (ENGINEERING rule 8).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Generic

import grpc
from prometheus_client import REGISTRY
from prometheus_client.registry import Collector
from typing_extensions import TypeVar

from secretariat_shared.bus import BusTopology, EventPublisher
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.calendar_sync import CalendarFeed, CalendarSource, GrpcCalendarSource
from secretariat_shared.clock import Clock, clock_from_settings
from secretariat_shared.consumer import EventConsumer, EventHandler
from secretariat_shared.db import Database
from secretariat_shared.directory import GrpcDirectory
from secretariat_shared.directory_sync import DirectoryChangeListener
from secretariat_shared.grpc_server import GrpcService, Worker, serve_forever
from secretariat_shared.identity import (
    service_signing_key,
    service_token,
    verifier_from_settings,
)
from secretariat_shared.migrations import upgrade
from secretariat_shared.observability import setup_logging, setup_tracing, start_metrics
from secretariat_shared.relay import OutboxRelay
from secretariat_shared.settings import ServiceSettings, load_or_exit
from secretariat_shared.tables import PlatformTables
from secretariat_shared.timers import TimerHandler, TimerScheduler, TimerStore
from secretariat_shared.uow import UnitOfWork

# Defaults (PEP 696): a bare ``ServiceKit`` / ``ServiceApp`` is the common case.
S = TypeVar("S", bound=ServiceSettings, default=ServiceSettings)
U = TypeVar("U", bound=UnitOfWork, default=UnitOfWork)


@dataclass(frozen=True)
class Servicer:
    """One gRPC service implementation and how to add it to a server.

    ``add`` is the generated ``add_<Service>Servicer_to_server``;
    ``full_name`` the proto service name (``secretariat.infohub.v1.Inbox``),
    reported by health checks and reflection.
    """

    add: Callable[[Any, grpc.Server], None]
    implementation: Any
    full_name: str

    @classmethod
    def of(
        cls, pb2: ModuleType, pb2_grpc: ModuleType, service: str, implementation: Any
    ) -> Servicer:
        """From the generated modules: ``Servicer.of(infohub_pb2, infohub_pb2_grpc, "Inbox", impl)``."""
        return cls(
            getattr(pb2_grpc, f"add_{service}Servicer_to_server"),
            implementation,
            pb2.DESCRIPTOR.services_by_name[service].full_name,
        )


@dataclass(frozen=True)
class Subscription:
    """An event handler: ``name`` is its deduplication key, keep it stable."""

    pattern: str
    name: str
    handler: EventHandler


@dataclass
class Wiring:
    """What a service adds to the platform the kit builds."""

    servicers: Sequence[Servicer]
    subscriptions: Sequence[Subscription] = ()
    timer_handlers: Mapping[str, TimerHandler] = field(default_factory=dict)
    workers: Sequence[Worker] = ()
    collectors: Sequence[Collector] = ()
    on_serve: Sequence[Callable[[], None]] = ()
    """Run once before the server starts, in ``serve`` only (e.g. seed a recurring timer)."""
    consumer_batch_size: int = 1
    """Events the consumer applies per transaction (1: one each, the default);
    see ``secretariat_shared.consumer`` for how a batch stays exactly-once."""


class ServiceKit(Generic[S, U]):
    """Database, unit of work, relay and Directory of one service, on one clock."""

    def __init__(
        self,
        name: str,
        settings: S,
        clock: Clock,
        tables: PlatformTables,
        *,
        uow_class: type[U] = UnitOfWork,  # type: ignore[assignment]
        topology: BusTopology | None = None,
        db: Database | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self.clock = clock
        self.tables = tables
        self.topology = topology or BusTopology()
        self.db = db or Database(settings.database_url)
        self._uow_class = uow_class
        self.relay = OutboxRelay(
            self.db,
            tables,
            EventPublisher(settings.amqp_url, self.topology),
            clock,
            name,
            idle_interval=settings.relay_interval,
        )
        self.timers = TimerStore(tables)
        self._calendar: BusinessCalendar | None = None
        self._calendar_feed: CalendarFeed | None = None
        self._directory: GrpcDirectory | None = None

    def uow(self) -> U:
        """A unit of work on the service's database; a commit with events wakes the relay."""
        return self._uow_class(
            self.db, self.tables, self.name, self.clock, on_commit=self.relay.wake
        )

    def service_token(self) -> str:
        """An internal token naming this service, for calls to other services."""
        settings = self.settings
        key = service_signing_key(settings.service_private_key, settings.internal_token_secret)
        return service_token(self.name, key, self.clock)

    def directory(self) -> GrpcDirectory:
        """The gateway's Directory (SPEC X-01), one cached client; the address is
        required once this is called."""
        if self._directory is None:
            if not self.settings.directory_address:
                raise SystemExit(
                    "configuration error: missing required environment variable "
                    "SECRETARIAT_DIRECTORY_ADDRESS (the gateway's Directory gRPC service)"
                )
            self._directory = GrpcDirectory(self.settings.directory_address, self.service_token)
        return self._directory

    def business_calendar(self, source: CalendarSource | None = None) -> BusinessCalendar:
        """SPEC X-02: the organisation's working days, kept current while the service runs.

        The first call makes the calendar and its feed, a worker that
        :meth:`assemble` adds on the kit's clock; the feed reads the
        Directory's holiday years unless ``source`` is given (tests). Subscribe
        ``calendar_sync.CALENDAR_UPDATED`` to move provisional deadlines at once.
        """
        if self._calendar is None:
            settings = self.settings
            calendar = BusinessCalendar.from_overrides_json(
                settings.calendar_overrides, settings.timezone
            )
            if source is None and settings.directory_address:
                source = GrpcCalendarSource(settings.directory_address, self.service_token)
            self._calendar = calendar
            self._calendar_feed = CalendarFeed(calendar, source, self.clock, self.name)
        return self._calendar

    @property
    def calendar_feed(self) -> CalendarFeed | None:
        """The worker that keeps :meth:`business_calendar` current, once that was called."""
        return self._calendar_feed

    def assemble(self, wiring: Wiring) -> ServiceApp[S, U]:
        """Add the consumer, the scheduler and the gRPC server to the service's wiring."""
        consumer: EventConsumer | None = None
        if wiring.subscriptions:
            consumer = EventConsumer(
                self.settings.amqp_url,
                self.topology,
                self.name,
                self.db,
                self.tables,
                self.uow,
                clock=self.clock,
                batch_size=wiring.consumer_batch_size,
            )
            for subscription in wiring.subscriptions:
                consumer.subscribe(subscription.pattern, subscription.name, subscription.handler)
        scheduler: TimerScheduler | None = None
        if wiring.timer_handlers:
            scheduler = TimerScheduler(
                self.db,
                self.tables,
                self.clock,
                wiring.timer_handlers,
                self.uow,
                self.name,
                interval=self.settings.scheduler_interval,
            )
        workers: list[Worker] = [self.relay]
        if scheduler is not None:
            workers.append(scheduler)
        if self._calendar_feed is not None:
            workers.append(self._calendar_feed)
        if self.settings.directory_address:
            # Every replica drops its cached directory answers on a change (issue 21).
            workers.append(
                DirectoryChangeListener(self.settings.amqp_url, self.topology, self.name)
            )
        workers.extend(wiring.workers)
        if consumer is not None:
            workers.append(consumer)

        def register(server: grpc.Server) -> None:
            for servicer in wiring.servicers:
                servicer.add(servicer.implementation, server)

        settings = self.settings
        grpc_service = GrpcService(
            name=self.name,
            verifier=verifier_from_settings(
                settings.identity_public_key,
                self.clock,
                settings.internal_token_secret,
                settings.service_public_keys,
            ),
            register=register,
            service_names=[s.full_name for s in wiring.servicers],
            host=settings.grpc_host,
            port=settings.grpc_port,
            max_workers=settings.worker_threads,
            workers=workers,
        )
        return ServiceApp(self, wiring, consumer, scheduler, grpc_service)


@dataclass
class ServiceApp(Generic[S, U]):
    """A built service: its kit, its wiring and the workers and server made for it."""

    kit: ServiceKit[S, U]
    wiring: Wiring
    consumer: EventConsumer | None
    scheduler: TimerScheduler | None
    grpc_service: GrpcService

    @property
    def settings(self) -> S:
        return self.kit.settings

    @property
    def clock(self) -> Clock:
        return self.kit.clock

    @property
    def db(self) -> Database:
        return self.kit.db

    @property
    def relay(self) -> OutboxRelay:
        return self.kit.relay

    @property
    def workers(self) -> list[Worker]:
        """The background workers that run beside the gRPC server."""
        return list(self.grpc_service.workers)

    def serve(self) -> None:
        """Register the collectors, run the start-up hooks, serve until SIGTERM, then drain."""
        for collector in self.wiring.collectors:
            REGISTRY.register(collector)
        for hook in self.wiring.on_serve:
            hook()
        serve_forever(self.grpc_service, on_stop=[self.db.dispose])


Builder = Callable[[S, Clock], ServiceApp[Any, Any]]


def main(
    argv: Sequence[str],
    name: str,
    migrations: Path,
    build: Builder[S],
    settings_class: type[S] = ServiceSettings,  # type: ignore[assignment]
) -> int:
    """``python -m <name> [serve|migrate]``: a service's whole entry point."""
    command = argv[1] if len(argv) > 1 else "serve"
    settings = load_or_exit(settings_class)
    setup_logging(name, settings.log_level)
    if command == "migrate":
        upgrade(migrations, settings.database_url)
        return 0
    if command != "serve":
        print(f"usage: python -m {name} [serve|migrate]", file=sys.stderr)
        return 2
    setup_tracing(name)
    start_metrics(settings.metrics_port, settings.grpc_host)
    build(settings, clock_from_settings(settings.testing, settings.clock_file)).serve()
    return 0
