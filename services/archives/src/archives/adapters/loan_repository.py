"""The repository of archive loans (SPEC A-03)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from archives.adapters import orm
from archives.domain import loans as rules
from secretariat_shared.paging import Page
from secretariat_shared.table_repository import RowRepository, TableRow


class Loans(RowRepository):
    table = orm.loans

    def holding_state(self, record_id: str) -> str | None:
        """The state of the loan that holds the record (pending, approved or out), if any."""
        t = self.table
        held = self.session.execute(
            select(t.c.state).where(t.c.record_id == record_id, t.c.state.in_(rules.HOLDING))
        ).first()
        return None if held is None else str(held.state)

    def out_among(self, record_ids: Iterable[str]) -> set[str]:
        """Which of the records are out on loan."""
        return self._records_in_states(record_ids, (rules.OUT,))

    def held_among(self, record_ids: Iterable[str]) -> set[str]:
        """Which of the records are approved for loan or out (A-06 refuses those)."""
        return self._records_in_states(record_ids, (rules.APPROVED, rules.OUT))

    def _records_in_states(self, record_ids: Iterable[str], states: tuple[str, ...]) -> set[str]:
        t = self.table
        condition = t.c.state == states[0] if len(states) == 1 else t.c.state.in_(states)
        return set(
            self.session.execute(
                select(t.c.record_id).where(t.c.record_id.in_(list(record_ids)), condition)
            ).scalars()
        )

    def page_of_borrower(self, borrower: str, page: Page) -> tuple[list[TableRow], int]:
        """Newest application first."""
        return self._page(self.table.c.borrower == borrower, page)

    def page_of_record(self, record_id: str, page: Page) -> tuple[list[TableRow], int]:
        return self._page(self.table.c.record_id == record_id, page)

    def _page(self, condition: Any, page: Page) -> tuple[list[TableRow], int]:
        t = self.table
        return self.page(condition, order_by=[t.c.applied_at.desc(), t.c.id], page=page)
