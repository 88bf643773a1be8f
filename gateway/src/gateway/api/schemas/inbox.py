"""The notification inbox (SPEC X-06), routed to the infohub service."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from gateway.api.schemas.common import QueryParameters, ResponseBody


class InboxItemOut(ResponseBody):
    id: str
    recipient: str
    kind: str = Field(description="e.g. document_step_assigned")
    title: str
    body: str
    subject_ref: str = Field(description="e.g. documents/<id>")
    created_at: datetime | None
    read_at: datetime | None
    due_at: datetime | None
    source_event_id: str


class InboxList(ResponseBody):
    items: list[InboxItemOut]
    total: int
    unread: int


class InboxQuery(QueryParameters):
    unread_only: bool = False
    page: int | None = Field(None, ge=1)
    page_size: int | None = Field(None, ge=1, le=200)
