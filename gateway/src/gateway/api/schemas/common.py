"""Base classes and shapes of the gateway's own routes (login, /me, testing clock)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RequestBody(BaseModel):
    """A JSON request body: exact types, no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)


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
