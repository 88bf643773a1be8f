"""Composition root of the performance service (SPEC P-01..P-10).

The service kit builds the platform (database, relay, consumer, timer
scheduler, calendar feed, gRPC server); this module adds the use cases,
the fact handlers of the other services' events, the approval engine
client and the API. Nothing is created at import.
"""

from __future__ import annotations

from pathlib import Path

from performance.adapters.orm import platform
from performance.entrypoints.grpc_servicer import PerformanceServicer
from performance.service_layer import appeals as appeals_module
from performance.service_layer import appraisal as appraisal_module
from performance.service_layer import rotation_reviews as rotation_module
from performance.service_layer.appeals import Appeals
from performance.service_layer.appraisal import Appraisals
from performance.service_layer.context import SERVICE, Context
from performance.service_layer.followups import FollowUps
from performance.service_layer.intake import FactIntake
from performance.service_layer.ports import Approvals, Directory
from performance.service_layer.rotation_reviews import ROTATION_COMPLETED, RotationReviews
from performance.settings import PerformanceSettings
from secretariat.performance.v1 import performance_pb2, performance_pb2_grpc
from secretariat_shared.approvals import GrpcApprovals
from secretariat_shared.bus import BusTopology
from secretariat_shared.calendar_sync import CalendarSource
from secretariat_shared.clock import Clock
from secretariat_shared.service import ServiceApp, ServiceKit, Servicer, Subscription, Wiring
from secretariat_shared.timers import TimerHandler

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
APPROVAL_COMPLETED = "documents.approval.completed"
APPROVAL_STEP_APPROVED = "documents.approval.step_approved"
APPROVAL_REJECTED = "documents.approval.rejected"
CONSUMER_BATCH = 200
"""Events applied per transaction: fact ingestion keeps up with 1,000 events/s
(bench/performance_bench.py)."""

__all__ = ["MIGRATIONS", "SERVICE", "PerformanceApp", "build", "timer_handlers"]

PerformanceApp = ServiceApp


def timer_handlers(
    appraisals: Appraisals,
    appeals: Appeals,
    followups: FollowUps,
    rotation_reviews: RotationReviews,
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
        appeals_module.STATISTICS_TIMER: appeals.on_statistics_due,
        rotation_module.CLOSE_TIMER: rotation_reviews.on_ratings_close,
    }


def build(
    settings: PerformanceSettings,
    clock: Clock,
    directory: Directory | None = None,
    approvals: Approvals | None = None,
    topology: BusTopology | None = None,
    calendar_source: CalendarSource | None = None,
) -> ServiceApp[PerformanceSettings]:
    kit: ServiceKit[PerformanceSettings] = ServiceKit(
        SERVICE, settings, clock, platform, topology=topology
    )
    if approvals is None:
        if not settings.documents_address:
            raise SystemExit(
                "configuration error: missing required environment variable "
                "SECRETARIAT_DOCUMENTS_ADDRESS (the documents service, whose approval engine "
                "runs appeals)"
            )
        approvals = GrpcApprovals(settings.documents_address, kit.service_token, SERVICE)
    ctx = Context(
        kit.uow,
        kit.db,
        clock,
        kit.business_calendar(calendar_source),
        directory or kit.directory(),
        approvals,
    )
    appraisals = Appraisals(ctx)
    appeals = Appeals(ctx, appraisals)
    followups = FollowUps(ctx, appraisals)
    intake = FactIntake(ctx, appraisals)
    rotation_reviews = RotationReviews(ctx)
    subscriptions = [
        Subscription(event_type, f"performance.fact.{event_type}", handler)
        for event_type, handler in intake.handlers().items()
    ]
    subscriptions += [
        Subscription(
            APPROVAL_COMPLETED, "performance.approval_completed", appeals.on_approval_completed
        ),
        Subscription(
            APPROVAL_STEP_APPROVED, "performance.appeal_review", appeals.on_approval_step_approved
        ),
        Subscription(
            APPROVAL_REJECTED, "performance.appeal_rejected", appeals.on_approval_rejected
        ),
        Subscription(
            ROTATION_COMPLETED,
            "performance.rotation_review",
            rotation_reviews.on_rotation_completed,
        ),
    ]
    servicer = PerformanceServicer(appraisals, appeals, followups, rotation_reviews)
    return kit.assemble(
        Wiring(
            servicers=[Servicer.of(performance_pb2, performance_pb2_grpc, "Performance", servicer)],
            subscriptions=subscriptions,
            timer_handlers=timer_handlers(appraisals, appeals, followups, rotation_reviews),
            on_serve=[appeals.seed_statistics],
            consumer_batch_size=CONSUMER_BATCH,
        )
    )
