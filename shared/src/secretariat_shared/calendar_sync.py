"""Keeping every process's business calendar current while it runs (SPEC X-02).

The gateway owns the holiday schedules. A service learns them three ways:

- at start, :class:`CalendarFeed` asks the Directory's ``GetCalendar`` for
  every year the organisation knows (shipped years stay if it cannot);
- when an administrator loads or corrects a year, the gateway emits
  ``directory.calendar.updated``; the service's consumer hands it to
  :func:`apply_calendar_update`, which installs the year at once and lets
  the service recompute its provisional deadlines in the same transaction;
- every ``interval`` the feed asks again, so the other replicas of a
  service (the event reaches one replica per service queue) and a service
  that missed the event converge too.

The feed also sets ``secretariat_calendar_years_without_data`` for the
alert "the next 60 days include a year with no data".
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, date
from typing import Any, Protocol

from prometheus_client import Gauge

from secretariat.directory.v1 import directory_pb2, directory_pb2_grpc, events_pb2
from secretariat_shared.calendar import COVERAGE_LOOKAHEAD_DAYS, BusinessCalendar
from secretariat_shared.channels import open_channel
from secretariat_shared.clock import Clock
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.grpc_server import identity_metadata
from secretariat_shared.holiday_schedule import LOADED, YearSchedule

log = logging.getLogger(__name__)

CALENDAR_UPDATED = "directory.calendar.updated"

YEARS_WITHOUT_DATA = Gauge(
    "secretariat_calendar_years_without_data",
    f"Years in the next {COVERAGE_LOOKAHEAD_DAYS} days with no holiday schedule "
    "(deadlines in them count weekends only and are provisional, X-02)",
    ["service"],
)
YEAR_WITHOUT_DATA = Gauge(
    "secretariat_calendar_next_year_without_data",
    f"The first year in the next {COVERAGE_LOOKAHEAD_DAYS} days with no holiday schedule, "
    "0 when every one has data",
    ["service"],
)


def year_to_proto(schedule: YearSchedule) -> directory_pb2.CalendarYear:
    message = directory_pb2.CalendarYear(
        year=schedule.year,
        holidays=[
            directory_pb2.CalendarDay(date=d.isoformat(), name=n)
            for d, n in sorted(schedule.holidays.items())
        ],
        workdays=[
            directory_pb2.CalendarDay(date=d.isoformat(), name=n)
            for d, n in sorted(schedule.workdays.items())
        ],
        source=schedule.source,
        updated_by=schedule.updated_by,
    )
    if schedule.updated_at is not None:
        message.updated_at.FromDatetime(schedule.updated_at.astimezone(UTC))
    return message


def year_from_proto(message: Any) -> YearSchedule:
    return YearSchedule(
        year=int(message.year),
        holidays={date.fromisoformat(d.date): d.name for d in message.holidays},
        workdays={date.fromisoformat(d.date): d.name for d in message.workdays},
        source=message.source or LOADED,
        updated_at=message.updated_at.ToDatetime(tzinfo=UTC)
        if message.HasField("updated_at")
        else None,
        updated_by=message.updated_by,
    )


def apply_calendar_update(calendar: BusinessCalendar, event: ReceivedEvent) -> YearSchedule:
    """Install the year a ``directory.calendar.updated`` event carries; return it."""
    update = event.payload_as(events_pb2.CalendarUpdated)
    schedule = year_from_proto(update.year).validated()  # type: ignore[attr-defined]
    calendar.schedules.put(schedule)
    return schedule


def report_coverage(calendar: BusinessCalendar, clock: Clock, service: str) -> list[int]:
    """Set the coverage gauges; return the years ahead that have no data."""
    missing = calendar.years_without_data_ahead(clock.now())
    YEARS_WITHOUT_DATA.labels(service).set(len(missing))
    YEAR_WITHOUT_DATA.labels(service).set(missing[0] if missing else 0)
    return missing


class CalendarSource(Protocol):
    """Where the organisation's schedules come from (the gateway's Directory)."""

    def years(self) -> list[YearSchedule]: ...


class GrpcCalendarSource:
    """``Directory.GetCalendar`` over gRPC with a service token."""

    def __init__(self, address: str, token: Callable[[], str], timeout: float = 5.0) -> None:
        self._channel = open_channel(address)
        self._stub = directory_pb2_grpc.DirectoryStub(self._channel)
        self._token = token
        self._timeout = timeout

    def years(self) -> list[YearSchedule]:
        answer = self._stub.GetCalendar(
            directory_pb2.GetCalendarRequest(),
            metadata=identity_metadata(self._token()),
            timeout=self._timeout,
        )
        return [year_from_proto(y) for y in answer.years]

    def close(self) -> None:
        self._channel.close()


class CalendarFeed:
    """A background worker: loads the schedules at start, re-reads them every
    ``interval`` seconds, and keeps the coverage gauges current."""

    def __init__(
        self,
        calendar: BusinessCalendar,
        source: CalendarSource | None,
        clock: Clock,
        service: str,
        interval: float = 60.0,
    ) -> None:
        self.name = f"{service}-calendar-feed"
        self._calendar = calendar
        self._source = source
        self._clock = clock
        self._service = service
        self._interval = interval
        # A year installed by the consumer clears the alert at once, not a minute later.
        calendar.schedules.on_change(lambda _: report_coverage(calendar, clock, service))

    def refresh(self) -> list[int]:
        """One round: fetch (when there is a source), install changed years,
        report coverage; return the years changed."""
        changed: list[int] = []
        if self._source is not None:
            for schedule in self._source.years():
                if schedule.problems():
                    log.warning(
                        "calendar: ignoring invalid year %s from the directory", schedule.year
                    )
                    continue
                if self._calendar.schedules.put(schedule):
                    changed.append(schedule.year)
        report_coverage(self._calendar, self._clock, self._service)
        return changed

    def run(self, stop: threading.Event) -> None:
        """Refresh every ``interval``; after a failure (the Directory not up yet)
        retry sooner, from 2 seconds doubling up to ``interval``."""
        retry = 2.0
        while not stop.is_set():
            try:
                changed = self.refresh()
                if changed:
                    log.info("calendar: installed holiday data for %s", changed)
                retry = 2.0
                wait = self._interval
            except Exception as exc:
                log.warning("calendar: cannot read the organisation's schedules: %s", exc)
                try:
                    report_coverage(self._calendar, self._clock, self._service)
                except Exception:
                    log.exception("calendar: cannot report coverage")
                wait = min(retry, self._interval)
                retry *= 2
            stop.wait(wait)
