"""The directory's audit trail over HTTP (SPEC X-04): who changed a person, a
department or a calendar year, searched like every service's trail through
:mod:`secretariat_shared.audit_query`. The whole directory is readable by
anyone logged in, so no entry needs redacting (X-03)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import Field

from gateway.adapters.tables import directory_audit
from gateway.api.registry import Api, Call
from gateway.api.schemas.common import Paging, ResponseBody
from gateway.bootstrap import Gateway
from secretariat_shared.audit_query import (
    AUDIT_READER_ROLES,
    AuditRow,
    AuditSearch,
    json_text,
    search_audit,
)
from secretariat_shared.contract.json_mapping import parse_instant
from secretariat_shared.errors import FieldError, ValidationFailed
from secretariat_shared.paging import Page
from secretariat_shared.roles import ROLES

AUDIT_READERS = tuple(role for role in ROLES if role in AUDIT_READER_ROLES)


class DirectoryAuditQuery(Paging):
    entity_id: str = Field("", max_length=100, description="only entries about this id")
    actor: str = Field("", max_length=100, description="only entries by this username")
    entity_type: str = Field(
        "", max_length=100, description="only entries about person, department or calendar_year"
    )
    at_from: str = Field(
        "",
        alias="from",
        max_length=40,
        description="recorded at or after: a date (organisation time zone) or a datetime",
    )
    at_to: str = Field(
        "",
        alias="to",
        max_length=40,
        description="recorded at or before: a date (whole day included) or a datetime",
    )


class DirectoryAuditRecord(ResponseBody):
    id: int = Field(description="sequence number; entries are listed in this order")
    at: datetime = Field(description="when it happened")
    actor: str = Field(description="username of who did it")
    action: str = Field(description="what was done, e.g. person.changed")
    entity_type: str = Field(description="person, department or calendar_year")
    entity_id: str = Field(description="the username, department code or year")
    before_json: str = Field(description="the entity before the change, as JSON text")
    after_json: str = Field(description="the entity after the change, as JSON text")


class DirectoryAuditList(ResponseBody):
    items: list[DirectoryAuditRecord]
    total: int
    page: int
    page_size: int


def _instant(text: str, name: str, zone: ZoneInfo, day_end: bool) -> datetime | None:
    if not text.strip():
        return None
    moment = parse_instant(text, zone, day_end=day_end, allow_date=True)
    if moment is None:
        raise ValidationFailed(FieldError(name, "must be a date (YYYY-MM-DD) or an RFC 3339 time"))
    return moment


def _record(row: AuditRow) -> DirectoryAuditRecord:
    return DirectoryAuditRecord(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        before_json=json_text(row.before),
        after_json=json_text(row.after),
    )


def register_directory_audit_routes(api: Api, gateway: Gateway) -> None:
    zone = ZoneInfo(gateway.settings.timezone)

    @api.route(
        "GET",
        "/api/v1/directory/audit",
        summary="The directory's audit trail",
        tag="audit",
        query=DirectoryAuditQuery,
        response=DirectoryAuditList,
        roles=AUDIT_READERS,
    )
    def list_directory_audit(call: Call) -> DirectoryAuditList:
        query: DirectoryAuditQuery = call.query
        assert call.caller is not None
        page = Page(query.page, query.page_size)
        rows, total = search_audit(
            gateway.db,
            directory_audit,
            call.caller.identity,
            AuditSearch(
                entity_id=query.entity_id.strip(),
                actor=query.actor.strip(),
                entity_type=query.entity_type.strip(),
                at_from=_instant(query.at_from, "from", zone, day_end=False),
                at_to=_instant(query.at_to, "to", zone, day_end=True),
                page=page,
            ),
        )
        return DirectoryAuditList(
            items=[_record(r) for r in rows], total=total, page=page.page, page_size=page.page_size
        )
