"""Documents (SPEC D-01..D-05) and the audit trail (X-04), routed to the documents
service; field names are the proto's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from gateway.api.schemas.common import QueryParameters, RequestBody, ResponseBody


class RegisterDocumentIn(RequestBody):
    title: str = Field(min_length=1, examples=["关于2026年度培训计划的通知"])
    type_code: str = Field(
        pattern=r"^(0[1-9]|1[0-2])$", description="01..12 (D-02)", examples=["04"]
    )
    department_code: str = Field(examples=["HR"])
    security_class: Literal["public", "internal", "confidential", "secret"]
    retention: Literal["10y", "30y", "permanent"]
    priority: Literal["routine", "important", "urgent"]
    readers: list[str] = Field(default_factory=list, description="named readers (X-03)")
    body: str = ""
    handler_username: str | None = Field(
        None, description="who proposes handling (拟办); default: the department head"
    )


class CompleteStepIn(RequestBody):
    comment: str = ""
    circulate_to: list[str] = Field(
        default_factory=list, description="proposed handling names the circulation's readers"
    )


class StepOut(ResponseBody):
    id: str
    kind: str = Field(description="register|proposed_handling|circulation|archive (D-05)")
    owners: list[str]
    state: str = Field(description="pending|open|done")
    opened_at: datetime | None
    due_at: datetime | None
    completed_at: datetime | None
    completed_by: str
    comment: str
    done_by: list[str]
    overdue: bool
    due_provisional: bool = Field(
        default=False,
        description="due_at falls in a year with no holiday data: it counts weekends only "
        "and moves when the year's schedule is loaded (X-02)",
    )


class DocumentOut(ResponseBody):
    id: str
    number: str = Field(description="DEPT-YEAR-TYPE-SEQ (D-01)", examples=["HR-2026-04-001"])
    title: str
    type_code: str
    type_name: str
    department_code: str
    security_class: str
    retention: str
    priority: str
    readers: list[str]
    body: str
    label_colour: str = Field(description="red|blue|green|yellow|black (D-04)")
    state: str
    registered_by: str
    registered_at: datetime | None
    steps: list[StepOut]


class DocumentList(ResponseBody):
    items: list[DocumentOut]
    total: int
    page: int
    page_size: int


class DocumentQuery(QueryParameters):
    q: str | None = Field(None, description="full-text search")
    number: str | None = None
    department_code: str | None = None
    type_code: str | None = None
    from_: date | datetime | None = Field(
        None,
        alias="from",
        description="registered at or after: a date (organisation time zone) or a datetime",
    )
    to: date | datetime | None = Field(
        None, description="registered at or before: a date (whole day included) or a datetime"
    )
    page: int | None = Field(None, ge=1)
    page_size: int | None = Field(None, ge=1, le=200)


class AuditEntryOut(ResponseBody):
    id: int
    at: datetime | None
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before_json: str
    after_json: str


class AuditList(ResponseBody):
    items: list[AuditEntryOut]
    total: int


class AuditPaging(QueryParameters):
    page: int | None = Field(None, ge=1)
    page_size: int | None = Field(None, ge=1, le=200)


class AuditQuery(AuditPaging):
    entity_id: str | None = None
    actor: str | None = None
