"""Loading and saving an aggregate kept in one table: :class:`Records`.

Aggregates are dataclasses whose field names are their table's column
names; lists of nested dataclasses live in JSON columns. :class:`Records`
maps one to the other, so each table needs no hand-written mapping. Its
generic reads and writes are :class:`secretariat_shared.table_repository.TableRepository`'s,
the base of the repositories that answer plain rows too.

One persistence style (issue 11): each aggregate has a repository, a
``Records`` subclass whose named methods are the questions the use cases
ask; the SQL conditions live there, never in a service layer (checked by
:func:`secretariat_shared.persistence_style.sql_built_in`).
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.orm import Session

from secretariat_shared.table_repository import TableRepository, TableRow

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


class Records(TableRepository[T]):
    """One aggregate type in one table, keyed by ``id``; the generic reads
    (``get``, ``find``, ``count``, ``page``) come from :class:`TableRepository`."""

    def __init__(self, session: Session, table: Table, cls: type[T]) -> None:
        super().__init__(session, table)
        self.cls = cls

    def to_row(self, obj: T) -> dict[str, Any]:
        columns = self.table.c
        row: dict[str, Any] = {}
        for f in dataclasses.fields(obj):  # type: ignore[arg-type]
            if f.name in columns:
                value = getattr(obj, f.name)
                row[f.name] = _to_json(value) if isinstance(value, list) else value
        return row

    def from_row(self, row: TableRow) -> T:
        mapping = row._mapping
        hints = _hints(self.cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(self.cls):  # type: ignore[arg-type]
            if f.name not in mapping:
                continue
            value = mapping[f.name]
            nested = _nested_type(hints[f.name])
            if nested is not None:
                value = [_from_json(nested, item) for item in value]
            elif isinstance(value, list):
                value = list(value)
            values[f.name] = value
        return self.cls(**values)

    def add(self, obj: T, **extra: Any) -> None:
        self.add_row({**self.to_row(obj), **extra})

    def save(self, obj: T, **extra: Any) -> None:
        row = self.to_row(obj)
        key = row.pop("id")
        self.change(key, {**row, **extra})

    def delete(self, key: str) -> None:
        self.remove_where(self.table.c.id == key)
