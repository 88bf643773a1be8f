"""Composition root of the career service (SPEC C-01..C-08).

The service kit builds the platform (database, relay, consumer, timer
scheduler, calendar feed, gRPC server) on the one application clock; this
module adds the Directory with reporting lines, the approval-engine
client, the use cases, their event and timer handlers and the API.
Nothing is built at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from career.adapters.directory_client import CareerGrpcDirectory
from career.adapters.orm import platform
from career.entrypoints.grpc_servicer import CareerServicer
from career.service_layer import approvals as approvals_module
from career.service_layer import files as files_module
from career.service_layer import mentoring as mentoring_module
from career.service_layer import onboarding as onboarding_module
from career.service_layer import talent as talent_module
from career.service_layer import training as training_module
from career.service_layer import transfers as transfers_module
from career.service_layer.approvals import ApprovalLink
from career.service_layer.common import SERVICE, Context
from career.service_layer.files import CareerFiles
from career.service_layer.mentoring import Mentoring
from career.service_layer.onboarding import Onboarding
from career.service_layer.ports import Approvals, CareerDirectory
from career.service_layer.promotion import Promotions
from career.service_layer.talent import TalentReview
from career.service_layer.training import Training
from career.service_layer.transfers import Transfers
from career.settings import CareerSettings
from secretariat.career.v1 import career_pb2, career_pb2_grpc
from secretariat_shared.approvals import GrpcApprovals
from secretariat_shared.bus import BusTopology
from secretariat_shared.calendar_sync import CALENDAR_UPDATED, CalendarSource
from secretariat_shared.clock import Clock
from secretariat_shared.service import ServiceApp, ServiceKit, Servicer, Subscription, Wiring
from secretariat_shared.timers import TimerHandler

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
APPROVAL_COMPLETED = "documents.approval.completed"
# Performance's events (P-07), as the career contract's comments define them.
ANNUAL_GRADE_PUBLISHED = "performance.annual_grade.published"
PROMOTION_PRIORITY_FLAGGED = "performance.promotion_priority.flagged"

__all__ = [
    "MIGRATIONS",
    "SERVICE",
    "CareerApp",
    "CareerUseCases",
    "build",
    "subscriptions",
    "timer_handlers",
    "use_cases",
]

CareerApp = ServiceApp[CareerSettings]


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
    onboarding: Onboarding


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
        Onboarding(ctx),
    )


def timer_handlers(cases: CareerUseCases) -> dict[str, TimerHandler]:
    """Every timer kind the service schedules, and what fires it (X-05)."""
    return {
        approvals_module.START_TIMER: cases.approvals.on_start_due,
        transfers_module.CHECK_IN_TIMER: cases.transfers.on_check_in_due,
        transfers_module.VACANCY_TIMER: cases.transfers.on_vacancies_due,
        files_module.REVIEW_TIMER: cases.files.on_review_due,
        training_module.MANDATORY_TIMER: cases.training.on_mandatory_due,
        mentoring_module.WEEK_TIMER: cases.mentoring.on_week_due,
        mentoring_module.GOLD_TIMER: cases.mentoring.on_gold_due,
        mentoring_module.ROTATION_DUE_TIMER: cases.mentoring.on_rotation_due,
        talent_module.GROWTH_TIMER: cases.talent.on_growth_due,
        onboarding_module.NEW_HIRE_TIMER: cases.onboarding.on_mentor_due,
    }


def subscriptions(cases: CareerUseCases) -> list[Subscription]:
    """Approval outcomes (C-01, C-02), performance's results (P-07), the
    organisation's new holiday years (X-02) and new hires (C-05)."""
    return [
        Subscription(
            APPROVAL_COMPLETED, "career.approval_completed", cases.approvals.on_approval_completed
        ),
        Subscription(
            ANNUAL_GRADE_PUBLISHED, "career.annual_grade", cases.promotions.on_annual_grade
        ),
        Subscription(
            PROMOTION_PRIORITY_FLAGGED,
            "career.priority_flagged",
            cases.promotions.on_priority_flagged,
        ),
        Subscription(
            CALENDAR_UPDATED, "career.calendar_updated", cases.transfers.on_calendar_updated
        ),
        Subscription(
            onboarding_module.PERSON_CHANGED,
            "career.person_changed",
            cases.onboarding.on_person_changed,
        ),
    ]


def _address(value: str, variable: str, what: str) -> str:
    if not value:
        raise SystemExit(
            f"configuration error: missing required environment variable {variable} ({what})"
        )
    return value


def build(
    settings: CareerSettings,
    clock: Clock,
    topology: BusTopology | None = None,
    *,
    directory: CareerDirectory | None = None,
    approvals: Approvals | None = None,
    calendar_source: CalendarSource | None = None,
) -> CareerApp:
    kit: ServiceKit[CareerSettings] = ServiceKit(
        SERVICE, settings, clock, platform, topology=topology
    )
    if directory is None:
        address = _address(
            settings.directory_address,
            "SECRETARIAT_DIRECTORY_ADDRESS",
            "the gateway's Directory gRPC service",
        )
        directory = CareerGrpcDirectory(address, kit.service_token)
    if approvals is None:
        address = _address(
            settings.documents_address,
            "SECRETARIAT_DOCUMENTS_ADDRESS",
            "the documents service, whose approval engine runs the approvals",
        )
        approvals = GrpcApprovals(address, kit.service_token, SERVICE)
    ctx = Context(
        kit.uow,
        kit.db,
        clock,
        directory,
        approvals,
        settings.timezone,
        kit.business_calendar(calendar_source),
    )
    cases = use_cases(ctx)
    servicer = CareerServicer(
        cases.promotions,
        cases.transfers,
        cases.files,
        cases.training,
        cases.mentoring,
        cases.talent,
    )
    return kit.assemble(
        Wiring(
            servicers=[Servicer.of(career_pb2, career_pb2_grpc, "Career", servicer)],
            subscriptions=subscriptions(cases),
            timer_handlers=timer_handlers(cases),
            on_serve=[
                lambda: talent_module.UNREADY_KEY_POSTS.set_function(
                    talent_module.last_known(cases.talent.unready_count)
                ),
                cases.transfers.ensure_vacancy_reminder,
            ],
        )
    )
