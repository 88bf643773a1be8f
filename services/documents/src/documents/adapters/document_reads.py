"""One document, its readers and its steps in one statement (issue 20).

``GET /api/v1/documents/{id}`` is the platform's hottest read. Loading it as
three statements (the document, its readers, its steps) cost three round
trips on PostgreSQL and three passes through SQLAlchemy's execution; here
the readers and the steps come along as JSON arrays aggregated by the
database (``json_agg`` on PostgreSQL, ``json_group_array`` on SQLite), so a
read is one statement, consistent without a transaction around it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Select, bindparam, func, literal_column, select
from sqlalchemy.engine import Connection
from sqlalchemy.types import JSON

from documents.adapters.orm import document_readers, document_steps, documents
from documents.domain.catalogue import (
    DocumentState,
    Priority,
    Retention,
    SecurityClass,
    StepKind,
    StepState,
)
from documents.domain.model import Document, StandIn, StandInReason, Step


def instant(text: str | None) -> datetime | None:
    """A timestamp as the database wrote it into JSON, as an aware UTC datetime."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def same(value: Any) -> Any:
    return value


def step_from(s: Mapping[Any, Any], when: Callable[[Any], datetime | None] = same) -> Step:
    """A step from its row; ``when`` reads its timestamps (already datetimes in a row,
    text in a JSON object)."""
    return Step(
        id=s["id"],
        kind=StepKind(s["kind"]),
        owners=list(s["owners"]),
        state=StepState(s["state"]),
        opened_at=when(s["opened_at"]),
        due_at=when(s["due_at"]),
        completed_at=when(s["completed_at"]),
        completed_by=s["completed_by"],
        comment=s["comment"],
        done_by=list(s["done_by"]),
        overdue=bool(s["overdue"]),
        position=s["position"],
        escalate_at=when(s["escalate_at"]),
        escalated=bool(s["escalated"]),
        stand_ins=[
            StandIn(x["owner"], x["username"], StandInReason(x["reason"]))
            for x in s["stand_ins"] or []
        ],
        acted_for=dict(s["acted_for"] or {}),
    )


def document_from(r: Mapping[Any, Any], readers: list[str], steps: list[Step]) -> Document:
    return Document(
        id=r["id"],
        number=r["number"],
        title=r["title"],
        type_code=r["type_code"],
        department_code=r["department_code"],
        security_class=SecurityClass(r["security_class"]),
        retention=Retention(r["retention"]),
        priority=Priority(r["priority"]),
        readers=sorted(readers),
        body=r["body"],
        state=DocumentState(r["state"]),
        registered_by=r["registered_by"],
        registered_at=r["registered_at"],
        steps=steps,
        flow_due_at=r["flow_due_at"],
        flow_closed_at=r["flow_closed_at"],
        flow_met=r["flow_met"],
    )


def _as_json(column: Column[Any], dialect: str) -> Any:
    if dialect == "sqlite" and isinstance(column.type, JSON):
        return func.json(column)  # stored as text: embed it as JSON, not as a string
    return column


def _json_array_of_rows(table: Any, dialect: str) -> Any:
    """Every row of ``table`` as a JSON object, aggregated into one array ('[]' for none)."""
    pairs: list[Any] = []
    for column in table.columns:
        pairs += [literal_column(f"'{column.name}'"), _as_json(column, dialect)]
    if dialect == "postgresql":
        return func.coalesce(func.json_agg(func.json_build_object(*pairs)), literal_column("'[]'"))
    return func.coalesce(func.json_group_array(func.json_object(*pairs)), literal_column("'[]'"))


def _usernames(dialect: str) -> Any:
    if dialect == "postgresql":
        return func.coalesce(func.json_agg(document_readers.c.username), literal_column("'[]'"))
    return func.coalesce(func.json_group_array(document_readers.c.username), literal_column("'[]'"))


_STATEMENTS: dict[str, Select[Any]] = {}


def _statement(dialect: str) -> Select[Any]:
    found = _STATEMENTS.get(dialect)
    if found is None:
        readers = (
            select(_usernames(dialect))
            .where(document_readers.c.document_id == documents.c.id)
            .scalar_subquery()
        )
        steps = (
            select(_json_array_of_rows(document_steps, dialect))
            .where(document_steps.c.document_id == documents.c.id)
            .scalar_subquery()
        )
        found = _STATEMENTS[dialect] = select(
            documents, readers.label("readers_json"), steps.label("steps_json")
        ).where(documents.c.id == bindparam("document_id"))
    return found


def _loaded(value: Any) -> Any:
    """psycopg hands JSON over decoded; SQLite as text."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def read_document(connection: Connection, document_id: str) -> Document | None:
    """The document with its readers and steps (in order), or None."""
    row = (
        connection.execute(_statement(connection.dialect.name), {"document_id": document_id})
        .mappings()
        .first()
    )
    if row is None:
        return None
    steps = sorted(
        (step_from(s, instant) for s in _loaded(row["steps_json"])), key=lambda s: s.position
    )
    return document_from(row, _loaded(row["readers_json"]), steps)
