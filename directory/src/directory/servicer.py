"""The Directory gRPC servicer (SPEC X-01, X-02): messages to and from the
directory's use cases. Everyone reads; administrators write; a PATCH clears
the fields its ``sent`` mask names but leaves unset (``null`` over HTTP)."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

import grpc

from directory.adapters.directory_repository import PeopleFilter
from directory.adapters.tables import directory_audit
from directory.domain.directory import (
    DEPARTMENT_FIELDS,
    PERSON_FIELDS,
    Department,
    Person,
    PersonRecord,
)
from directory.domain.roles import EMPLOYEE
from directory.service_account_rpcs import ServiceAccountRpcs, admin_username
from directory.service_layer.calendar import CalendarService
from directory.service_layer.directory import DirectoryService
from directory.service_layer.service_accounts import ServiceAccounts
from secretariat.common.v1 import audit_pb2
from secretariat.directory.v1 import directory_pb2, directory_pb2_grpc
from secretariat_shared.audit_query import search_audit_rpc
from secretariat_shared.calendar import COVERAGE_LOOKAHEAD_DAYS, BusinessCalendar
from secretariat_shared.calendar_sync import year_to_proto
from secretariat_shared.clock import Clock
from secretariat_shared.contract.check import is_repeated
from secretariat_shared.db import Database
from secretariat_shared.errors import (
    FieldError,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.grpc_server import current_identity
from secretariat_shared.holiday_schedule import HolidaySchedules, YearSchedule
from secretariat_shared.paging import page_of


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


class DirectoryServicer(ServiceAccountRpcs, directory_pb2_grpc.DirectoryServicer):
    """Everyone reads; administrators write (and alone read service accounts).
    Domain errors become status codes in the shared interceptor."""

    def __init__(
        self,
        directory: DirectoryService,
        calendar: CalendarService,
        clock: Clock,
        timezone: str,
        database: Database | None = None,
        service_accounts: ServiceAccounts | None = None,
    ) -> None:
        self._directory = directory
        if service_accounts is None and database is not None:
            service_accounts = ServiceAccounts(database, clock)
        if service_accounts is not None:
            self._service_accounts = service_accounts
        self._calendar = calendar
        self._clock = clock
        self._timezone = timezone
        self._database = database

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
        actor = admin_username()
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
        actor = admin_username()
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
        actor = admin_username()
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
        actor = admin_username()
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
        actor = admin_username()
        schedule = YearSchedule(
            year=request.year,
            holidays=_days(request.holidays, "holidays"),
            workdays=_days(request.workdays, "workdays"),
        )
        return year_to_proto(self._calendar.put_year(actor, schedule))

    def ListDirectoryAuditEntries(  # noqa: N802 - gRPC method name
        self, request: audit_pb2.AuditSearchRequest, context: grpc.ServicerContext
    ) -> audit_pb2.AuditSearchResponse:
        """X-04: the directory's trail by the shared helper; nothing in it is redacted,
        since the whole directory is readable by anyone signed in."""
        if self._database is None:
            raise PreconditionFailed("the audit trail is not wired in this process")
        return search_audit_rpc(self._database, directory_audit, current_identity(), request)


PERSON_PATCH_FIELDS = PERSON_FIELDS | {"password"}
