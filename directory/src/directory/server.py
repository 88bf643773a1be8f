"""The Directory gRPC server (SPEC X-01): services resolve people, department
heads, leaders in charge and role holders through it, and read the
organisation's holiday schedules (X-02, ``GetCalendar``) when they start;
the gateway transcodes the directory's and the calendar's HTTP API to it.

It also runs the gateway's outbox relay (``directory.calendar.updated``
events, when SECRETARIAT_AMQP_URL is set) and reports the calendar's
coverage of the next 60 days.

``python -m directory.server`` serves it on SECRETARIAT_DIRECTORY_GRPC_PORT
from the gateway's database. Like every service it accepts only
gateway-signed identities and internal service tokens (shared
:mod:`secretariat_shared.grpc_server`); unknown names are NOT_FOUND.
"""

from __future__ import annotations

import logging

import grpc
from sqlalchemy import MetaData

from directory.adapters.passwords import Passwords
from directory.service_layer.calendar import CalendarService
from directory.service_layer.directory import DirectoryService
from directory.servicer import DirectoryServicer
from directory.settings import DirectoryServerSettings
from secretariat.directory.v1 import directory_pb2, directory_pb2_grpc
from secretariat_shared.bus import BusTopology, EventPublisher
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.calendar_sync import CalendarFeed
from secretariat_shared.clock import Clock, clock_from_settings
from secretariat_shared.db import Database
from secretariat_shared.grpc_server import GrpcService, Worker, serve_forever
from secretariat_shared.identity import IdentityVerifier, verifier_from_settings
from secretariat_shared.observability import setup_logging, setup_tracing, start_metrics
from secretariat_shared.relay import OutboxRelay
from secretariat_shared.settings import load_or_exit
from secretariat_shared.tables import PlatformTables

log = logging.getLogger(__name__)

SERVICE_NAME = directory_pb2.DESCRIPTOR.services_by_name["Directory"].full_name


def directory_service_spec(
    database: Database,
    verifier: IdentityVerifier,
    clock: Clock,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    max_workers: int = 16,
    amqp_url: str = "",
    topology: BusTopology | None = None,
    timezone: str = "Asia/Shanghai",
    passwords: Passwords | None = None,
) -> GrpcService:
    """The Directory server ready for :class:`secretariat_shared.grpc_server.RunningService`.

    With ``amqp_url`` it also relays the gateway's outbox to the bus.
    """
    calendar = CalendarService(database, clock)
    servicer = DirectoryServicer(
        DirectoryService(database, passwords or Passwords(), clock),
        calendar,
        clock,
        timezone,
        database,
    )
    # The coverage gauge reads the gateway's own data, so it needs no Directory call.
    workers: list[Worker] = [
        CalendarFeed(BusinessCalendar(timezone), calendar, clock, "directory", interval=60.0)
    ]
    if amqp_url:
        workers.append(
            OutboxRelay(
                database,
                PlatformTables(MetaData()),
                EventPublisher(amqp_url, topology or BusTopology()),
                clock,
                "gateway",
            )
        )
    else:
        log.warning(
            "SECRETARIAT_AMQP_URL is not set: calendar changes wait in the gateway's outbox"
        )

    def register(server: grpc.Server) -> None:
        directory_pb2_grpc.add_DirectoryServicer_to_server(servicer, server)

    return GrpcService(
        name="directory",
        verifier=verifier,
        register=register,
        service_names=[SERVICE_NAME],
        host=host,
        port=port,
        max_workers=max_workers,
        workers=workers,
    )


def main() -> None:
    settings = load_or_exit(DirectoryServerSettings)
    setup_logging("directory", settings.log_level)
    setup_tracing("directory")
    start_metrics(settings.metrics_port, settings.directory_grpc_host)
    clock = clock_from_settings(settings.testing, settings.clock_file)
    database = Database(settings.database_url)
    verifier = verifier_from_settings(
        settings.identity_public_key,
        clock,
        settings.internal_token_secret,
        settings.service_public_keys,
    )
    spec = directory_service_spec(
        database,
        verifier,
        clock,
        host=settings.directory_grpc_host,
        port=settings.directory_grpc_port,
        max_workers=settings.worker_threads,
        amqp_url=settings.amqp_url,
        timezone=settings.timezone,
    )
    serve_forever(spec, on_stop=[database.dispose])


if __name__ == "__main__":
    main()
