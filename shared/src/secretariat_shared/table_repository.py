"""The base of a service's repositories (issue 11 item 4: one persistence style).

A repository is bound to one SQLAlchemy Core table. Its subclass's named
methods are the questions a service's use cases ask ("the open alert of this
storeroom", "the loans that hold this record"); they are built from the
generic reads and writes here. The SQL conditions live in the adapters,
never in a service layer.

:class:`RowRepository` answers rows as SQLAlchemy gives them (attribute
access by column name); a :class:`TableRepository` subclass that maps rows
to domain objects overrides :meth:`TableRepository.from_row`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeAlias, TypeVar, cast

from sqlalchemy import ColumnElement, Row, Table, delete, func, insert, select, update
from sqlalchemy.orm import Session as Session  # what a use case holds to build repositories

from secretariat_shared.paging import Page

T = TypeVar("T")

TableRow: TypeAlias = Row[*tuple[Any, ...]]
"""A row of any columns, read by attribute (``row.state``)."""


class TableRepository(Generic[T]):
    """One table of one session, keyed by its ``id`` column.

    A subclass names its table as the class attribute ``table`` or passes it.
    """

    table: Table

    def __init__(self, session: Session, table: Table | None = None) -> None:
        self.session = session
        if table is not None:
            self.table = table

    def from_row(self, row: TableRow) -> T:
        """What the repository answers for one row (the row itself by default)."""
        return cast(T, row)

    # -- reads -------------------------------------------------------------------

    def get(self, key: str, for_update: bool = False) -> T | None:
        return self.first(self.table.c.id == key, for_update=for_update)

    def one(self, key: str) -> T:
        """The row with this key; it must exist (read back after a write)."""
        return self.from_row(
            self.session.execute(select(self.table).where(self.table.c.id == key)).one()
        )

    def first(
        self,
        *conditions: ColumnElement[bool],
        order_by: Sequence[Any] = (),
        for_update: bool = False,
    ) -> T | None:
        found = self.find(*conditions, order_by=order_by, for_update=for_update, limit=1)
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
        return [self.from_row(row) for row in self.session.execute(stmt)]

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

    # -- writes ------------------------------------------------------------------

    def add_row(self, values: Mapping[str, Any]) -> None:
        self.session.execute(insert(self.table).values(**values))

    def add_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """One executemany INSERT; nothing for no rows."""
        if rows:
            self.session.execute(insert(self.table), list(rows))

    def change(self, key: str, values: Mapping[str, Any]) -> None:
        """Set ``values`` on the row with this key."""
        self.change_where(values, self.table.c.id == key)

    def change_where(self, values: Mapping[str, Any], *conditions: ColumnElement[bool]) -> int:
        """Set ``values`` on every matching row; how many matched."""
        result = self.session.execute(update(self.table).where(*conditions).values(**values))
        return int(getattr(result, "rowcount", 0) or 0)

    def remove_where(self, *conditions: ColumnElement[bool]) -> None:
        self.session.execute(delete(self.table).where(*conditions))


class RowRepository(TableRepository[TableRow]):
    """A repository that answers the table's rows themselves."""
