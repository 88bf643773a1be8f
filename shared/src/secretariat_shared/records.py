"""Loading and saving an aggregate kept in one table: :class:`Records`.

Aggregates are dataclasses whose field names are their table's column
names; lists of nested dataclasses live in JSON columns. :class:`Records`
maps one to the other, so each table needs no hand-written mapping.

One persistence style (issue 11): each aggregate has a repository, a
``Records`` subclass whose named methods are the questions the use cases
ask; the SQL conditions live there, never in a service layer (checked by
:func:`secretariat_shared.persistence_style.sql_built_in`).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Table, func, insert, select, update
from sqlalchemy import delete as sa_delete
from sqlalchemy.orm import Session

from secretariat_shared.paging import Page

T = TypeVar("T")


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _nested_type(hint: Any) -> type | None:
    """The dataclass ``X`` of a ``list[X]`` hint, else None."""
    if typing.get_origin(hint) is list:
        (arg,) = typing.get_args(hint)
        if dataclasses.is_dataclass(arg):
            return typing.cast(type, arg)
    return None


def _to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _from_json(cls: type[T], data: dict[str, Any]) -> T:
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in data:
            continue
        raw = data[f.name]
        hint = hints[f.name]
        nested = _nested_type(hint)
        if nested is not None:
            values[f.name] = [_from_json(nested, item) for item in raw]
        elif isinstance(raw, str) and hint in (datetime, datetime | None):
            values[f.name] = datetime.fromisoformat(raw)
        elif isinstance(raw, str) and hint in (date, date | None):
            values[f.name] = date.fromisoformat(raw)
        else:
            values[f.name] = raw
    return cls(**values)


class Records(Generic[T]):
    """One aggregate type in one table, keyed by ``id``."""

    def __init__(self, session: Session, table: Table, cls: type[T]) -> None:
        self.session = session
        self.table = table
        self.cls = cls

    def to_row(self, obj: T) -> dict[str, Any]:
        columns = self.table.c
        row: dict[str, Any] = {}
        for f in dataclasses.fields(obj):  # type: ignore[arg-type]
            if f.name in columns:
                value = getattr(obj, f.name)
                row[f.name] = _to_json(value) if isinstance(value, list) else value
        return row

    def from_row(self, row: Any) -> T:
        hints = _hints(self.cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(self.cls):  # type: ignore[arg-type]
            if f.name not in row:
                continue
            value = row[f.name]
            nested = _nested_type(hints[f.name])
            if nested is not None:
                value = [_from_json(nested, item) for item in value]
            elif isinstance(value, list):
                value = list(value)
            values[f.name] = value
        return self.cls(**values)

    def add(self, obj: T, **extra: Any) -> None:
        self.session.execute(insert(self.table).values(**self.to_row(obj), **extra))

    def save(self, obj: T, **extra: Any) -> None:
        row = self.to_row(obj)
        key = row.pop("id")
        self.session.execute(
            update(self.table).where(self.table.c.id == key).values(**row, **extra)
        )

    def delete(self, key: str) -> None:
        self.session.execute(sa_delete(self.table).where(self.table.c.id == key))

    def get(self, key: str, for_update: bool = False) -> T | None:
        found = self.find(self.table.c.id == key, for_update=for_update)
        return found[0] if found else None

    def find(
        self,
        *conditions: ColumnElement[bool],
        order_by: Sequence[Any] = (),
        for_update: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[T]:
        stmt = select(self.table).where(*conditions).order_by(*order_by)
        if offset:
            stmt = stmt.offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        if for_update:
            stmt = stmt.with_for_update()
        return [self.from_row(row) for row in self.session.execute(stmt).mappings()]

    def count(self, *conditions: ColumnElement[bool]) -> int:
        stmt = select(func.count()).select_from(self.table).where(*conditions)
        return int(self.session.execute(stmt).scalar_one())

    def page(
        self,
        *conditions: ColumnElement[bool],
        order_by: Sequence[Any],
        page: Page | None,
    ) -> tuple[list[T], int]:
        """One page of the matches in ``order_by`` order, and how many match in all.

        ``page`` None: every match. ``order_by`` should end in a unique column
        so that pages neither repeat nor skip rows.
        """
        if page is None:
            found = self.find(*conditions, order_by=order_by)
            return found, len(found)
        found = self.find(*conditions, order_by=order_by, offset=page.offset, limit=page.limit)
        return found, self.count(*conditions)
