"""The base of the career repositories: rows of one table as plain dicts keyed
by column name, so the same code runs on SQLite and PostgreSQL.

One persistence style (issue 11 item 4): each table has a repository, a
:class:`TableRows` subclass whose public methods are the questions and changes
the use cases ask for by name; the conditions built here stay in the adapters.
Many career tables are keyed by a person (or person and year) rather than an
``id``, so the helpers take the key columns by name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_

from secretariat_shared.table_repository import TableRepository, TableRow

Row = dict[str, Any]


class TableRows(TableRepository[Row]):
    """Reads and writes rows of :attr:`table` in one session, as dicts."""

    def from_row(self, row: TableRow) -> Row:
        return dict(row._mapping)

    def _where(self, keys: dict[str, Any]) -> ColumnElement[bool]:
        return and_(True, *(self.table.c[k] == v for k, v in keys.items()))

    def _get(self, **keys: Any) -> Row | None:
        return self.first(self._where(keys))

    def _all(self, order_by: tuple[str, ...] = (), desc: bool = False, **keys: Any) -> list[Row]:
        columns = [self.table.c[c].desc() if desc else self.table.c[c] for c in order_by]
        return self.find(self._where(keys), order_by=columns)

    def _any(self, *conditions: ColumnElement[bool]) -> bool:
        return self.count(*conditions) > 0

    def _page(
        self, offset: int, limit: int, order_by: str, desc: bool = False, **keys: Any
    ) -> tuple[list[Row], int]:
        column = self.table.c[order_by].desc() if desc else self.table.c[order_by]
        where = self._where(keys)
        return self.find(where, order_by=[column], offset=offset, limit=limit), self.count(where)

    def _change(self, keys: dict[str, Any], values: dict[str, Any]) -> None:
        self.change_where(values, self._where(keys))

    def _put(self, keys: dict[str, Any], values: dict[str, Any]) -> bool:
        """Insert or update by primary key; True when it was new."""
        if self._get(**keys) is None:
            self.add_row({**keys, **values})
            return True
        self._change(keys, values)
        return False

    def _remove(self, **keys: Any) -> None:
        self.remove_where(self._where(keys))
