"""Repositories of archive records and their electronic copies (SPEC A-01, A-02, A-06)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select

from archives.adapters import orm
from archives.domain.records import ACTIVE, DESTROYED
from secretariat_shared.paging import Page
from secretariat_shared.table_repository import RowRepository, TableRow


class ArchiveRecords(RowRepository):
    """Archive records (A-01) with their named readers."""

    table = orm.records

    def number_taken(self, number: str) -> bool:
        t = self.table
        return self.session.execute(select(t.c.id).where(t.c.number == number)).first() is not None

    def numbers_taken(self, numbers: Iterable[str]) -> set[str]:
        """Which of ``numbers`` are already archived."""
        t = self.table
        return set(
            self.session.execute(select(t.c.number).where(t.c.number.in_(list(numbers)))).scalars()
        )

    def came_from(self, origin: str, source_ref: str) -> bool:
        """Whether a record was already made from this source (redelivered events)."""
        t = self.table
        found = self.session.execute(
            select(t.c.id).where(t.c.origin == origin, t.c.source_ref == source_ref)
        ).first()
        return found is not None

    def add(self, values: Mapping[str, Any], readers: Sequence[str]) -> None:
        """A new record and its named readers (X-03)."""
        self.add_row(values)
        if readers:
            self.session.execute(
                insert(orm.record_readers),
                [{"record_id": values["id"], "username": r} for r in readers],
            )

    def by_ids(self, ids: Iterable[str]) -> dict[str, TableRow]:
        return {r.id: r for r in self.find(self.table.c.id.in_(list(ids)))}

    def numbers_of(self, ids: Iterable[str]) -> list[str]:
        t = self.table
        return list(
            self.session.execute(select(t.c.number).where(t.c.id.in_(list(ids)))).scalars().all()
        )

    def expiring_page(self, day: str, page: Page) -> tuple[list[TableRow], int]:
        """A-06: active records whose retention ended on or before ``day``."""
        t = self.table
        return self.page(
            t.c.retention_until.is_not(None),
            t.c.retention_until <= day,
            t.c.state == ACTIVE,
            order_by=[t.c.retention_until, t.c.number],
            page=page,
        )

    def on_shelves(self) -> list[TableRow]:
        """Active records with a paper copy on a shelf (A-05): id, number, title."""
        t = self.table
        return list(
            self.session.execute(
                select(t.c.id, t.c.number, t.c.title).where(
                    t.c.storeroom != "", t.c.state == ACTIVE
                )
            ).all()
        )

    def mark_destroyed(self, record_id: str) -> None:
        self.change(record_id, {"state": DESTROYED})


class Copies(RowRepository):
    """Encrypted electronic copies, one per record (A-01)."""

    table = orm.blobs

    def of_record(self, record_id: str) -> TableRow | None:
        """The sealed copy, ciphertext included."""
        return self.first(self.table.c.record_id == record_id)

    def summaries_of(self, record_ids: Iterable[str]) -> list[TableRow]:
        """File name, type, size and hash of the records' copies (no ciphertext)."""
        b = self.table
        return list(
            self.session.execute(
                select(b.c.record_id, b.c.file_name, b.c.content_type, b.c.size, b.c.sha256).where(
                    b.c.record_id.in_(list(record_ids))
                )
            )
        )

    def summary_of(self, record_id: str) -> TableRow | None:
        b = self.table
        return self.session.execute(
            select(b.c.sha256, b.c.size, b.c.file_name, b.c.content_type).where(
                b.c.record_id == record_id
            )
        ).first()

    def shred(self, record_id: str) -> None:
        """The ciphertext and its wrapped data key go together (crypto-shredding, A-06)."""
        self.remove_where(self.table.c.record_id == record_id)


class DestroyedCopies(RowRepository):
    """What a destroyed copy was: name, type, size and hash (A-06)."""

    table = orm.destroyed_copies

    def of_records(self, record_ids: Iterable[str]) -> list[TableRow]:
        return self.find(self.table.c.record_id.in_(list(record_ids)))
