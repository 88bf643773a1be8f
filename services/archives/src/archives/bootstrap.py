"""Composition root of the archives service (SPEC A-01..A-06).

Nothing is created at import; :func:`build` wires the database, the outbox
relay, the timer scheduler, the event consumer (archived documents, sealed
approvals, approval outcomes), the Directory and documents clients, the
copy vault and the gRPC API. Every background worker gets the application
clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import grpc

from archives.adapters.approvals_client import GrpcApprovals
from archives.adapters.documents_client import GrpcDocuments
from archives.adapters.orm import platform
from archives.adapters.vault import Vault, derived_master_key, parse_master_keys
from archives.entrypoints.grpc_servicer import ArchivesServicer
from archives.service_layer import loans as loans_module
from archives.service_layer.climate import Climate
from archives.service_layer.common import SERVICE, START_APPROVAL_TIMER, Context
from archives.service_layer.destruction import Destructions
from archives.service_layer.loans import Loans
from archives.service_layer.outcomes import ApprovalOutcomes
from archives.service_layer.ports import Approvals, Directory, Documents
from archives.service_layer.records import Records
from archives.service_layer.stocktake import StockTakes
from archives.settings import ArchivesSettings
from secretariat.archives.v1 import archives_pb2, archives_pb2_grpc
from secretariat_shared.bus import BusTopology, EventPublisher
from secretariat_shared.clock import Clock, clock_from_settings
from secretariat_shared.consumer import EventConsumer
from secretariat_shared.db import Database
from secretariat_shared.directory import GrpcDirectory
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
DOCUMENT_ARCHIVED = "documents.document.archived"
APPROVAL_SEALED = "documents.approval.sealed"
APPROVAL_COMPLETED = "documents.approval.completed"


@dataclass
class ArchivesApp:
    settings: ArchivesSettings
    clock: Clock
    db: Database
    records: Records
    loans: Loans
    climate: Climate
    stock_takes: StockTakes
    destructions: Destructions
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


def vault_from_settings(settings: ArchivesSettings) -> Vault:
    keys = parse_master_keys(settings.archives_master_keys)
    if not keys:
        keys = {"derived-1": derived_master_key(settings.internal_token_secret)}
    active = settings.archives_active_key_id or next(iter(keys))
    return Vault(keys, active)


def timer_handlers(loans: Loans, outcomes: ApprovalOutcomes) -> dict[str, TimerHandler]:
    """Every timer kind the service schedules, and what fires it (X-05)."""
    return {
        START_APPROVAL_TIMER: outcomes.on_start_approval,
        loans_module.DUE_TIMER: loans.on_due_reminder,
        loans_module.OVERDUE_TIMER: loans.on_overdue,
    }


def build(
    settings: ArchivesSettings,
    clock: Clock | None = None,
    directory: Directory | None = None,
    approvals: Approvals | None = None,
    documents: Documents | None = None,
    topology: BusTopology | None = None,
) -> ArchivesApp:
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
        address = _required(
            settings.directory_address,
            "SECRETARIAT_DIRECTORY_ADDRESS",
            "the gateway's Directory gRPC service",
        )
        directory = GrpcDirectory(address, token)
    if approvals is None or documents is None:
        address = _required(
            settings.documents_address,
            "SECRETARIAT_DOCUMENTS_ADDRESS",
            "the documents service: archived documents, seals and the approval engine",
        )
        approvals = approvals or GrpcApprovals(address, token)
        documents = documents or GrpcDocuments(address, token)
    ctx = Context(
        uow_factory,
        db,
        clock,
        directory,
        approvals,
        documents,
        vault_from_settings(settings),
        settings.timezone,
        timedelta(minutes=settings.climate_clear_minutes),
    )
    records = Records(ctx)
    loans = Loans(ctx)
    climate = Climate(ctx)
    stock_takes = StockTakes(ctx)
    destructions = Destructions(ctx)
    outcomes = ApprovalOutcomes(loans, destructions)
    scheduler = TimerScheduler(
        db,
        platform,
        clock,
        timer_handlers(loans, outcomes),
        uow_factory,
        SERVICE,
        interval=settings.scheduler_interval,
    )
    consumer = EventConsumer(
        settings.amqp_url, topology, SERVICE, db, platform, uow_factory, clock=clock
    )
    consumer.subscribe(
        DOCUMENT_ARCHIVED, "archives.document_archived", records.on_document_archived
    )
    consumer.subscribe(APPROVAL_SEALED, "archives.approval_sealed", records.on_approval_sealed)
    consumer.subscribe(
        APPROVAL_COMPLETED, "archives.approval_completed", outcomes.on_approval_completed
    )
    verifier = verifier_from_settings(
        settings.identity_public_key,
        clock,
        settings.internal_token_secret,
        settings.service_public_keys,
    )
    servicer = ArchivesServicer(records, loans, climate, stock_takes, destructions, verifier, clock)

    def add_servicers(server: grpc.Server) -> None:
        archives_pb2_grpc.add_ArchivesServicer_to_server(servicer, server)

    grpc_service = GrpcService(
        name=SERVICE,
        verifier=verifier,
        register=add_servicers,
        service_names=[archives_pb2.DESCRIPTOR.services_by_name["Archives"].full_name],
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
    return ArchivesApp(
        settings,
        clock,
        db,
        records,
        loans,
        climate,
        stock_takes,
        destructions,
        outcomes,
        relay,
        scheduler,
        consumer,
        grpc_service,
    )
