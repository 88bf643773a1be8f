"""Composition root: builds the facilities service from its settings.

Nothing is created at import; :func:`build` wires the database, the outbox
relay, the timer scheduler, the approval-outcome consumer, the Directory
and approval-engine clients and the gRPC API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import grpc

from facilities.adapters.approvals_client import GrpcApprovals
from facilities.adapters.directory_client import GrpcDirectory
from facilities.adapters.orm import platform
from facilities.adapters.qr import qr_png
from facilities.entrypoints.grpc_servicer import FacilitiesServicer
from facilities.service_layer import incidents as incidents_module
from facilities.service_layer import repairs as repairs_module
from facilities.service_layer import sites as sites_module
from facilities.service_layer.common import SERVICE, Context
from facilities.service_layer.incidents import Incidents
from facilities.service_layer.outcomes import ApprovalOutcomes
from facilities.service_layer.ports import Approvals, Directory
from facilities.service_layer.repairs import Repairs
from facilities.service_layer.sites import Sites
from facilities.service_layer.supplies import DELIVERY_DUE_TIMER, Supplies, derive_code_key
from facilities.service_layer.travel import Travel
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork
from facilities.settings import FacilitiesSettings
from secretariat.facilities.v1 import facilities_pb2, facilities_pb2_grpc
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
from secretariat_shared.timers import TimerHandler, TimerScheduler

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
APPROVAL_COMPLETED = "documents.approval.completed"


@dataclass
class FacilitiesApp:
    settings: FacilitiesSettings
    clock: Clock
    db: Database
    supplies: Supplies
    repairs: Repairs
    sites: Sites
    travel: Travel
    incidents: Incidents
    outcomes: ApprovalOutcomes
    relay: OutboxRelay
    scheduler: TimerScheduler
    consumer: EventConsumer
    grpc_service: GrpcService


def _required(value: str, variable: str, what: str) -> str:
    if not value:
        raise SystemExit(
            f"configuration error: missing required environment variable {variable} ({what})"
        )
    return value


def timer_handlers(
    supplies: Supplies, repairs: Repairs, sites: Sites, incidents: Incidents
) -> dict[str, TimerHandler]:
    """Every timer kind the service schedules, and what fires it (X-05)."""
    return {
        DELIVERY_DUE_TIMER: supplies.on_delivery_due,
        repairs_module.RESPONSE_TIMER: repairs.on_response_due,
        repairs_module.RESOLUTION_TIMER: repairs.on_resolution_due,
        sites_module.ROUND_TIMER: sites.on_round_due,
        sites_module.RECTIFICATION_TIMER: sites.on_rectification_due,
        incidents_module.PLAN_TIMER: incidents.on_plan_due,
        incidents_module.RESTORE_TIMER: incidents.on_restore_due,
    }


def build(
    settings: FacilitiesSettings,
    clock: Clock | None = None,
    directory: Directory | None = None,
    approvals: Approvals | None = None,
    topology: BusTopology | None = None,
    calendar_source: CalendarSource | None = None,
) -> FacilitiesApp:
    clock = clock or clock_from_settings(settings.testing, settings.clock_file)
    topology = topology or BusTopology()
    db = Database(settings.database_url)
    calendar = BusinessCalendar.from_overrides_json(settings.calendar_overrides, settings.timezone)
    relay = OutboxRelay(
        db,
        platform,
        EventPublisher(settings.amqp_url, topology),
        clock,
        SERVICE,
        idle_interval=settings.relay_interval,
    )

    def uow_factory() -> FacilitiesUnitOfWork:
        return FacilitiesUnitOfWork(db, platform, SERVICE, clock, on_commit=relay.wake)

    def token() -> str:
        return service_token(SERVICE, settings.internal_token_secret, clock)

    if directory is None:
        address = _required(
            settings.directory_address,
            "SECRETARIAT_DIRECTORY_ADDRESS",
            "the gateway's Directory gRPC service",
        )
        directory = GrpcDirectory(address, token)
    if approvals is None:
        address = _required(
            settings.documents_address,
            "SECRETARIAT_DOCUMENTS_ADDRESS",
            "the documents service, whose approval engine runs the approvals",
        )
        approvals = GrpcApprovals(address, token)
    ctx = Context(uow_factory, db, clock, calendar, directory, approvals, settings.timezone)
    supplies = Supplies(
        ctx,
        derive_code_key(settings.collection_code_key, settings.internal_token_secret),
        timedelta(hours=settings.collection_code_ttl_hours),
        qr_png,
        settings.min_stock_window_days,
        settings.demand_list_template,
    )
    repairs = Repairs(ctx)
    sites = Sites(ctx)
    travel = Travel(ctx)
    incidents = Incidents(ctx)
    outcomes = ApprovalOutcomes(supplies, travel)
    scheduler = TimerScheduler(
        db,
        platform,
        clock,
        timer_handlers(supplies, repairs, sites, incidents),
        uow_factory,
        SERVICE,
        interval=settings.scheduler_interval,
    )
    consumer = EventConsumer(
        settings.amqp_url, topology, SERVICE, db, platform, uow_factory, clock=clock
    )
    consumer.subscribe(
        APPROVAL_COMPLETED, "facilities.approval_completed", outcomes.on_approval_completed
    )
    consumer.subscribe(CALENDAR_UPDATED, "facilities.calendar_updated", repairs.on_calendar_updated)
    # the organisation's holiday years at start and every minute.
    if calendar_source is None and settings.directory_address:
        calendar_source = GrpcCalendarSource(settings.directory_address, token)
    calendar_feed = CalendarFeed(calendar, calendar_source, clock, SERVICE)
    servicer = FacilitiesServicer(supplies, repairs, sites, travel, incidents)

    def add_servicers(server: grpc.Server) -> None:
        facilities_pb2_grpc.add_FacilitiesServicer_to_server(servicer, server)

    grpc_service = GrpcService(
        name=SERVICE,
        verifier=IdentityVerifier(
            settings.identity_public_key, clock, settings.internal_token_secret
        ),
        register=add_servicers,
        service_names=[facilities_pb2.DESCRIPTOR.services_by_name["Facilities"].full_name],
        host=settings.grpc_host,
        port=settings.grpc_port,
        max_workers=settings.worker_threads,
        workers=[relay, scheduler, consumer, calendar_feed],
    )
    return FacilitiesApp(
        settings,
        clock,
        db,
        supplies,
        repairs,
        sites,
        travel,
        incidents,
        outcomes,
        relay,
        scheduler,
        consumer,
        grpc_service,
    )
