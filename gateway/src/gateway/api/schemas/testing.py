"""The movable test clock (only with SECRETARIAT_TESTING=1)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from gateway.api.schemas.common import RequestBody, ResponseBody


class ClockAdvanceIn(RequestBody):
    advance_seconds: float = Field(ge=0, description="how far to move every process's clock")


class ClockOut(ResponseBody):
    now: datetime
