"""Repositories of destructions and their permanent records (SPEC A-06)."""

from __future__ import annotations

from archives.adapters import orm
from secretariat_shared.table_repository import RowRepository, TableRow


class Destructions(RowRepository):
    table = orm.destructions


class DestructionRecords(RowRepository):
    """One permanent row per destroyed record; database triggers refuse UPDATE and DELETE."""

    table = orm.destruction_records

    def of_destruction(self, destruction_id: str) -> dict[str, TableRow]:
        """By record id."""
        return {r.record_id: r for r in self.find(self.table.c.destruction_id == destruction_id)}
