"""Record retrieval inside the database (SPEC A-02, X-03).

The keyword is matched against pre-segmented tokens (see
:mod:`archives.adapters.segmenter`): SQLite keeps them in an FTS5 table
``records_fts`` ranked by bm25; PostgreSQL has a GIN index on
``to_tsvector('simple', search_text)`` ranked by ``ts_rank``. The X-03 scope
is part of the same query, so ``total`` and every page count only records
the caller may read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    MetaData,
    String,
    Table,
    Text,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session

from archives.adapters.orm import record_readers, records
from secretariat_shared.access import Viewer, reach
from secretariat_shared.access_sql import reach_condition

# Created by the first migration on SQLite only; not part of ``orm.metadata``.
records_fts = Table(
    "records_fts",
    MetaData(),
    Column("record_id", String(36)),
    Column("search_text", Text),
    Column("facets", Text),
)


def facet_tokens(department_code: str, type_code: str, security_class: str) -> str:
    """The filter values as FTS5 tokens, so a keyword plus filters is one index lookup."""
    return " ".join(
        (f"dept{department_code}".lower(), f"type{type_code}", f"class{security_class}")
    )


@dataclass(frozen=True)
class Filters:
    """``terms``: each keyword word with its sub-words (every word must match)."""

    terms: Sequence[tuple[str, Sequence[str]]] = ()
    number: str = ""
    department_code: str = ""
    type_code: str = ""
    security_class: str = ""
    date_from: str = ""
    date_to: str = ""


def readable(viewer: Viewer) -> ColumnElement[bool]:
    """X-03 as SQL: the shared class rule, or the viewer is a named reader."""
    named = records.c.id.in_(
        select(record_readers.c.record_id).where(record_readers.c.username == viewer.username)
    )
    return or_(
        reach_condition(reach(viewer), records.c.security_class, records.c.department_code),
        named,
    )


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts5_query(terms: Sequence[tuple[str, Sequence[str]]], filters: Filters | None = None) -> str:
    """``search_text : (("w" OR ("p1" AND "p2")) AND …) AND facets : "dept…"`` in FTS5 syntax."""
    groups = []
    for word, parts in terms:
        if parts:
            groups.append(f"({_quoted(word)} OR ({' AND '.join(_quoted(p) for p in parts)}))")
        else:
            groups.append(_quoted(word))
    query = f"search_text : ({' AND '.join(groups)})"
    facets = [_quoted(f) for f in _facets_of(filters)]
    if facets:
        query += f" AND facets : ({' AND '.join(facets)})"
    return query


def _ts_lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery_text(terms: Sequence[tuple[str, Sequence[str]]], filters: Filters | None = None) -> str:
    """The same query in ``to_tsquery`` syntax: ``('w' | ('p1' & 'p2')) & … & 'dept…'``."""
    groups = []
    for word, parts in terms:
        if parts:
            groups.append(f"({_ts_lexeme(word)} | ({' & '.join(_ts_lexeme(p) for p in parts)}))")
        else:
            groups.append(_ts_lexeme(word))
    groups.extend(_ts_lexeme(f) for f in _facets_of(filters))
    return " & ".join(groups)


def _facets_of(filters: Filters | None) -> list[str]:
    if filters is None:
        return []
    facets = []
    if filters.department_code:
        facets.append(f"dept{filters.department_code}".lower())
    if filters.type_code:
        facets.append(f"type{filters.type_code}")
    if filters.security_class:
        facets.append(f"class{filters.security_class}")
    return facets


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.number:
        if filters.number.endswith("*"):
            prefix = filters.number[:-1]
            where.append(records.c.number >= prefix)
            where.append(records.c.number < prefix + "\U0010ffff")
        else:
            where.append(records.c.number == filters.number)
    if filters.department_code:
        where.append(records.c.department_code == filters.department_code)
    if filters.type_code:
        where.append(records.c.type_code == filters.type_code)
    if filters.security_class:
        where.append(records.c.security_class == filters.security_class)
    if filters.date_from:
        where.append(records.c.document_date >= filters.date_from)
    if filters.date_to:
        where.append(records.c.document_date <= filters.date_to)
    return where


# What a result shows; the tokens and the seal's key material stay behind.
VIEW_COLUMNS = [
    c
    for c in records.c
    if c.name not in ("search_text", "facets", "seal_signature", "seal_public_key")
]


def search(
    session: Session, viewer: Viewer, filters: Filters, offset: int, limit: int
) -> tuple[list[tuple[Any, float]], int]:
    """(record row, score) for one page, best first, and the readable total.

    With a keyword the total rides on the page query (``count(*) OVER ()``),
    so the match is evaluated once; only a page past the end needs a count.
    """
    where = [readable(viewer), *_conditions(filters)]
    dialect = session.get_bind().dialect.name
    score: ColumnElement[Any]
    joined: Any
    if filters.terms and dialect == "sqlite":
        # bm25 is lower for better matches; the answer's score is higher-is-better.
        score = -func.bm25(literal_column_fts(), 0.0, 1.0, 0.0)
        joined = records_fts.join(records, records.c.id == records_fts.c.record_id)
        match = literal_column_fts().op("MATCH")(fts5_query(filters.terms, filters))
        where = [match, *where]
    elif filters.terms:
        vector: ColumnElement[Any] = literal_column("records.search_vector")
        query = func.to_tsquery(
            literal("simple").cast(_regconfig()), tsquery_text(filters.terms, filters)
        )
        score = func.ts_rank(vector, query)
        joined = records
        where = [vector.op("@@")(query), *where]
    else:
        joined = records
        total = int(
            session.execute(select(func.count()).select_from(records).where(*where)).scalar_one()
        )
        rows = session.execute(
            select(*VIEW_COLUMNS, literal(0.0).label("score"))
            .where(*where)
            .order_by(records.c.number)
            .offset(offset)
            .limit(limit)
        ).all()
        return [(row, 0.0) for row in rows], total
    # bm25() cannot share a query with a window function: rank in a
    # materialised CTE, then count and page over it.
    ranked = (
        select(*VIEW_COLUMNS, score.label("score"))
        .select_from(joined)
        .where(*where)
        .cte("ranked")
        .prefix_with("MATERIALIZED")
    )
    page = session.execute(
        select(ranked, func.count().over().label("total"))
        .order_by(ranked.c.score.desc(), ranked.c.number)
        .offset(offset)
        .limit(limit)
    ).all()
    if page:
        total = int(page[0].total)
    else:
        total = int(
            session.execute(select(func.count()).select_from(joined).where(*where)).scalar_one()
        )
    return [(row, float(row.score or 0.0)) for row in page], total


def literal_column_fts() -> Any:
    """The FTS5 table as a column expression (``records_fts MATCH …``, ``bm25(records_fts)``)."""
    return literal_column("records_fts")


def _regconfig() -> Any:
    return REGCONFIG


def index_record(session: Session, record_id: str, search_text: str, facets: str) -> None:
    """Add a record's tokens to the SQLite FTS5 table (PostgreSQL indexes the column)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            records_fts.insert().values(record_id=record_id, search_text=search_text, facets=facets)
        )
