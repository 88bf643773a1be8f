"""Loading and saving documents; X-03 filtering happens in SQL for lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from documents.adapters.document_reads import document_from, step_from
from documents.adapters.orm import document_readers, document_sequences, document_steps, documents
from documents.domain.approvals.sla import StepTiming
from documents.domain.catalogue import (
    Priority,
    StepState,
)
from documents.domain.model import Document, Step, Viewer
from documents.domain.sla_report import FlowTiming
from secretariat_shared.access import reach
from secretariat_shared.access_sql import reach_condition


def readable_by(viewer: Viewer) -> ColumnElement[bool]:
    """SPEC X-03 in SQL, the shared rule: by class and department, or as a
    named reader, or as an owner of the open step (while it is theirs)."""
    if viewer.is_service:
        return true()
    named = exists().where(
        document_readers.c.document_id == documents.c.id,
        document_readers.c.username == viewer.username,
    )
    owner = f'%"{_like_escape(viewer.username)}"%'
    # D-05: who stands in for an owner of the open step reads it too (the names in
    # stand_ins are the step's owners and their stand-ins).
    owns_open_step = exists().where(
        document_steps.c.document_id == documents.c.id,
        document_steps.c.state == StepState.OPEN.value,
        or_(
            cast(document_steps.c.owners, Text).like(owner, escape="\\"),
            cast(document_steps.c.stand_ins, Text).like(owner, escape="\\"),
        ),
    )
    return or_(
        reach_condition(reach(viewer), documents.c.security_class, documents.c.department_code),
        named,
        owns_open_step,
    )


@dataclass(frozen=True)
class DocumentFilter:
    q: str = ""
    number: str = ""
    department_code: str = ""
    type_code: str = ""
    registered_from: datetime | None = None
    registered_to: datetime | None = None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_SEQUENCE_UPSERTS: dict[str, Any] = {}


def _sequence_upsert(dialect: str) -> Any:
    """The D-01 counter statement, built once per dialect and reused."""
    cached = _SEQUENCE_UPSERTS.get(dialect)
    if cached is None:
        insert_fn: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        cached = (
            insert_fn(document_sequences)
            .values(
                department_code=bindparam("department_code", type_=String()),
                year=bindparam("year", type_=Integer()),
                type_code=bindparam("type_code", type_=String()),
                last_seq=1,
            )
            .on_conflict_do_update(
                index_elements=["department_code", "year", "type_code"],
                set_={"last_seq": document_sequences.c.last_seq + 1},
            )
            .returning(document_sequences.c.last_seq)
        )
        _SEQUENCE_UPSERTS[dialect] = cached
    return cached


_SET_NUMBER = (
    update(documents)
    .where(documents.c.id == bindparam("document_id", type_=String()))
    .values(number=bindparam("number", type_=String()))
)
_INSERT_DOCUMENT = insert(documents)


class DocumentRepository:
    def __init__(self, session: Session | Connection) -> None:
        self.session = session

    def next_sequence(self, department_code: str, year: int, type_code: str) -> int:
        """Increment and return the (department, year, type) counter (D-01).

        ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` takes the row lock, so
        concurrent registrations queue on it and each gets the next number.
        """
        dialect = (
            self.session.connection().dialect.name
            if isinstance(self.session, Session)
            else self.session.dialect.name
        )
        stmt = _sequence_upsert(dialect)
        params = {"department_code": department_code, "year": year, "type_code": type_code}
        return int(self.session.execute(stmt, params).scalar_one())

    def add(self, document: Document) -> None:
        self.session.execute(
            _INSERT_DOCUMENT,
            {
                "id": document.id,
                "number": document.number,
                "title": document.title,
                "type_code": document.type_code,
                "department_code": document.department_code,
                "security_class": document.security_class.value,
                "retention": document.retention.value,
                "priority": document.priority.value,
                "body": document.body,
                "state": document.state.value,
                "registered_by": document.registered_by,
                "registered_at": document.registered_at,
                "updated_at": document.registered_at,
                "flow_due_at": document.flow_due_at,
                "flow_closed_at": document.flow_closed_at,
                "flow_met": document.flow_met,
            },
        )
        self._insert_readers(document.id, document.readers)
        self._insert_steps(document)

    @staticmethod
    def number_update(document_id: str, number: str) -> tuple[Any, dict[str, Any]]:
        """The statement and parameters that give a registered document its number (D-01)."""
        return _SET_NUMBER, {"document_id": document_id, "number": number}

    def save(self, document: Document, now: datetime) -> None:
        self.session.execute(
            update(documents)
            .where(documents.c.id == document.id)
            .values(
                state=document.state.value,
                updated_at=now,
                flow_due_at=document.flow_due_at,
                flow_closed_at=document.flow_closed_at,
                flow_met=document.flow_met,
            )
        )
        self._save_readers(document)
        self._save_steps(document)

    def _save_readers(self, document: Document) -> None:
        existing = set(
            self.session.scalars(
                select(document_readers.c.username).where(
                    document_readers.c.document_id == document.id
                )
            )
        )
        self._insert_readers(document.id, [u for u in document.readers if u not in existing])

    def _insert_readers(self, document_id: str, usernames: list[str]) -> None:
        if usernames:
            self.session.execute(
                insert(document_readers),
                [{"document_id": document_id, "username": u} for u in usernames],
            )

    def _save_steps(self, document: Document) -> None:
        self.session.execute(
            delete(document_steps).where(document_steps.c.document_id == document.id)
        )
        self._insert_steps(document)

    def _insert_steps(self, document: Document) -> None:
        if document.steps:
            self.session.execute(
                insert(document_steps),
                [
                    {
                        "id": s.id,
                        "document_id": document.id,
                        "position": s.position,
                        "kind": s.kind.value,
                        "owners": list(s.owners),
                        "state": s.state.value,
                        "opened_at": s.opened_at,
                        "due_at": s.due_at,
                        "completed_at": s.completed_at,
                        "completed_by": s.completed_by,
                        "comment": s.comment,
                        "done_by": list(s.done_by),
                        "overdue": s.overdue,
                        "escalate_at": s.escalate_at,
                        "escalated": s.escalated,
                        "stand_ins": [
                            {"owner": x.owner, "username": x.username, "reason": x.reason.value}
                            for x in s.stand_ins
                        ],
                        "acted_for": dict(s.acted_for),
                    }
                    for s in document.steps
                ],
            )

    def open_steps_overlapping(self, start: datetime, end: datetime) -> list[tuple[str, str]]:
        """(document id, step id) of open steps whose clock runs over [start, end)."""
        rows = self.session.execute(
            select(document_steps.c.document_id, document_steps.c.id)
            .where(
                document_steps.c.state == StepState.OPEN.value,
                document_steps.c.due_at.is_not(None),
                document_steps.c.due_at >= start,
                document_steps.c.opened_at < end,
            )
            .order_by(document_steps.c.document_id, document_steps.c.position)
        )
        return [(row[0], row[1]) for row in rows]

    # -- SLA (D-10) -------------------------------------------------------------

    def sla_steps(self, start: datetime, end: datetime) -> list[StepTiming]:
        """Flow steps with a deadline that were open at some moment of [start, end)."""
        s, d = document_steps, documents
        stmt = (
            select(s.c.opened_at, s.c.due_at, s.c.completed_at, d.c.priority)
            .join(d, d.c.id == s.c.document_id)
            .where(
                s.c.opened_at.is_not(None),
                s.c.due_at.is_not(None),
                s.c.opened_at < end,
                or_(s.c.completed_at.is_(None), s.c.completed_at >= start),
            )
        )
        return [
            StepTiming(opened_at=o, due_at=due, closed_at=c, urgent=p == Priority.URGENT.value)
            for o, due, c, p in self.session.execute(stmt)
        ]

    def open_flows_overlapping(self, start: datetime, end: datetime) -> list[str]:
        """Ids of documents whose D-10 flow clock is running over [start, end)."""
        d = documents
        return list(
            self.session.scalars(
                select(d.c.id)
                .where(
                    d.c.flow_closed_at.is_(None),
                    d.c.flow_due_at.is_not(None),
                    d.c.flow_due_at >= start,
                    d.c.registered_at < end,
                )
                .order_by(d.c.id)
            )
        )

    def flow_timings(self, start: datetime, end: datetime) -> list[FlowTiming]:
        """Document flows (D-10) that were running at some moment of [start, end)."""
        d = documents
        stmt = select(d.c.registered_at, d.c.flow_due_at, d.c.flow_closed_at).where(
            d.c.flow_due_at.is_not(None),
            d.c.registered_at < end,
            or_(d.c.flow_closed_at.is_(None), d.c.flow_closed_at >= start),
        )
        return [
            FlowTiming(registered_at=r, due_at=due, closed_at=c)
            for r, due, c in self.session.execute(stmt)
        ]

    def get(self, document_id: str, for_update: bool = False) -> Document | None:
        stmt = select(documents).where(documents.c.id == document_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.session.execute(stmt).mappings().first()
        if row is None:
            return None
        return self._hydrate([row])[0]

    def search(
        self, viewer: Viewer, flt: DocumentFilter, page: int, page_size: int
    ) -> tuple[list[Document], int]:
        stmt = self._filtered(select(documents), viewer, flt)
        count_stmt = self._filtered(select(func.count()).select_from(documents), viewer, flt)
        total = int(self.session.execute(count_stmt).scalar_one())
        rows = (
            self.session.execute(
                stmt.order_by(documents.c.registered_at.desc(), documents.c.number.desc())
                .limit(page_size)
                .offset((page - 1) * page_size)
            )
            .mappings()
            .all()
        )
        return self._hydrate(list(rows)), total

    def _filtered(self, stmt: Select[Any], viewer: Viewer, flt: DocumentFilter) -> Select[Any]:
        stmt = stmt.where(readable_by(viewer))
        if flt.q:
            pattern = f"%{_like_escape(flt.q)}%"
            stmt = stmt.where(
                or_(
                    documents.c.title.like(pattern, escape="\\"),
                    documents.c.body.like(pattern, escape="\\"),
                    documents.c.number.like(pattern, escape="\\"),
                )
            )
        if flt.number:
            stmt = stmt.where(documents.c.number == flt.number)
        if flt.department_code:
            stmt = stmt.where(documents.c.department_code == flt.department_code)
        if flt.type_code:
            stmt = stmt.where(documents.c.type_code == flt.type_code)
        if flt.registered_from is not None:
            stmt = stmt.where(documents.c.registered_at >= flt.registered_from)
        if flt.registered_to is not None:
            stmt = stmt.where(documents.c.registered_at <= flt.registered_to)
        return stmt

    def _hydrate(self, rows: list[Any]) -> list[Document]:
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        readers_of = (
            document_readers.c.document_id == ids[0]
            if len(ids) == 1
            else document_readers.c.document_id.in_(ids)
        )
        steps_of = (
            document_steps.c.document_id == ids[0]
            if len(ids) == 1
            else document_steps.c.document_id.in_(ids)
        )
        readers: dict[str, list[str]] = {i: [] for i in ids}
        for doc_id, username in self.session.execute(
            select(document_readers.c.document_id, document_readers.c.username).where(readers_of)
        ):
            readers[doc_id].append(username)
        steps: dict[str, list[Step]] = {i: [] for i in ids}
        for s in (
            self.session.execute(
                select(document_steps).where(steps_of).order_by(document_steps.c.position)
            )
            .mappings()
            .all()
        ):
            steps[s["document_id"]].append(step_from(s))
        return [document_from(r, readers[r["id"]], steps[r["id"]]) for r in rows]
