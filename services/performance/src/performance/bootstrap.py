"""Composition root of the performance service (SPEC P-01..P-10).

Nothing is created at import; :func:`build` wires the database, the outbox
relay, the timer scheduler, the fact consumer (other services' events), the
Directory and approval-engine clients, the business calendar and the gRPC API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc

from performance.adapters.approvals_client import GrpcApprovals
from performance.adapters.orm import platform
from performance.entrypoints.grpc_servicer import PerformanceServicer
from performance.service_layer import appeals as appeals_module
from performance.service_layer import appraisal as appraisal_module
from performance.service_layer.appeals import Appeals
from performance.service_layer.appraisal import Appraisals
from performance.service_layer.context import SERVICE, Context
from performance.service_layer.followups import FollowUps
from performance.service_layer.intake import FactIntake
from performance.service_layer.ports import Approvals, Directory
from performance.settings import PerformanceSettings
from secretariat.performance.v1 import performance_pb2, performance_pb2_grpc
from secretariat_shared.bus import BusTopology, EventPublisher
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.calendar_sync import CalendarFeed, CalendarSource, GrpcCalendarSource
from secretariat_shared.clock import Clock, clock_from_settings
from secretariat_shared.consumer import EventConsumer
from secretariat_shared.db import Database
from secretariat_shared.directory import GrpcDirectory
from secretariat_shared.grpc_server import GrpcService
from secretariat_shared.identity import IdentityVerifier, service_token
from secretariat_shared.relay import OutboxRelay
from secretariat_shared.timers import TimerHandler, TimerScheduler
from secretariat_shared.uow import UnitOfWork

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
APPROVAL_COMPLETED = "documents.approval.completed"

__all__ = ["MIGRATIONS", "SERVICE", "PerformanceApp", "build"]


@dataclass
class PerformanceApp:
    settings: PerformanceSettings
    clock: Clock
    db: Database
    ctx: Context
    appraisals: Appraisals
    appeals: Appeals
    followups: FollowUps
    intake: FactIntake
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
    appraisals: Appraisals, appeals: Appeals, followups: FollowUps
) -> dict[str, TimerHandler]:
    """Every timer kind the service schedules, and what fires it (X-05)."""
    return {
        appraisal_module.PUBLICATION_TIMER: appraisals.on_publication_due,
        appraisal_module.RATINGS_TIMER: appraisals.on_ratings_close,
        appraisal_module.INTERVIEW_TIMER: followups.on_interview_due,
        appraisal_module.CHECK_IN_TIMER: followups.on_check_in_due,
        appeals_module.START_TIMER: appeals.on_start_due,
        appeals_module.DECISION_TIMER: appeals.on_decision_due,
        appeals_module.REVIEW_TIMER: appeals.on_review_due,
    }


def build(
    settings: PerformanceSettings,
    clock: Clock | None = None,
    directory: Directory | None = None,
    approvals: Approvals | None = None,
    topology: BusTopology | None = None,
    calendar_source: CalendarSource | None = None,
) -> PerformanceApp:
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

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(db, platform, SERVICE, clock, on_commit=relay.wake)

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
            "the documents service, whose approval engine runs appeals",
        )
        approvals = GrpcApprovals(address, token)
    ctx = Context(uow_factory, db, clock, calendar, directory, approvals)
    appraisals = Appraisals(ctx)
    appeals = Appeals(ctx, appraisals)
    followups = FollowUps(ctx, appraisals)
    intake = FactIntake(ctx, appraisals)
    scheduler = TimerScheduler(
        db,
        platform,
        clock,
        timer_handlers(appraisals, appeals, followups),
        uow_factory,
        SERVICE,
        interval=settings.scheduler_interval,
    )
    consumer = EventConsumer(
        settings.amqp_url, topology, SERVICE, db, platform, uow_factory, clock=clock
    )
    for event_type, handler in intake.handlers().items():
        consumer.subscribe(event_type, f"performance.fact.{event_type}", handler)
    consumer.subscribe(
        APPROVAL_COMPLETED, "performance.approval_completed", appeals.on_approval_completed
    )
    consumer.subscribe(
        "documents.approval.approved",
        "performance.appeal_review",
        appeals.on_approval_step_approved,
    )
    if calendar_source is None and settings.directory_address:
        calendar_source = GrpcCalendarSource(settings.directory_address, token)
    calendar_feed = CalendarFeed(calendar, calendar_source, clock, SERVICE)
    servicer = PerformanceServicer(appraisals, appeals, followups)

    def add_servicers(server: grpc.Server) -> None:
        performance_pb2_grpc.add_PerformanceServicer_to_server(servicer, server)

    grpc_service = GrpcService(
        name=SERVICE,
        verifier=IdentityVerifier(
            settings.identity_public_key, clock, settings.internal_token_secret
        ),
        register=add_servicers,
        service_names=[performance_pb2.DESCRIPTOR.services_by_name["Performance"].full_name],
        host=settings.grpc_host,
        port=settings.grpc_port,
        max_workers=settings.worker_threads,
        workers=[relay, scheduler, consumer, calendar_feed],
    )
    return PerformanceApp(
        settings,
        clock,
        db,
        ctx,
        appraisals,
        appeals,
        followups,
        intake,
        relay,
        scheduler,
        consumer,
        grpc_service,
    )
