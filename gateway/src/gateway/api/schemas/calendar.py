"""The business calendar's years (SPEC X-02)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from gateway.api.schemas.common import RequestBody, ResponseBody

IsoDate = Annotated[date, Field(strict=False, description="YYYY-MM-DD", examples=["2027-02-08"])]


class CalendarDayIn(RequestBody):
    date: IsoDate
    name: str = Field(
        min_length=1, max_length=100, description="the holiday, e.g. `春节`", examples=["春节"]
    )


class CalendarYearIn(RequestBody):
    """The year's whole schedule, as the State Council's notice gives it:
    it replaces what the system had for that year."""

    holidays: list[CalendarDayIn] = Field(
        description="rest days of the official holidays (weekend days inside them may be listed)"
    )
    workdays: list[CalendarDayIn] = Field(
        default_factory=list, description="make-up working days (调休上班) on weekends"
    )


class CalendarDayOut(ResponseBody):
    date: date
    name: str


class CalendarYearOut(ResponseBody):
    year: int
    source: str = Field(
        description="shipped (came with the release) | loaded (by an administrator)"
    )
    holidays: list[CalendarDayOut]
    workdays: list[CalendarDayOut]
    updated_at: datetime | None
    updated_by: str


class CalendarYearSummary(ResponseBody):
    year: int
    source: str = Field(description="shipped | loaded")
    holidays: int = Field(description="how many holiday dates")
    workdays: int = Field(description="how many make-up working days")
    updated_at: datetime | None
    updated_by: str


class CalendarYearList(ResponseBody):
    items: list[CalendarYearSummary] = Field(description="the years with data, ascending")
    lookahead_days: int = Field(description="the horizon of `years_without_data_ahead`")
    years_without_data_ahead: list[int] = Field(
        description="years within the horizon that have no data: deadlines in them count "
        "weekends only and are provisional until the year is loaded"
    )
