"""Composition root: builds the meetings service from its settings.

Nothing is created at import; :func:`build` wires the database, the outbox
relay, the timer scheduler and its handlers, the Directory client and the
gRPC API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import grpc

from meetings.adapters.directory_client import GrpcDirectory
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
from secretariat_shared.settings import ServiceSettings
from secretariat_shared.timers import TimerHandler, TimerScheduler, TimerStore

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
class MeetingsApp:
    settings: ServiceSettings
    clock: Clock
    db: Database
    use_cases: UseCases
    relay: OutboxRelay
    scheduler: TimerScheduler
    grpc_service: GrpcService


def build(
    settings: ServiceSettings,
    clock: Clock | None = None,
    directory: Directory | None = None,
    topology: BusTopology | None = None,
    calendar_source: CalendarSource | None = None,
) -> MeetingsApp:
    clock = clock or clock_from_settings(settings.testing, settings.clock_file)
    topology = topology or BusTopology()
    db = Database(settings.database_url)
    calendar = BusinessCalendar.from_overrides_json(settings.calendar_overrides, settings.timezone)
    publisher = EventPublisher(settings.amqp_url, topology)
    relay = OutboxRelay(
        db, platform, publisher, clock, SERVICE, idle_interval=settings.relay_interval
    )

    def uow_factory() -> MeetingsUnitOfWork:
        return MeetingsUnitOfWork(db, platform, SERVICE, clock, on_commit=relay.wake)

    if directory is None:
        if not settings.directory_address:
            raise SystemExit(
                "configuration error: missing required environment variable "
                "SECRETARIAT_DIRECTORY_ADDRESS (the gateway's Directory gRPC service)"
            )
        directory = GrpcDirectory(
            settings.directory_address,
            lambda: service_token(SERVICE, settings.internal_token_secret, clock),
        )
    use_cases = build_use_cases(
        Context(
            uow=uow_factory,
            db=db,
            directory=directory,
            clock=clock,
            calendar=calendar,
            zone=ZoneInfo(settings.timezone),
            timers=TimerStore(platform),
            survey_key=survey_key(
                getattr(settings, "survey_secret", ""), settings.internal_token_secret
            ),
            public_url=getattr(settings, "public_url", MeetingsSettings.public_url),
        )
    )
    scheduler = TimerScheduler(
        db,
        platform,
        clock,
        use_cases.timer_handlers(),
        uow_factory,
        SERVICE,
        interval=settings.scheduler_interval,
    )
    # the organisation's holiday years at start, every minute, and at once
    # through directory.calendar.updated.
    if calendar_source is None and settings.directory_address:
        calendar_source = GrpcCalendarSource(
            settings.directory_address,
            lambda: service_token(SERVICE, settings.internal_token_secret, clock),
        )
    calendar_feed = CalendarFeed(calendar, calendar_source, clock, SERVICE)
    consumer = EventConsumer(
        settings.amqp_url, topology, SERVICE, db, platform, uow_factory, clock=clock
    )
    consumer.subscribe(
        CALENDAR_UPDATED,
        "meetings.calendar_updated",
        CalendarUpdates(use_cases.context).on_calendar_updated,
    )
    servicer = MeetingsServicer(
        use_cases.planner,
        use_cases.preparation,
        use_cases.conduct,
        use_cases.minutes,
        use_cases.effectiveness,
        clock.now,
    )

    def add_servicers(server: grpc.Server) -> None:
        meetings_pb2_grpc.add_MeetingsServicer_to_server(servicer, server)

    grpc_service = GrpcService(
        name=SERVICE,
        verifier=IdentityVerifier(
            settings.identity_public_key, clock, settings.internal_token_secret
        ),
        register=add_servicers,
        service_names=[meetings_pb2.DESCRIPTOR.services_by_name["Meetings"].full_name],
        host=settings.grpc_host,
        port=settings.grpc_port,
        max_workers=settings.worker_threads,
        workers=[relay, scheduler, calendar_feed, consumer],
    )
    return MeetingsApp(settings, clock, db, use_cases, relay, scheduler, grpc_service)
