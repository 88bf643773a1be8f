"""The business calendar's years over HTTP (SPEC X-02): anyone logged in
reads, only admins load or correct a year."""

from __future__ import annotations

from collections import Counter
from datetime import date

from gateway.api.registry import Api, Call
from gateway.api.schemas.calendar import (
    CalendarDayIn,
    CalendarDayOut,
    CalendarYearIn,
    CalendarYearList,
    CalendarYearOut,
    CalendarYearSummary,
)
from gateway.bootstrap import Gateway
from gateway.domain.roles import ADMIN
from gateway.service_layer.calendar import CalendarService
from secretariat_shared.calendar import COVERAGE_LOOKAHEAD_DAYS, BusinessCalendar
from secretariat_shared.errors import FieldError, NotFound, ValidationFailed
from secretariat_shared.holiday_schedule import HolidaySchedules, YearSchedule


def year_out(schedule: YearSchedule) -> CalendarYearOut:
    return CalendarYearOut(
        year=schedule.year,
        source=schedule.source,
        holidays=[CalendarDayOut(date=d, name=n) for d, n in sorted(schedule.holidays.items())],
        workdays=[CalendarDayOut(date=d, name=n) for d, n in sorted(schedule.workdays.items())],
        updated_at=schedule.updated_at,
        updated_by=schedule.updated_by,
    )


def _days(items: list[CalendarDayIn], field: str) -> dict[date, str]:
    counts = Counter(item.date for item in items)
    repeated = sorted(d.isoformat() for d, n in counts.items() if n > 1)
    if repeated:
        raise ValidationFailed(FieldError(field, f"{', '.join(repeated)} listed more than once"))
    return {item.date: item.name.strip() for item in items}


def register_calendar_routes(api: Api, gateway: Gateway) -> None:
    calendar = CalendarService(gateway.db, gateway.clock)

    @api.route(
        "GET",
        "/api/v1/calendar/years",
        summary="Years with holiday data",
        tag="calendar",
        response=CalendarYearList,
    )
    def list_calendar_years(call: Call) -> CalendarYearList:
        """Every year whose holidays and make-up working days are known (X-02),
        and the years of the next 60 days that are not."""
        years = calendar.years()
        view = BusinessCalendar(gateway.settings.timezone, schedules=HolidaySchedules.of(years))
        return CalendarYearList(
            items=[
                CalendarYearSummary(
                    year=y.year,
                    source=y.source,
                    holidays=len(y.holidays),
                    workdays=len(y.workdays),
                    updated_at=y.updated_at,
                    updated_by=y.updated_by,
                )
                for y in years
            ],
            lookahead_days=COVERAGE_LOOKAHEAD_DAYS,
            years_without_data_ahead=view.years_without_data_ahead(gateway.clock.now()),
        )

    @api.route(
        "GET",
        "/api/v1/calendar/years/<int:year>",
        summary="One year's holidays and make-up working days",
        tag="calendar",
        response=CalendarYearOut,
    )
    def get_calendar_year(call: Call) -> CalendarYearOut:
        year = int(call.path["year"])
        schedule = calendar.year(year)
        if schedule is None:
            raise NotFound(f"no holiday data for {year}: deadlines in it are provisional")
        return year_out(schedule)

    @api.route(
        "PUT",
        "/api/v1/calendar/years/<int:year>",
        summary="Load or correct one year's holidays and make-up working days",
        tag="calendar",
        body=CalendarYearIn,
        response=CalendarYearOut,
        roles=(ADMIN,),
    )
    def put_calendar_year(call: Call) -> CalendarYearOut:
        """Replaces the year's schedule (X-02). Every service applies it without a
        restart and moves the deadlines that were provisional."""
        body: CalendarYearIn = call.body
        year = int(call.path["year"])
        schedule = YearSchedule(
            year=year,
            holidays=_days(body.holidays, "holidays"),
            workdays=_days(body.workdays, "workdays"),
        )
        return year_out(calendar.put_year(call.username, schedule))
