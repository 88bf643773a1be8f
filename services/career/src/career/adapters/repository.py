"""The base of the career repositories: rows of one table as plain dicts keyed
by column name, so the same code runs on SQLite and PostgreSQL.

One persistence style (issue 11 item 4): each table has a repository, a
:class:`TableRows` subclass whose public methods are the questions and changes
the use cases ask for by name; the conditions built here stay in the adapters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

Row = dict[str, Any]


class TableRows:
    """Reads and writes rows of :attr:`table` in one session."""

    table: Table

    def __init__(self, session: Session) -> None:
        self.session = session

    def _where(self, keys: dict[str, Any]) -> ColumnElement[bool]:
        return and_(True, *(self.table.c[k] == v for k, v in keys.items()))

    def _first(self, *conditions: ColumnElement[bool]) -> Row | None:
        row = self.session.execute(select(self.table).where(*conditions)).first()
        return dict(row._mapping) if row is not None else None

    def _get(self, **keys: Any) -> Row | None:
        return self._first(self._where(keys))

    def _find(self, *conditions: ColumnElement[bool], order_by: tuple[Any, ...] = ()) -> list[Row]:
        statement = select(self.table).where(*conditions).order_by(*order_by)
        return [dict(r._mapping) for r in self.session.execute(statement)]

    def _all(self, order_by: tuple[str, ...] = (), desc: bool = False, **keys: Any) -> list[Row]:
        columns = [self.table.c[c].desc() if desc else self.table.c[c] for c in order_by]
        return self._find(self._where(keys), order_by=tuple(columns))

    def _any(self, *conditions: ColumnElement[bool]) -> bool:
        return bool(self.session.execute(select(exists().where(*conditions))).scalar())

    def _count(self, **keys: Any) -> int:
        statement = select(func.count()).select_from(self.table).where(self._where(keys))
        return int(self.session.execute(statement).scalar_one())

    def _page(
        self, offset: int, limit: int, order_by: str, desc: bool = False, **keys: Any
    ) -> tuple[list[Row], int]:
        column = self.table.c[order_by].desc() if desc else self.table.c[order_by]
        statement = (
            select(self.table).where(self._where(keys)).order_by(column).offset(offset).limit(limit)
        )
        return [dict(r._mapping) for r in self.session.execute(statement)], self._count(**keys)

    def add(self, row: Row) -> None:
        self.session.execute(insert(self.table).values(**row))

    def _change(self, keys: dict[str, Any], values: dict[str, Any]) -> None:
        self.session.execute(update(self.table).where(self._where(keys)).values(**values))

    def _put(self, keys: dict[str, Any], values: dict[str, Any]) -> bool:
        """Insert or update by primary key; True when it was new."""
        if self._get(**keys) is None:
            self.add({**keys, **values})
            return True
        self._change(keys, values)
        return False

    def _remove(self, **keys: Any) -> None:
        self.session.execute(delete(self.table).where(self._where(keys)))
