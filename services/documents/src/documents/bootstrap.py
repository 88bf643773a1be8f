"""Composition root: builds the documents service from its settings.

Nothing is created at import; :func:`build` wires the database, the
outbox relay, the timer scheduler, the Directory client, the seal key and
the gRPC APIs (the document register and the approval engine).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import grpc

from documents.adapters.directory_client import GrpcDirectory
from documents.adapters.orm import platform
from documents.adapters.seal_signer import SealSigner, seal_signer_for
from documents.entrypoints.approvals_servicer import ApprovalsServicer
from documents.entrypoints.grpc_servicer import DocumentRegistryServicer
from documents.service_layer.approval_deadlines import ApprovalDeadlines
from documents.service_layer.approvals import ESCALATION_TIMER, REMINDER_TIMER, ApprovalEngine
from documents.service_layer.ports import Directory
from documents.service_layer.register import (
    FLOW_DUE_TIMER,
    STEP_DUE_TIMER,
    STEP_ESCALATION_TIMER,
    DocumentRegister,
)
from documents.service_layer.sla_report import SlaReports
from documents.service_layer.unit_of_work import DocumentsUnitOfWork
from secretariat.documents.v1 import (
    approvals_pb2,
    approvals_pb2_grpc,
    documents_pb2,
    documents_pb2_grpc,
)
from secretariat_shared.bus import BusTopology, EventPublisher
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.calendar_sync import (
    CALENDAR_UPDATED,
    CalendarFeed,
    CalendarSource,
    GrpcCalendarSource,
)
from secretariat_shared.clock import Clock, clock_from_settings
from secretariat_shared.consumer import EventConsumer
from secretariat_shared.db import Database
from secretariat_shared.grpc_server import GrpcService
from secretariat_shared.identity import IdentityVerifier, service_token
from secretariat_shared.relay import OutboxRelay
from secretariat_shared.settings import ServiceSettings
from secretariat_shared.timers import TimerScheduler, TimerStore

SERVICE = "documents"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@dataclass
class DocumentsApp:
    settings: ServiceSettings
    clock: Clock
    db: Database
    register: DocumentRegister
    approvals: ApprovalEngine
    sla_reports: SlaReports
    relay: OutboxRelay
    scheduler: TimerScheduler
    grpc_service: GrpcService
    closers: list[object] = field(default_factory=list)
    calendar: BusinessCalendar | None = None
    calendar_feed: CalendarFeed | None = None
    consumer: EventConsumer | None = None


def build(
    settings: ServiceSettings,
    clock: Clock | None = None,
    directory: Directory | None = None,
    topology: BusTopology | None = None,
    sealer: SealSigner | None = None,
    calendar_source: CalendarSource | None = None,
) -> DocumentsApp:
    clock = clock or clock_from_settings(settings.testing, settings.clock_file)
    db = Database(settings.database_url)
    calendar = BusinessCalendar.from_overrides_json(settings.calendar_overrides, settings.timezone)
    publisher = EventPublisher(settings.amqp_url, topology or BusTopology())
    relay = OutboxRelay(
        db, platform, publisher, clock, SERVICE, idle_interval=settings.relay_interval
    )

    def uow_factory() -> DocumentsUnitOfWork:
        return DocumentsUnitOfWork(db, platform, SERVICE, clock, on_commit=relay.wake)

    if directory is None:
        if not settings.directory_address:
            raise SystemExit(
                "configuration error: missing required environment variable "
                "SECRETARIAT_DIRECTORY_ADDRESS (the gateway's Directory gRPC service)"
            )
        directory = GrpcDirectory(
            settings.directory_address,
            lambda: service_token(SERVICE, settings.internal_token_secret, clock),
        )
    register = DocumentRegister(uow_factory, directory, calendar, clock, db, settings.timezone)
    # the organisation's holiday years at start and every minute; changes
    # at once through directory.calendar.updated, which also moves deadlines.
    if calendar_source is None and settings.directory_address:
        calendar_source = GrpcCalendarSource(
            settings.directory_address,
            lambda: service_token(SERVICE, settings.internal_token_secret, clock),
        )
    calendar_feed = CalendarFeed(calendar, calendar_source, clock, SERVICE)
    consumer = EventConsumer(
        settings.amqp_url,
        topology or BusTopology(),
        SERVICE,
        db,
        platform,
        uow_factory,
        clock=clock,
    )
    consumer.subscribe(CALENDAR_UPDATED, "documents.calendar_updated", register.on_calendar_updated)
    if sealer is None:
        sealer = seal_signer_for(
            getattr(settings, "seal_private_key", ""),
            allow_ephemeral=settings.testing or bool(getattr(settings, "demo", False)),
        )
    approvals = ApprovalEngine(
        uow_factory, directory, calendar, clock, db, sealer, settings.timezone
    )
    approval_deadlines = ApprovalDeadlines(calendar, clock, TimerStore(platform))
    consumer.subscribe(
        CALENDAR_UPDATED,
        "documents.approvals_calendar_updated",
        approval_deadlines.on_calendar_updated,
    )
    scheduler = TimerScheduler(
        db,
        platform,
        clock,
        {
            STEP_DUE_TIMER: register.on_step_due,
            STEP_ESCALATION_TIMER: register.on_step_escalation,
            FLOW_DUE_TIMER: register.on_flow_due,
            REMINDER_TIMER: approvals.on_step_reminder,
            ESCALATION_TIMER: approvals.on_step_escalation,
        },
        uow_factory,
        SERVICE,
        interval=settings.scheduler_interval,
    )
    servicer = DocumentRegistryServicer(register)
    sla_reports = SlaReports(approvals, db, clock, settings.timezone)
    approvals_servicer = ApprovalsServicer(
        approvals, approval_deadlines.due_provisional, sla_reports
    )

    def add_servicers(server: grpc.Server) -> None:
        documents_pb2_grpc.add_DocumentRegistryServicer_to_server(servicer, server)
        approvals_pb2_grpc.add_ApprovalsServicer_to_server(approvals_servicer, server)

    grpc_service = GrpcService(
        name=SERVICE,
        verifier=IdentityVerifier(
            settings.identity_public_key, clock, settings.internal_token_secret
        ),
        register=add_servicers,
        service_names=[
            documents_pb2.DESCRIPTOR.services_by_name["DocumentRegistry"].full_name,
            approvals_pb2.DESCRIPTOR.services_by_name["Approvals"].full_name,
        ],
        host=settings.grpc_host,
        port=settings.grpc_port,
        max_workers=settings.worker_threads,
        workers=[relay, scheduler, calendar_feed, consumer],
    )
    return DocumentsApp(
        settings,
        clock,
        db,
        register,
        approvals,
        sla_reports,
        relay,
        scheduler,
        grpc_service,
        calendar=calendar,
        calendar_feed=calendar_feed,
        consumer=consumer,
    )
