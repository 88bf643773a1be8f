"""Composition root: the documents service on the service kit.

The kit builds the platform (database, unit of work, relay, consumer, timer
scheduler, calendar feed, gRPC server); this module adds the document
register, the approval engine, their event handlers, timers, metrics and
APIs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from documents.adapters.month_sla_collector import MonthSlaCollector
from documents.adapters.open_approval_steps_collector import OpenApprovalStepsCollector
from documents.adapters.open_steps_collector import OpenStepsCollector
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
from secretariat_shared.bus import BusTopology
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.calendar_sync import CALENDAR_UPDATED, CalendarFeed, CalendarSource
from secretariat_shared.clock import Clock
from secretariat_shared.service import ServiceApp, ServiceKit, Servicer, Subscription, Wiring
from secretariat_shared.settings import ServiceSettings

SERVICE = "documents"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@dataclass
class DocumentsApp(ServiceApp[ServiceSettings, DocumentsUnitOfWork]):
    """The built service, with its two use-case objects for tests and tools."""

    register: DocumentRegister
    approvals: ApprovalEngine
    sla_reports: SlaReports
    calendar: BusinessCalendar
    calendar_feed: CalendarFeed | None


def build(
    settings: ServiceSettings,
    clock: Clock,
    directory: Directory | None = None,
    topology: BusTopology | None = None,
    sealer: SealSigner | None = None,
    calendar_source: CalendarSource | None = None,
) -> DocumentsApp:
    """``settings`` is normally ``DocumentsSettings`` (the seal key); ``directory``,
    ``sealer`` and ``calendar_source`` replace the real ones in tests."""
    kit = ServiceKit(
        SERVICE, settings, clock, platform, uow_class=DocumentsUnitOfWork, topology=topology
    )
    if directory is None:
        directory = kit.directory()
    calendar = kit.business_calendar(calendar_source)
    if sealer is None:
        sealer = seal_signer_for(
            getattr(settings, "seal_private_key", ""),
            allow_ephemeral=settings.testing or bool(getattr(settings, "demo", False)),
        )
    register = DocumentRegister(kit.uow, directory, calendar, clock, kit.db, settings.timezone)
    approvals = ApprovalEngine(
        kit.uow, directory, calendar, clock, kit.db, sealer, settings.timezone
    )
    approval_deadlines = ApprovalDeadlines(calendar, clock, kit.timers)
    sla_reports = SlaReports(approvals, kit.db, clock, settings.timezone)
    app = kit.assemble(
        Wiring(
            servicers=[
                Servicer.of(
                    documents_pb2,
                    documents_pb2_grpc,
                    "DocumentRegistry",
                    DocumentRegistryServicer(register),
                ),
                Servicer.of(
                    approvals_pb2,
                    approvals_pb2_grpc,
                    "Approvals",
                    ApprovalsServicer(approvals, approval_deadlines.due_provisional, sla_reports),
                ),
            ],
            # X-02: a new holiday year moves open steps' deadlines at once.
            subscriptions=[
                Subscription(
                    CALENDAR_UPDATED, "documents.calendar_updated", register.on_calendar_updated
                ),
                Subscription(
                    CALENDAR_UPDATED,
                    "documents.approvals_calendar_updated",
                    approval_deadlines.on_calendar_updated,
                ),
            ],
            timer_handlers={
                STEP_DUE_TIMER: register.on_step_due,
                STEP_ESCALATION_TIMER: register.on_step_escalation,
                FLOW_DUE_TIMER: register.on_flow_due,
                REMINDER_TIMER: approvals.on_step_reminder,
                ESCALATION_TIMER: approvals.on_step_escalation,
            },
            collectors=[
                OpenStepsCollector(kit.db),
                OpenApprovalStepsCollector(kit.db, clock),
                MonthSlaCollector(sla_reports),
            ],
        )
    )
    return DocumentsApp(
        app.kit,
        app.wiring,
        app.consumer,
        app.scheduler,
        app.grpc_service,
        register=register,
        approvals=approvals,
        sla_reports=sla_reports,
        calendar=calendar,
        calendar_feed=kit.calendar_feed,
    )
