"""Row access for the career tables: the service layer speaks in plain dicts
keyed by column name, so the same code runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, and_, delete, func, insert, select, update
from sqlalchemy.orm import Session


class Rows:
    """Reads and writes rows of one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _where(table: Table, keys: dict[str, Any]) -> Any:
        return and_(*(table.c[k] == v for k, v in keys.items())) if keys else True

    def get(self, table: Table, **keys: Any) -> dict[str, Any] | None:
        row = self.session.execute(select(table).where(self._where(table, keys))).first()
        return dict(row._mapping) if row is not None else None

    def all(
        self, table: Table, order_by: tuple[str, ...] = (), desc: bool = False, **keys: Any
    ) -> list[dict[str, Any]]:
        statement = select(table).where(self._where(table, keys))
        for column in order_by:
            statement = statement.order_by(table.c[column].desc() if desc else table.c[column])
        return [dict(r._mapping) for r in self.session.execute(statement)]

    def page(
        self,
        table: Table,
        offset: int,
        limit: int,
        order_by: str,
        desc: bool = False,
        **keys: Any,
    ) -> tuple[list[dict[str, Any]], int]:
        where = self._where(table, keys)
        total = self.session.execute(
            select(func.count()).select_from(table).where(where)
        ).scalar_one()
        column = table.c[order_by].desc() if desc else table.c[order_by]
        rows = self.session.execute(
            select(table).where(where).order_by(column).offset(offset).limit(limit)
        )
        return [dict(r._mapping) for r in rows], int(total)

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self.session.execute(insert(table).values(**row))

    def change(self, table: Table, keys: dict[str, Any], values: dict[str, Any]) -> None:
        self.session.execute(update(table).where(self._where(table, keys)).values(**values))

    def put(self, table: Table, keys: dict[str, Any], values: dict[str, Any]) -> bool:
        """Insert or update by primary key; True when it was new."""
        if self.get(table, **keys) is None:
            self.add(table, {**keys, **values})
            return True
        self.change(table, keys, values)
        return False

    def remove(self, table: Table, **keys: Any) -> None:
        self.session.execute(delete(table).where(self._where(table, keys)))
