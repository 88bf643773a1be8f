"""Repositories of destructions and their permanent records (SPEC A-06)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from archives.adapters import orm
from secretariat_shared.table_repository import RowRepository, TableRow


class Destructions(RowRepository):
    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.destructions)


class DestructionRecords(RowRepository):
    """One permanent row per destroyed record; database triggers refuse UPDATE and DELETE."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.destruction_records)

    def of_destruction(self, destruction_id: str) -> dict[str, TableRow]:
        """By record id."""
        return {r.record_id: r for r in self.find(self.table.c.destruction_id == destruction_id)}
