"""Base classes of the gateway's own routes' models (login, /me, testing clock); the
problem body's schema is the contract library's (``PROBLEM_SCHEMAS``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    """A JSON request body: exact types, no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)
