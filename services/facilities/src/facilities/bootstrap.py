"""Composition root: the facilities service on the service kit.

The kit builds the platform (database, unit of work, relay, consumer, timer
scheduler, calendar feed, gRPC server); this module adds the use cases,
the approval-engine client, the approval-outcome and calendar handlers,
the timers and the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from facilities.adapters.audit_trail import FacilitiesAuditTrail
from facilities.adapters.orm import platform
from facilities.adapters.qr import qr_png
from facilities.entrypoints.grpc_servicer import FacilitiesServicer
from facilities.service_layer import incidents as incidents_module
from facilities.service_layer import repairs as repairs_module
from facilities.service_layer import sites as sites_module
from facilities.service_layer.approval_start import APPROVAL_START_TIMER, approval_start_handler
from facilities.service_layer.common import SERVICE, Context
from facilities.service_layer.incidents import Incidents
from facilities.service_layer.outcomes import ApprovalOutcomes
from facilities.service_layer.ports import Approvals, ApprovalsUnavailable, Directory
from facilities.service_layer.repairs import Repairs
from facilities.service_layer.sites import Sites
from facilities.service_layer.supplies import (
    DELIVERY_DUE_TIMER,
    SIGNATURE_DUE_TIMER,
    Supplies,
    derive_code_key,
)
from facilities.service_layer.travel import Travel
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork
from facilities.settings import FacilitiesSettings
from secretariat.facilities.v1 import facilities_pb2, facilities_pb2_grpc
from secretariat_shared.approvals import GrpcApprovals
from secretariat_shared.bus import BusTopology
from secretariat_shared.calendar_sync import CALENDAR_UPDATED, CalendarSource
from secretariat_shared.clock import Clock
from secretariat_shared.service import ServiceApp, ServiceKit, Servicer, Subscription, Wiring
from secretariat_shared.timers import TimerHandler

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
APPROVAL_COMPLETED = "documents.approval.completed"


def timer_handlers(
    supplies: Supplies, repairs: Repairs, sites: Sites, incidents: Incidents, travel: Travel
) -> dict[str, TimerHandler]:
    """Every timer kind the service schedules, and what fires it (X-05)."""
    return {
        APPROVAL_START_TIMER: approval_start_handler(
            supplies.approval_starter, travel.approval_starter
        ),
        DELIVERY_DUE_TIMER: supplies.on_delivery_due,
        SIGNATURE_DUE_TIMER: supplies.on_signature_due,
        repairs_module.RESPONSE_TIMER: repairs.on_response_due,
        repairs_module.RESOLUTION_TIMER: repairs.on_resolution_due,
        sites_module.ROUND_TIMER: sites.on_round_due,
        sites_module.RECTIFICATION_TIMER: sites.on_rectification_due,
        incidents_module.PLAN_TIMER: incidents.on_plan_due,
        incidents_module.RESTORE_TIMER: incidents.on_restore_due,
    }


@dataclass
class FacilitiesApp(ServiceApp[FacilitiesSettings, FacilitiesUnitOfWork]):
    """The built service, with its use cases for tests and tools."""

    supplies: Supplies
    repairs: Repairs
    sites: Sites
    travel: Travel
    incidents: Incidents
    outcomes: ApprovalOutcomes


def build(
    settings: FacilitiesSettings,
    clock: Clock,
    directory: Directory | None = None,
    approvals: Approvals | None = None,
    topology: BusTopology | None = None,
    calendar_source: CalendarSource | None = None,
) -> FacilitiesApp:
    """``directory``, ``approvals`` and ``calendar_source`` replace the real ones in tests."""
    kit = ServiceKit(
        SERVICE, settings, clock, platform, uow_class=FacilitiesUnitOfWork, topology=topology
    )
    if directory is None:
        directory = kit.directory()
    if approvals is None:
        if not settings.documents_address:
            raise SystemExit(
                "configuration error: missing required environment variable "
                "SECRETARIAT_DOCUMENTS_ADDRESS (the documents service, whose approval "
                "engine runs the approvals)"
            )
        approvals = GrpcApprovals(
            settings.documents_address,
            kit.service_token,
            SERVICE,
            unavailable=lambda: ApprovalsUnavailable(
                "the approval engine cannot be reached; the approval starts when it is back"
            ),
        )
    calendar = kit.business_calendar(calendar_source)
    ctx = Context(kit.uow, kit.db, clock, calendar, directory, approvals, settings.timezone)
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
    servicer = FacilitiesServicer(
        supplies, repairs, sites, travel, incidents, audit_trail=FacilitiesAuditTrail(kit.db)
    )
    app = kit.assemble(
        Wiring(
            servicers=[Servicer.of(facilities_pb2, facilities_pb2_grpc, "Facilities", servicer)],
            subscriptions=[
                Subscription(
                    APPROVAL_COMPLETED,
                    "facilities.approval_completed",
                    outcomes.on_approval_completed,
                ),
                # a new holiday year moves provisional deadlines at once.
                Subscription(
                    CALENDAR_UPDATED, "facilities.calendar_updated", repairs.on_calendar_updated
                ),
            ],
            timer_handlers=timer_handlers(supplies, repairs, sites, incidents, travel),
        )
    )
    return FacilitiesApp(
        app.kit,
        app.wiring,
        app.consumer,
        app.scheduler,
        app.grpc_service,
        supplies=supplies,
        repairs=repairs,
        sites=sites,
        travel=travel,
        incidents=incidents,
        outcomes=outcomes,
    )
