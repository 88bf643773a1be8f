"""Reads and writes of the performance tables (SQLAlchemy Core)."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from performance.adapters import orm
from performance.domain.facts import Fact
from performance.domain.grading import Rules
from performance.domain.titles import DEFAULT_TITLE_RULES, TitleRule


def _fact(row: Any) -> Fact:
    return Fact(
        id=row.id,
        kind=row.kind,
        username=row.username,
        department_code=row.department_code,
        occurred_at=row.occurred_at,
        value=row.value,
        source_event_id=row.source_event_id,
        source_event_type=row.source_event_type,
        detail=row.detail,
        ref=row.ref,
        struck_by_appeal=row.struck_by_appeal,
    )


_FACT_COLUMNS = (
    "id",
    "kind",
    "username",
    "department_code",
    "occurred_at",
    "value",
    "source_event_id",
    "source_event_type",
    "detail",
    "ref",
    "struck_by_appeal",
)
"""A fact's columns in ``Fact``'s field order (``recorded_at`` is not needed)."""


_ADD_FACT: list[Any] = []


def _add_fact_statement() -> Any:
    """Built once: building an INSERT with its values costs more than running it."""
    if not _ADD_FACT:
        t = orm.facts
        _ADD_FACT.append(
            sqlite.insert(t)
            .on_conflict_do_nothing(
                index_elements=[t.c.source_event_id, t.c.kind, t.c.username, t.c.department_code]
            )
            .returning(t.c.id)
        )
    return _ADD_FACT[0]


def _fact_values(fact: Fact, recorded_at: datetime) -> dict[str, Any]:
    values = dict(zip(_FACT_COLUMNS, _fact_row(fact), strict=True))
    values["recorded_at"] = recorded_at
    return values


def add_fact(session: Session, fact: Fact, recorded_at: datetime) -> bool:
    """Keep a fact once per (source event, kind, person, department); False if
    already kept (a digest keeps one fact per department, no person's)."""
    return bool(add_facts(session, [fact], recorded_at))


def add_facts(session: Session, facts: Sequence[Fact], recorded_at: datetime) -> set[str]:
    """Keep many facts, each once per (source event, kind, person, department);
    return the ids of those not kept before.

    One statement for a whole batch of consumed events (ingestion keeps up
    with 1,000 events/s only without a round trip per fact): on PostgreSQL
    of fixed text, the columns as arrays (:func:`_add_facts_postgresql`);
    on SQLite a prepared ``INSERT … ON CONFLICT DO NOTHING RETURNING id``
    that SQLAlchemy sends as multi-row VALUES."""
    if not facts:
        return set()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _add_facts_postgresql(connection, facts, recorded_at)
    statement = _add_fact_statement()
    rows = connection.execute(statement, [_fact_values(f, recorded_at) for f in facts])
    return {row.id for row in rows}


_ARRAY_TYPES = {"occurred_at": "timestamptz[]", "value": "float8[]"}
_ADD_FACTS_PG = (
    f"INSERT INTO facts ({', '.join(_FACT_COLUMNS)}, recorded_at)"
    " SELECT u.*, %s::timestamptz FROM unnest("
    + ", ".join(f"%s::{_ARRAY_TYPES.get(c, 'varchar[]')}" for c in _FACT_COLUMNS)
    + ") AS u ON CONFLICT (source_event_id, kind, username, department_code) DO NOTHING"
    " RETURNING id"
)
"""Every column an array and ``unnest`` making the rows: the text is the same for
any number of facts, so psycopg prepares it once per connection, and neither
SQLAlchemy compiles nor psycopg splits hundreds of placeholders per batch."""


def _add_facts_postgresql(
    connection: Any, facts: Sequence[Fact], recorded_at: datetime
) -> set[str]:
    columns: list[list[Any]] = [[] for _ in _FACT_COLUMNS]
    for fact in facts:
        for column, value in zip(columns, _fact_row(fact), strict=True):
            column.append(value)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:
        cursor.execute(_ADD_FACTS_PG, (recorded_at, *columns), prepare=True)
        return {row[0] for row in cursor.fetchall()}


def _fact_row(fact: Fact) -> tuple[Any, ...]:
    """A fact's values in ``_FACT_COLUMNS`` order, as stored."""
    return (
        fact.id,
        fact.kind,
        fact.username,
        fact.department_code,
        fact.occurred_at,
        fact.value,
        fact.source_event_id,
        fact.source_event_type,
        fact.detail[:600],
        fact.ref,
        fact.struck_by_appeal,
    )


def facts_of_person(session: Session, username: str, start: datetime, end: datetime) -> list[Fact]:
    t = orm.facts
    rows = session.execute(
        select(t)
        .where(t.c.username == username, t.c.occurred_at >= start, t.c.occurred_at < end)
        .order_by(t.c.occurred_at, t.c.id)
    )
    return [_fact(r) for r in rows]


def facts_of_department(session: Session, code: str, start: datetime, end: datetime) -> list[Fact]:
    t = orm.facts
    rows = session.execute(
        select(t)
        .where(t.c.department_code == code, t.c.occurred_at >= start, t.c.occurred_at < end)
        .order_by(t.c.occurred_at, t.c.id)
    )
    return [_fact(r) for r in rows]


def facts_in_window(session: Session, start: datetime, end: datetime) -> dict[str, list[Fact]]:
    """Every fact of the window, by person (the cycle computation).

    A quarter is a million facts: they are fetched in large slices (not row by
    row), only the columns a ``Fact`` holds, and built positionally, without
    the garbage collector rescanning them while they are made."""
    out: dict[str, list[Fact]] = {}
    collecting = gc.isenabled()
    gc.disable()  # a million new objects would trigger full collections over themselves
    try:
        for rows in _window_rows(session, start, end):
            for row in rows:
                fact = Fact(*row)
                people = out.get(fact.username)
                if people is None:
                    out[fact.username] = [fact]
                else:
                    people.append(fact)
    finally:
        if collecting:
            gc.enable()
    return out


def _window_rows(session: Session, start: datetime, end: datetime) -> Iterator[list[Any]]:
    """The window's facts as tuples in ``_FACT_COLUMNS`` order, 20,000 at a time.

    On PostgreSQL straight from psycopg's cursor, in the session's
    transaction: SQLAlchemy's per-row result processing costs as much CPU as
    the fetch itself; ``occurred_at`` is made UTC here, as ``UtcDateTime``
    does."""
    t = orm.facts
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        result = connection.execute(
            select(*(t.c[name] for name in _FACT_COLUMNS)).where(
                t.c.occurred_at >= start, t.c.occurred_at < end, t.c.username != ""
            )
        )
        while rows := result.fetchmany(20_000):
            yield list(rows)
        return
    at = _FACT_COLUMNS.index("occurred_at")
    cursor = connection.connection.driver_connection.cursor(binary=True)  # type: ignore[union-attr]
    try:
        cursor.execute(
            f"SELECT {', '.join(_FACT_COLUMNS)} FROM facts"
            " WHERE occurred_at >= %s AND occurred_at < %s AND username <> ''",
            (start, end),
        )
        while rows := cursor.fetchmany(20_000):
            yield [(*r[:at], r[at].astimezone(UTC), *r[at + 1 :]) for r in rows]
    finally:
        cursor.close()


def facts_of_kind_by_person(
    session: Session,
    kind: str,
    start: datetime,
    end: datetime,
    username: str | None = None,
    department: str | None = None,
) -> dict[str, list[Fact]]:
    """One kind of facts in [start, end), by person (P-04's year to date)."""
    t = orm.facts
    query = select(t).where(
        t.c.kind == kind, t.c.occurred_at >= start, t.c.occurred_at < end, t.c.username != ""
    )
    if username is not None:
        query = query.where(t.c.username == username)
    if department is not None:
        query = query.where(t.c.department_code == department)
    out: dict[str, list[Fact]] = {}
    for r in session.execute(query.order_by(t.c.occurred_at, t.c.id)):
        out.setdefault(r.username, []).append(_fact(r))
    return out


def facts_by_ids(session: Session, ids: Iterable[str]) -> list[Fact]:
    t = orm.facts
    wanted = list(ids)
    if not wanted:
        return []
    rows = session.execute(select(t).where(t.c.id.in_(wanted)).order_by(t.c.occurred_at, t.c.id))
    return [_fact(r) for r in rows]


def strike_facts(session: Session, ids: Iterable[str], username: str, appeal_id: str) -> int:
    t = orm.facts
    wanted = list(ids)
    if not wanted:
        return 0
    result = session.execute(
        update(t)
        .where(t.c.id.in_(wanted), t.c.username == username, t.c.struck_by_appeal == "")
        .values(struck_by_appeal=appeal_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def fact_ids_of(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """Fact id → username, for the ids that exist."""
    t = orm.facts
    wanted = list(ids)
    if not wanted:
        return {}
    return {
        r.id: r.username
        for r in session.execute(select(t.c.id, t.c.username).where(t.c.id.in_(wanted)))
    }


def load_rules(session: Session) -> Rules:
    row = session.execute(
        select(orm.settings_table.c.value).where(orm.settings_table.c.key == "rules")
    ).first()
    if row is None:
        return Rules()
    return Rules(
        **{k: float(v) for k, v in dict(row.value).items() if k in Rules.__dataclass_fields__}
    )


def save_rules(session: Session, rules: Rules, by: str, at: datetime) -> None:
    t = orm.settings_table
    value = {k: getattr(rules, k) for k in Rules.__dataclass_fields__}
    if session.execute(select(t.c.key).where(t.c.key == "rules")).first() is None:
        session.execute(insert(t).values(key="rules", value=value, updated_by=by, updated_at=at))
    else:
        session.execute(
            update(t).where(t.c.key == "rules").values(value=value, updated_by=by, updated_at=at)
        )


def load_title_rules(session: Session) -> list[TitleRule]:
    """P-09: the organisation's title rules; the defaults until HR sets them."""
    row = session.execute(
        select(orm.settings_table.c.value).where(orm.settings_table.c.key == "titles")
    ).first()
    if row is None:
        return list(DEFAULT_TITLE_RULES)
    return [TitleRule.from_dict(r) for r in row.value]


def save_title_rules(session: Session, rules: list[TitleRule], by: str, at: datetime) -> None:
    t = orm.settings_table
    value = [r.as_dict() for r in rules]
    if session.execute(select(t.c.key).where(t.c.key == "titles")).first() is None:
        session.execute(insert(t).values(key="titles", value=value, updated_by=by, updated_at=at))
    else:
        session.execute(
            update(t).where(t.c.key == "titles").values(value=value, updated_by=by, updated_at=at)
        )


def title_awards_of_cycle(session: Session, cycle_id: str) -> list[Any]:
    t = orm.title_awards
    return list(
        session.execute(
            select(t).where(t.c.cycle_id == cycle_id).order_by(t.c.code, t.c.value, t.c.username)
        )
    )


def get_cycle(session: Session, cycle_id: str) -> Any:
    return session.execute(select(orm.cycles).where(orm.cycles.c.id == cycle_id)).first()


def find_cycle(session: Session, kind: str, period: str) -> Any:
    t = orm.cycles
    return session.execute(select(t).where(t.c.kind == kind, t.c.period == period)).first()


def published_results_between(
    session: Session, usernames: list[str], first_day: str, last_day: str
) -> list[tuple[str, str, str, str]]:
    """(result id, username, period start, period end) of the people's published
    results whose period overlaps [first_day, last_day]."""
    c, r = orm.cycles, orm.results
    rows = session.execute(
        select(r.c.id, r.c.username, c.c.period_start, c.c.period_end)
        .join(c, c.c.id == r.c.cycle_id)
        .where(
            r.c.username.in_(usernames),
            c.c.state == "published",
            c.c.period_start <= last_day,
            c.c.period_end >= first_day,
        )
    )
    return [(row.id, row.username, row.period_start, row.period_end) for row in rows]


def ratings_of_cycle(session: Session, cycle_id: str) -> dict[str, list[tuple[str, float]]]:
    t = orm.ratings
    out: dict[str, list[tuple[str, float]]] = {}
    for r in session.execute(
        select(t.c.subject, t.c.group, t.c.score).where(t.c.cycle_id == cycle_id)
    ):
        out.setdefault(r.subject, []).append((r.group, r.score))
    return out


def ratings_of(session: Session, cycle_id: str, subject: str) -> list[tuple[str, float]]:
    t = orm.ratings
    rows = session.execute(
        select(t.c.group, t.c.score).where(t.c.cycle_id == cycle_id, t.c.subject == subject)
    )
    return [(r.group, r.score) for r in rows]


def rating_count(session: Session, cycle_id: str) -> int:
    t = orm.ratings
    return int(session.execute(select(func.count()).where(t.c.cycle_id == cycle_id)).scalar_one())


def rating_exists(session: Session, cycle_id: str, subject: str, rater: str) -> bool:
    t = orm.ratings
    return (
        session.execute(
            select(t.c.id).where(
                t.c.cycle_id == cycle_id, t.c.subject == subject, t.c.rater == rater
            )
        ).first()
        is not None
    )


def get_result(session: Session, result_id: str) -> Any:
    return session.execute(select(orm.results).where(orm.results.c.id == result_id)).first()


def result_of(session: Session, cycle_id: str, username: str) -> Any:
    t = orm.results
    return session.execute(
        select(t).where(t.c.cycle_id == cycle_id, t.c.username == username)
    ).first()


def results_of_cycle(session: Session, cycle_id: str) -> dict[str, Any]:
    """Every result of a cycle by username, in one query."""
    t = orm.results
    return {r.username: r for r in session.execute(select(t).where(t.c.cycle_id == cycle_id))}


def excellent_count(session: Session, cycle_id: str, excluding: str) -> tuple[int, int]:
    """(people graded in the cycle, excellent grades among the others)."""
    t = orm.results
    people = session.execute(select(func.count()).where(t.c.cycle_id == cycle_id)).scalar_one()
    excellent = session.execute(
        select(func.count()).where(
            and_(t.c.cycle_id == cycle_id, t.c.grade == "excellent", t.c.username != excluding)
        )
    ).scalar_one()
    return int(people), int(excellent)


def appeals_of_result(session: Session, result_id: str) -> list[Any]:
    t = orm.appeals
    return list(session.execute(select(t).where(t.c.result_id == result_id).order_by(t.c.filed_at)))


def get_appeal(session: Session, appeal_id: str) -> Any:
    return session.execute(select(orm.appeals).where(orm.appeals.c.id == appeal_id)).first()


def appeals_of_period(session: Session, period: str) -> list[Any]:
    t = orm.appeals
    return list(session.execute(select(t).where(t.c.period == period)))


def get_plan(session: Session, plan_id: str) -> Any:
    return session.execute(select(orm.plans).where(orm.plans.c.id == plan_id)).first()


def interview_of(session: Session, result_id: str) -> Any:
    t = orm.interviews
    return session.execute(select(t).where(t.c.result_id == result_id)).first()
