"""SPEC X-04: searching a service's audit trail, the same way in every service.

Every service keeps its trail in the platform ``audit_log`` table (the
directory in ``directory_audit``, of the same shape). A search filters by
entity id, actor, entity type and time range, pages by
:mod:`secretariat_shared.paging`, and is open to the secretariat and the
discipline office. X-03: the service supplies a :data:`Redaction`, an SQL
condition naming the rows the viewer may see, so that entries about an item
the viewer may not read are left out of the page *and* the total; the
trail then reveals nothing of that item, not even that it exists.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, func, select

from secretariat.common.v1 import audit_pb2
from secretariat_shared.access import Viewer, viewer_of
from secretariat_shared.db import Database
from secretariat_shared.errors import FieldError, PermissionDenied, ValidationFailed
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page, page_of
from secretariat_shared.proto_conversions import set_timestamp, timestamp_of
from secretariat_shared.roles import Role

AUDIT_READER_ROLES = frozenset({Role.SECRETARIAT, Role.DISCIPLINE})
"""Who searches an audit trail (X-04): the secretariat and the discipline office."""

Redaction = Callable[[Table, Viewer], ColumnElement[bool] | None]
"""The rows of the audit table ``viewer`` may see, as an SQL condition; None: all."""


@dataclass(frozen=True)
class AuditSearch:
    entity_id: str = ""
    actor: str = ""
    entity_type: str = ""
    at_from: datetime | None = None
    at_to: datetime | None = None
    page: Page = field(default_factory=page_of)


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: Any
    after: Any


def require_audit_reader(caller: Identity, readers: Collection[str] = AUDIT_READER_ROLES) -> None:
    if caller.is_service or not caller.has_role(*readers):
        raise PermissionDenied(
            "the audit trail is open to the secretariat and the discipline office"
        )


def search_audit(
    db: Database,
    table: Table,
    caller: Identity,
    search: AuditSearch,
    redaction: Redaction | None = None,
    readers: Collection[str] = AUDIT_READER_ROLES,
) -> tuple[list[AuditRow], int]:
    """One page of ``table`` matching ``search``, oldest first, and the total the
    caller may see; refuses callers holding none of ``readers``."""
    require_audit_reader(caller, readers)
    if search.at_from and search.at_to and search.at_from > search.at_to:
        raise ValidationFailed(FieldError("to", "must not be before from"))
    conditions: list[ColumnElement[bool]] = []
    if search.entity_id:
        conditions.append(table.c.entity_id == search.entity_id)
    if search.actor:
        conditions.append(table.c.actor == search.actor)
    if search.entity_type:
        conditions.append(table.c.entity_type == search.entity_type)
    if search.at_from is not None:
        conditions.append(table.c.at >= search.at_from)
    if search.at_to is not None:
        conditions.append(table.c.at <= search.at_to)
    if redaction is not None:
        visible = redaction(table, viewer_of(caller))
        if visible is not None:
            conditions.append(visible)
    with db.reading() as session:
        total = int(
            session.execute(select(func.count()).select_from(table).where(*conditions)).scalar_one()
        )
        rows = session.execute(
            select(table)
            .where(*conditions)
            .order_by(table.c.id)
            .limit(search.page.limit)
            .offset(search.page.offset)
        ).mappings()
        found = [
            AuditRow(
                id=int(r["id"]),
                at=r["at"],
                actor=r["actor"],
                action=r["action"],
                entity_type=r["entity_type"],
                entity_id=r["entity_id"],
                before=r["before"],
                after=r["after"],
            )
            for r in rows
        ]
    return found, total


def search_of(request: audit_pb2.AuditSearchRequest) -> AuditSearch:
    """The search a ``secretariat.common.v1.AuditSearchRequest`` asks for."""
    return AuditSearch(
        entity_id=request.entity_id.strip(),
        actor=request.actor.strip(),
        entity_type=request.entity_type.strip(),
        at_from=timestamp_of(request, "at_from"),
        at_to=timestamp_of(request, "at_to"),
        page=page_of(request.page, request.page_size),
    )


def json_text(value: Any) -> str:
    """An audit row's before or after as JSON text; empty when there is none."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str) if value else ""


def response_of(rows: list[AuditRow], total: int, page: Page) -> audit_pb2.AuditSearchResponse:
    """A page of rows as ``secretariat.common.v1.AuditSearchResponse``."""
    response = audit_pb2.AuditSearchResponse(total=total, page=page.page, page_size=page.page_size)
    for row in rows:
        record = response.items.add(
            id=row.id,
            actor=row.actor,
            action=row.action,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            before_json=json_text(row.before),
            after_json=json_text(row.after),
        )
        set_timestamp(row.at, record.at)
    return response


def search_audit_rpc(
    db: Database,
    table: Table,
    caller: Identity,
    request: audit_pb2.AuditSearchRequest,
    redaction: Redaction | None = None,
) -> audit_pb2.AuditSearchResponse:
    """The whole RPC: a service's servicer method is one call to this."""
    search = search_of(request)
    rows, total = search_audit(db, table, caller, search, redaction)
    return response_of(rows, total, search.page)
