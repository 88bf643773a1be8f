"""Reads and writes of the performance tables (SQLAlchemy Core)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
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


_ADD_FACT: dict[str, Any] = {}


def _add_fact_statement(dialect: str) -> Any:
    """Built once per dialect: building an INSERT with its values costs more than
    running it."""
    if dialect not in _ADD_FACT:
        t = orm.facts
        insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
        _ADD_FACT[dialect] = (
            insert_fn(t)
            .on_conflict_do_nothing(
                index_elements=[t.c.source_event_id, t.c.kind, t.c.username, t.c.department_code]
            )
            .returning(t.c.id)
        )
    return _ADD_FACT[dialect]


def add_fact(session: Session, fact: Fact, recorded_at: datetime) -> bool:
    """Keep a fact once per (source event, kind, person, department); False if
    already kept (a digest keeps one fact per department, no person's).

    One prepared ``INSERT … ON CONFLICT DO NOTHING`` statement (ingestion keeps
    up with 1,000 events/s only with few, cheap statements per event)."""
    connection = session.connection()
    statement = _add_fact_statement(connection.dialect.name)
    inserted = connection.execute(
        statement,
        {
            "id": fact.id,
            "kind": fact.kind,
            "username": fact.username,
            "department_code": fact.department_code,
            "occurred_at": fact.occurred_at,
            "value": fact.value,
            "source_event_id": fact.source_event_id,
            "source_event_type": fact.source_event_type,
            "detail": fact.detail[:600],
            "ref": fact.ref,
            "struck_by_appeal": fact.struck_by_appeal,
            "recorded_at": recorded_at,
        },
    ).first()
    return inserted is not None


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
    """Every fact of the window, by person (the cycle computation)."""
    t = orm.facts
    out: dict[str, list[Fact]] = {}
    rows = session.execute(
        select(t).where(t.c.occurred_at >= start, t.c.occurred_at < end, t.c.username != "")
    )
    for r in rows:
        out.setdefault(r.username, []).append(_fact(r))
    return out


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
