"""Composition root of the archives service (SPEC A-01..A-06).

The service kit builds the platform (database, relay, consumer, timer
scheduler, gRPC server) on the one application clock; this module adds the
copy vault, the documents and approval-engine clients, the use cases, their
event and timer handlers and the API. Nothing is created at import.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

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
from secretariat_shared.approvals import GrpcApprovals
from secretariat_shared.bus import BusTopology
from secretariat_shared.clock import Clock
from secretariat_shared.identity import verifier_from_settings
from secretariat_shared.service import ServiceApp, ServiceKit, Servicer, Subscription, Wiring
from secretariat_shared.timers import TimerHandler

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
DOCUMENT_ARCHIVED = "documents.document.archived"
APPROVAL_SEALED = "documents.approval.sealed"
APPROVAL_COMPLETED = "documents.approval.completed"

__all__ = ["MIGRATIONS", "SERVICE", "ArchivesApp", "build", "subscriptions", "timer_handlers"]

ArchivesApp = ServiceApp[ArchivesSettings]


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


def subscriptions(records: Records, outcomes: ApprovalOutcomes) -> list[Subscription]:
    """The documents service's events the archive acts on (A-01, A-03, A-06)."""
    return [
        Subscription(DOCUMENT_ARCHIVED, "archives.document_archived", records.on_document_archived),
        Subscription(APPROVAL_SEALED, "archives.approval_sealed", records.on_approval_sealed),
        Subscription(
            APPROVAL_COMPLETED, "archives.approval_completed", outcomes.on_approval_completed
        ),
    ]


def _documents_address(settings: ArchivesSettings) -> str:
    if not settings.documents_address:
        raise SystemExit(
            "configuration error: missing required environment variable "
            "SECRETARIAT_DOCUMENTS_ADDRESS (the documents service: archived documents, seals "
            "and the approval engine)"
        )
    return settings.documents_address


def build(
    settings: ArchivesSettings,
    clock: Clock,
    topology: BusTopology | None = None,
    *,
    directory: Directory | None = None,
    approvals: Approvals | None = None,
    documents: Documents | None = None,
) -> ArchivesApp:
    kit: ServiceKit[ArchivesSettings] = ServiceKit(
        SERVICE, settings, clock, platform, topology=topology
    )
    if approvals is None:
        approvals = GrpcApprovals(_documents_address(settings), kit.service_token, SERVICE)
    if documents is None:
        documents = GrpcDocuments(_documents_address(settings), kit.service_token)
    ctx = Context(
        kit.uow,
        kit.db,
        clock,
        directory or kit.directory(),
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
    verifier = verifier_from_settings(
        settings.identity_public_key,
        clock,
        settings.internal_token_secret,
        settings.service_public_keys,
    )
    servicer = ArchivesServicer(records, loans, climate, stock_takes, destructions, verifier, clock)
    return kit.assemble(
        Wiring(
            servicers=[Servicer.of(archives_pb2, archives_pb2_grpc, "Archives", servicer)],
            subscriptions=subscriptions(records, outcomes),
            timer_handlers=timer_handlers(loans, outcomes),
            on_serve=[climate.refresh_gauges],
        )
    )
