"""Base classes and shapes shared by every route."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from secretariat_shared.paging import DEFAULT_PAGE, DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE


class RequestBody(BaseModel):
    """A JSON request body: exact types, no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class QueryParameters(BaseModel):
    """Query-string parameters: strings converted to the declared types; a parameter
    the route does not declare is 422 naming it (issue 10 item 5)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Paging(QueryParameters):
    page: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description="1-based page number")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="items per page, 1..100"
    )


class FieldErrorOut(BaseModel):
    field: str = Field(description="the request field at fault, e.g. `department_code`")
    message: str


class ProblemOut(BaseModel):
    """RFC 9457 problem details; `errors` lists field errors on validation problems."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="`about:blank` or a `urn:secretariat:problem:…` identifier")
    title: str
    status: int
    detail: str
    errors: list[FieldErrorOut] | None = None


def reject_null(value: Any) -> Any:
    """For PATCH fields that may be left out but not cleared."""
    if value is None:
        raise ValueError("must not be null")
    return value


def not_null(*fields: str) -> Any:
    return field_validator(*fields, mode="before")(reject_null)
