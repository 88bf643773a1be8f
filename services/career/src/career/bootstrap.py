"""Composition root of the career service (SPEC C-01..C-08).

Nothing is built at import. :func:`build` wires the database, the outbox
relay, the timer scheduler and the event consumer (approval outcomes and
performance's results), all on the one application clock, the Directory and
approval-engine clients and the gRPC API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc

from career.adapters.orm import platform
from career.entrypoints.grpc_servicer import CareerServicer
from career.service_layer import approvals as approvals_module
from career.service_layer import files as files_module
from career.service_layer import mentoring as mentoring_module
from career.service_layer import talent as talent_module
from career.service_layer import training as training_module
from career.service_layer import transfers as transfers_module
from career.service_layer.approvals import ApprovalLink
from career.service_layer.common import SERVICE, Context
from career.service_layer.files import CareerFiles
from career.service_layer.mentoring import Mentoring
from career.service_layer.ports import Approvals, CareerDirectory
from career.service_layer.promotion import Promotions
from career.service_layer.talent import TalentReview
from career.service_layer.training import Training
from career.service_layer.transfers import Transfers
from career.settings import CareerSettings
from secretariat.career.v1 import career_pb2, career_pb2_grpc
from secretariat_shared.bus import BusTopology, EventPublisher
from secretariat_shared.clock import Clock, clock_from_settings
from secretariat_shared.consumer import EventConsumer
from secretariat_shared.db import Database
from secretariat_shared.directory_sync import listeners_for
from secretariat_shared.grpc_server import GrpcService
from secretariat_shared.identity import (
    service_signing_key,
    service_token,
    verifier_from_settings,
)
from secretariat_shared.relay import OutboxRelay
from secretariat_shared.timers import TimerHandler, TimerScheduler
from secretariat_shared.uow import UnitOfWork

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
APPROVAL_COMPLETED = "documents.approval.completed"
# Performance's events (P-07), as the career contract's comments define them.
ANNUAL_GRADE_PUBLISHED = "performance.annual_grade.published"
PROMOTION_PRIORITY_FLAGGED = "performance.promotion_priority.flagged"


@dataclass
class CareerUseCases:
    ctx: Context
    promotions: Promotions
    transfers: Transfers
    files: CareerFiles
    training: Training
    mentoring: Mentoring
    talent: TalentReview
    approvals: ApprovalLink


@dataclass
class CareerApp:
    settings: CareerSettings
    clock: Clock
    db: Database
    cases: CareerUseCases
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


def use_cases(ctx: Context) -> CareerUseCases:
    promotions = Promotions(ctx)
    transfers = Transfers(ctx, promotions)
    files = CareerFiles(ctx)
    link = ApprovalLink(ctx)
    link.route("promotion", promotions.promotion_decided)
    link.route("application", transfers.application_decided)
    return CareerUseCases(
        ctx,
        promotions,
        transfers,
        files,
        Training(ctx),
        Mentoring(ctx, files),
        TalentReview(ctx),
        link,
    )


def timer_handlers(cases: CareerUseCases) -> dict[str, TimerHandler]:
    """Every timer kind the service schedules, and what fires it (X-05)."""
    return {
        approvals_module.START_TIMER: cases.approvals.on_start_due,
        transfers_module.CHECK_IN_TIMER: cases.transfers.on_check_in_due,
        files_module.REVIEW_TIMER: cases.files.on_review_due,
        training_module.MANDATORY_TIMER: cases.training.on_mandatory_due,
        mentoring_module.WEEK_TIMER: cases.mentoring.on_week_due,
        mentoring_module.GOLD_TIMER: cases.mentoring.on_gold_due,
        mentoring_module.ROTATION_DUE_TIMER: cases.mentoring.on_rotation_due,
        talent_module.GROWTH_TIMER: cases.talent.on_growth_due,
    }


def subscribe(consumer: EventConsumer, cases: CareerUseCases) -> None:
    consumer.subscribe(
        APPROVAL_COMPLETED, "career.approval_completed", cases.approvals.on_approval_completed
    )
    consumer.subscribe(
        ANNUAL_GRADE_PUBLISHED, "career.annual_grade", cases.promotions.on_annual_grade
    )
    consumer.subscribe(
        PROMOTION_PRIORITY_FLAGGED, "career.priority_flagged", cases.promotions.on_priority_flagged
    )


def build(
    settings: CareerSettings,
    clock: Clock | None = None,
    directory: CareerDirectory | None = None,
    approvals: Approvals | None = None,
    topology: BusTopology | None = None,
) -> CareerApp:
    clock = clock or clock_from_settings(settings.testing, settings.clock_file)
    topology = topology or BusTopology()
    db = Database(settings.database_url)
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
        key = service_signing_key(settings.service_private_key, settings.internal_token_secret)
        return service_token(SERVICE, key, clock)

    if directory is None:
        from career.adapters.directory_client import CareerGrpcDirectory

        address = _required(
            settings.directory_address,
            "SECRETARIAT_DIRECTORY_ADDRESS",
            "the gateway's Directory gRPC service",
        )
        directory = CareerGrpcDirectory(address, token)
    if approvals is None:
        from career.adapters.approvals_client import GrpcApprovals

        address = _required(
            settings.documents_address,
            "SECRETARIAT_DOCUMENTS_ADDRESS",
            "the documents service, whose approval engine runs the approvals",
        )
        approvals = GrpcApprovals(address, token)
    ctx = Context(uow_factory, db, clock, directory, approvals, settings.timezone)
    cases = use_cases(ctx)
    scheduler = TimerScheduler(
        db,
        platform,
        clock,
        timer_handlers(cases),
        uow_factory,
        SERVICE,
        interval=settings.scheduler_interval,
    )
    consumer = EventConsumer(
        settings.amqp_url, topology, SERVICE, db, platform, uow_factory, clock=clock
    )
    subscribe(consumer, cases)
    talent_module.UNREADY_KEY_POSTS.set_function(cases.talent.unready_count)
    servicer = CareerServicer(
        cases.promotions,
        cases.transfers,
        cases.files,
        cases.training,
        cases.mentoring,
        cases.talent,
    )

    def add_servicers(server: grpc.Server) -> None:
        career_pb2_grpc.add_CareerServicer_to_server(servicer, server)

    grpc_service = GrpcService(
        name=SERVICE,
        verifier=verifier_from_settings(
            settings.identity_public_key,
            clock,
            settings.internal_token_secret,
            settings.service_public_keys,
        ),
        register=add_servicers,
        service_names=[career_pb2.DESCRIPTOR.services_by_name["Career"].full_name],
        host=settings.grpc_host,
        port=settings.grpc_port,
        max_workers=settings.worker_threads,
        workers=[
            relay,
            scheduler,
            consumer,
            *listeners_for(settings.amqp_url, settings.directory_address, topology, SERVICE),
        ],
    )
    return CareerApp(settings, clock, db, cases, relay, scheduler, consumer, grpc_service)
