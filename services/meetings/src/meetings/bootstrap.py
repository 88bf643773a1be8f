"""Composition root: the meetings service on the service kit.

The kit builds the platform (database, unit of work, relay, consumer, timer
scheduler, calendar feed, gRPC server); this module adds the use cases,
their timers, the calendar handler, the metrics and the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from meetings.adapters.audit_trail import MeetingsAuditTrail
from meetings.adapters.collectors import MeetingsCollector
from meetings.adapters.orm import platform
from meetings.adapters.qr import qr_png
from meetings.entrypoints.grpc_servicer import MeetingsServicer
from meetings.service_layer import common
from meetings.service_layer.calendar_updates import CalendarUpdates
from meetings.service_layer.common import Context
from meetings.service_layer.conduct import Conduct
from meetings.service_layer.effectiveness import Effectiveness
from meetings.service_layer.minutes import MinutesDesk
from meetings.service_layer.ports import Directory
from meetings.service_layer.preparation import Preparation
from meetings.service_layer.scheduling import MeetingPlanner
from meetings.service_layer.unit_of_work import MeetingsUnitOfWork
from meetings.settings import MeetingsSettings, survey_key
from secretariat.meetings.v1 import meetings_pb2, meetings_pb2_grpc
from secretariat_shared.bus import BusTopology
from secretariat_shared.calendar_sync import CALENDAR_UPDATED, CalendarSource
from secretariat_shared.clock import Clock
from secretariat_shared.service import ServiceApp, ServiceKit, Servicer, Subscription, Wiring
from secretariat_shared.settings import ServiceSettings
from secretariat_shared.timers import TimerHandler

SERVICE = "meetings"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@dataclass
class UseCases:
    """The service's use cases, built on one :class:`Context`."""

    context: Context
    planner: MeetingPlanner
    preparation: Preparation
    conduct: Conduct
    minutes: MinutesDesk
    effectiveness: Effectiveness

    def timer_handlers(self) -> dict[str, TimerHandler]:
        """SPEC X-05: every timer kind this service schedules and what fires it."""
        return {
            common.MILESTONE_DUE: self.preparation.on_milestone_due,
            common.ELEMENTS_DUE: self.preparation.on_elements_due,
            common.ROOM_CHECK_IN_DUE: self.conduct.on_check_in_due,
            common.MEETING_END: self.conduct.on_meeting_end,
            common.SPEAKER_LIMIT: self.conduct.on_speaker_limit,
            common.MINUTES_DRAFT_DUE: self.minutes.on_draft_due,
            common.MINUTES_DISTRIBUTION_DUE: self.minutes.on_distribution_due,
            common.SURVEY_CLOSE: self.effectiveness.on_survey_close,
            common.SURVEY_TOTALS_DUE: self.effectiveness.on_survey_totals_due,
            common.WEEKLY_DIGEST: self.minutes.on_weekly_digest,
        }


def build_use_cases(context: Context) -> UseCases:
    return UseCases(
        context=context,
        planner=MeetingPlanner(context),
        preparation=Preparation(context),
        conduct=Conduct(context),
        minutes=MinutesDesk(context),
        effectiveness=Effectiveness(context, qr_png),
    )


@dataclass
class MeetingsApp(ServiceApp[ServiceSettings, MeetingsUnitOfWork]):
    """The built service, with its use cases for tests and tools."""

    use_cases: UseCases


def build(
    settings: ServiceSettings,
    clock: Clock,
    directory: Directory | None = None,
    topology: BusTopology | None = None,
    calendar_source: CalendarSource | None = None,
) -> MeetingsApp:
    """``directory`` and ``calendar_source`` replace the real ones in tests."""
    kit = ServiceKit(
        SERVICE, settings, clock, platform, uow_class=MeetingsUnitOfWork, topology=topology
    )
    use_cases = build_use_cases(
        Context(
            uow=kit.uow,
            db=kit.db,
            directory=directory if directory is not None else kit.directory(),
            clock=clock,
            calendar=kit.business_calendar(calendar_source),
            zone=ZoneInfo(settings.timezone),
            timers=kit.timers,
            survey_key=survey_key(
                getattr(settings, "survey_secret", ""), settings.internal_token_secret
            ),
            public_url=getattr(settings, "public_url", MeetingsSettings.public_url),
        )
    )
    servicer = MeetingsServicer(
        use_cases.planner,
        use_cases.preparation,
        use_cases.conduct,
        use_cases.minutes,
        use_cases.effectiveness,
        clock.now,
        audit_trail=MeetingsAuditTrail(kit.db),
    )
    app = kit.assemble(
        Wiring(
            servicers=[Servicer.of(meetings_pb2, meetings_pb2_grpc, "Meetings", servicer)],
            # a new holiday year moves provisional deadlines at once.
            subscriptions=[
                Subscription(
                    CALENDAR_UPDATED,
                    "meetings.calendar_updated",
                    CalendarUpdates(use_cases.context).on_calendar_updated,
                )
            ],
            timer_handlers=use_cases.timer_handlers(),
            collectors=[MeetingsCollector(kit.db, clock)],
            on_serve=[use_cases.minutes.ensure_weekly_digest],
        )
    )
    return MeetingsApp(
        app.kit, app.wiring, app.consumer, app.scheduler, app.grpc_service, use_cases=use_cases
    )
