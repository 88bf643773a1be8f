"""The Directory gRPC server (SPEC X-01): services resolve people, department
heads, leaders in charge and role holders through it, and read the
organisation's holiday schedules (X-02, ``GetCalendar``) when they start.

It also runs the gateway's outbox relay (``directory.calendar.updated``
events, when SECRETARIAT_AMQP_URL is set) and reports the calendar's
coverage of the next 60 days.

``python -m gateway.directory_server`` serves it on SECRETARIAT_DIRECTORY_GRPC_PORT
from the gateway's database. Like every service it accepts only
gateway-signed identities and internal service tokens (shared
:mod:`secretariat_shared.grpc_server`); unknown names are NOT_FOUND.
"""

from __future__ import annotations

import logging
from datetime import UTC, date
from typing import Any

import grpc
from sqlalchemy import MetaData

from gateway.adapters.directory_repository import PeopleFilter
from gateway.adapters.passwords import Passwords
from gateway.domain.directory import (
    DEPARTMENT_FIELDS,
    PERSON_FIELDS,
    Department,
    Person,
    PersonRecord,
)
from gateway.domain.roles import ADMIN, EMPLOYEE
from gateway.service_layer.calendar import CalendarService
from gateway.service_layer.directory import DirectoryService
from gateway.settings import DirectoryServerSettings
from secretariat.directory.v1 import directory_pb2, directory_pb2_grpc
from secretariat_shared.bus import BusTopology, EventPublisher
from secretariat_shared.calendar import COVERAGE_LOOKAHEAD_DAYS, BusinessCalendar
from secretariat_shared.calendar_sync import CalendarFeed, year_to_proto
from secretariat_shared.clock import Clock, clock_from_settings
from secretariat_shared.contract.check import is_repeated
from secretariat_shared.db import Database
from secretariat_shared.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from secretariat_shared.grpc_server import GrpcService, Worker, current_identity, serve_forever
from secretariat_shared.holiday_schedule import HolidaySchedules, YearSchedule
from secretariat_shared.identity import IdentityVerifier
from secretariat_shared.observability import setup_logging, setup_tracing, start_metrics
from secretariat_shared.paging import page_of
from secretariat_shared.relay import OutboxRelay
from secretariat_shared.settings import load_or_exit
from secretariat_shared.tables import PlatformTables

log = logging.getLogger(__name__)

SERVICE_NAME = directory_pb2.DESCRIPTOR.services_by_name["Directory"].full_name


def _optional(message: Any, name: str, value: str | None) -> None:
    if value is not None:
        setattr(message, name, value)


def person_message(record: PersonRecord) -> directory_pb2.Person:
    person = record.person
    message = directory_pb2.Person(
        username=person.username,
        name=person.name,
        roles=list(person.roles),
        headed_departments=list(record.headed_departments),
        active=person.active,
        supervised_departments=list(record.supervised_departments),
    )
    for name in ("department_code", "superior_username", "post", "grade", "phone", "email"):
        _optional(message, name, getattr(person, name))
    return message


def department_message(department: Department) -> directory_pb2.Department:
    message = directory_pb2.Department(code=department.code, name=department.name)
    for name in ("parent_code", "head_username", "supervising_leader_username"):
        _optional(message, name, getattr(department, name))
    return message


def _value(request: Any, name: str) -> Any:
    """A request field's value, ``None`` when an optional field is unset."""
    descriptor = request.DESCRIPTOR.fields_by_name[name]
    if descriptor.has_presence and not request.HasField(name):
        return None
    value = getattr(request, name)
    return tuple(value) if is_repeated(descriptor) else value


def patch_changes(request: Any, fields: frozenset[str]) -> dict[str, Any]:
    """The PATCH's changes: the fields named in ``request.sent`` (``None`` clears one
    sent as null), or without it the optional fields set."""
    if request.HasField("sent"):
        named = [name for name in request.sent.paths if name in fields]
    else:
        named = [
            name
            for name in fields
            if request.DESCRIPTOR.fields_by_name[name].has_presence and request.HasField(name)
        ]
    changes = {name: _value(request, name) for name in named}
    refused = [
        FieldError(name, "must not be null")
        for name, value in changes.items()
        if value is None and name in NOT_NULL
    ]
    if refused:
        raise ValidationFailed(refused)
    return changes


NOT_NULL = frozenset({"name", "password", "active"})


def _admin() -> str:
    """The calling administrator's username; writes are theirs only (X-01)."""
    identity = current_identity()
    if identity.is_service or not identity.has_role(ADMIN):
        raise PermissionDenied("This needs the role admin.")
    return identity.username


def _days(items: Any, field: str) -> dict[date, str]:
    found: dict[date, str] = {}
    errors: list[FieldError] = []
    repeated: list[str] = []
    for index, item in enumerate(items):
        try:
            day = date.fromisoformat(item.date)
        except ValueError:
            errors.append(FieldError(f"{field}[{index}].date", "must be a date (YYYY-MM-DD)"))
            continue
        if day in found:
            repeated.append(day.isoformat())
        found[day] = item.name.strip()
    if repeated:
        errors.append(
            FieldError(field, f"{', '.join(sorted(set(repeated)))} listed more than once")
        )
    if errors:
        raise ValidationFailed(errors)
    return found


class DirectoryServicer(directory_pb2_grpc.DirectoryServicer):
    """Everyone reads; administrators write. Domain errors become status codes in
    the shared interceptor."""

    def __init__(
        self, directory: DirectoryService, calendar: CalendarService, clock: Clock, timezone: str
    ) -> None:
        self._directory = directory
        self._calendar = calendar
        self._clock = clock
        self._timezone = timezone

    def GetPerson(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.Person:
        return person_message(self._directory.get_person(request.username))

    def GetDepartment(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.Department:
        return department_message(self._directory.get_department(request.code))

    def ListRoleHolders(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.ListRoleHoldersResponse:
        holders = self._directory.role_holders(request.role, request.department_code or None)
        return directory_pb2.ListRoleHoldersResponse(people=[person_message(r) for r in holders])

    def GetCalendar(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.Calendar:
        return directory_pb2.Calendar(years=[year_to_proto(y) for y in self._calendar.years()])

    def ListPeople(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.ListPeopleResponse:
        page = page_of(request.page, request.page_size)
        where = PeopleFilter(
            department_code=_value(request, "department_code"),
            role=_value(request, "role"),
            q=_value(request, "q"),
            active=_value(request, "active"),
        )
        items, total = self._directory.list_people(where, page.page, page.page_size)
        return directory_pb2.ListPeopleResponse(
            items=[person_message(r) for r in items],
            total=total,
            page=page.page,
            page_size=page.page_size,
        )

    def CreatePerson(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.Person:
        actor = _admin()
        roles = tuple(request.roles)
        sent_roles = request.HasField("sent") and "roles" in request.sent.paths
        person = Person(
            username=request.username,
            name=request.name,
            department_code=_value(request, "department_code"),
            roles=roles if roles or sent_roles else (EMPLOYEE,),
            superior_username=_value(request, "superior_username"),
            post=_value(request, "post"),
            grade=_value(request, "grade"),
            phone=_value(request, "phone"),
            email=_value(request, "email"),
        )
        password = request.password if request.password else None
        return person_message(self._directory.create_person(actor, person, password))

    def UpdatePerson(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.Person:
        actor = _admin()
        changes = patch_changes(request, PERSON_PATCH_FIELDS)
        password = changes.pop("password", None)
        record = self._directory.update_person(actor, request.username, changes, password)
        return person_message(record)

    def ListDepartments(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.ListDepartmentsResponse:
        page = page_of(request.page, request.page_size)
        items, total = self._directory.list_departments(page.page, page.page_size)
        return directory_pb2.ListDepartmentsResponse(
            items=[department_message(d) for d in items],
            total=total,
            page=page.page,
            page_size=page.page_size,
        )

    def CreateDepartment(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.Department:
        actor = _admin()
        department = Department(
            code=request.code,
            name=request.name,
            parent_code=_value(request, "parent_code"),
            head_username=_value(request, "head_username"),
            supervising_leader_username=_value(request, "supervising_leader_username"),
        )
        return department_message(self._directory.create_department(actor, department))

    def UpdateDepartment(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.Department:
        actor = _admin()
        changes = patch_changes(request, DEPARTMENT_FIELDS)
        return department_message(self._directory.update_department(actor, request.code, changes))

    def ListCalendarYears(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.CalendarYearList:
        years = self._calendar.years()
        view = BusinessCalendar(self._timezone, schedules=HolidaySchedules.of(years))
        answer = directory_pb2.CalendarYearList(
            lookahead_days=COVERAGE_LOOKAHEAD_DAYS,
            years_without_data_ahead=view.years_without_data_ahead(self._clock.now()),
        )
        for year in years:
            item = answer.items.add(
                year=year.year,
                source=year.source,
                holidays=len(year.holidays),
                workdays=len(year.workdays),
                updated_by=year.updated_by,
            )
            if year.updated_at is not None:
                item.updated_at.FromDatetime(year.updated_at.astimezone(UTC))
        return answer

    def GetCalendarYear(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.CalendarYear:
        schedule = self._calendar.year(request.year)
        if schedule is None:
            raise NotFound(f"no holiday data for {request.year}: deadlines in it are provisional")
        return year_to_proto(schedule)

    def PutCalendarYear(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.CalendarYear:
        actor = _admin()
        schedule = YearSchedule(
            year=request.year,
            holidays=_days(request.holidays, "holidays"),
            workdays=_days(request.workdays, "workdays"),
        )
        return year_to_proto(self._calendar.put_year(actor, schedule))


PERSON_PATCH_FIELDS = PERSON_FIELDS | {"password"}


def directory_service_spec(
    database: Database,
    verifier: IdentityVerifier,
    clock: Clock,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    max_workers: int = 16,
    amqp_url: str = "",
    topology: BusTopology | None = None,
    timezone: str = "Asia/Shanghai",
    passwords: Passwords | None = None,
) -> GrpcService:
    """The Directory server ready for :class:`secretariat_shared.grpc_server.RunningService`.

    With ``amqp_url`` it also relays the gateway's outbox to the bus.
    """
    calendar = CalendarService(database, clock)
    servicer = DirectoryServicer(
        DirectoryService(database, passwords or Passwords(), clock), calendar, clock, timezone
    )
    # The coverage gauge reads the gateway's own data, so it needs no Directory call.
    workers: list[Worker] = [
        CalendarFeed(BusinessCalendar(timezone), calendar, clock, "directory", interval=60.0)
    ]
    if amqp_url:
        workers.append(
            OutboxRelay(
                database,
                PlatformTables(MetaData()),
                EventPublisher(amqp_url, topology or BusTopology()),
                clock,
                "gateway",
            )
        )
    else:
        log.warning(
            "SECRETARIAT_AMQP_URL is not set: calendar changes wait in the gateway's outbox"
        )

    def register(server: grpc.Server) -> None:
        directory_pb2_grpc.add_DirectoryServicer_to_server(servicer, server)

    return GrpcService(
        name="directory",
        verifier=verifier,
        register=register,
        service_names=[SERVICE_NAME],
        host=host,
        port=port,
        max_workers=max_workers,
        workers=workers,
    )


def main() -> None:
    settings = load_or_exit(DirectoryServerSettings)
    setup_logging("directory", settings.log_level)
    setup_tracing("directory")
    start_metrics(settings.metrics_port, settings.directory_grpc_host)
    clock = clock_from_settings(settings.testing, settings.clock_file)
    database = Database(settings.database_url)
    verifier = IdentityVerifier(settings.identity_public_key, clock, settings.internal_token_secret)
    spec = directory_service_spec(
        database,
        verifier,
        clock,
        host=settings.directory_grpc_host,
        port=settings.directory_grpc_port,
        max_workers=settings.worker_threads,
        amqp_url=settings.amqp_url,
        timezone=settings.timezone,
    )
    serve_forever(spec, on_stop=[database.dispose])


if __name__ == "__main__":
    main()
