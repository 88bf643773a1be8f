"""Repositories of moves between posts (SPEC C-01, C-02): exceptional
promotions, vacancies and the applications to them."""

from __future__ import annotations

from typing import Any

from career.adapters import orm
from career.adapters.repository import Row, TableRows


class ApprovedRecords(TableRows):
    """Records that wait for an approval they start (issue 11 item 6)."""

    def started(self, record_id: str, approval_id: str) -> None:
        """The approval for the record started: keep its id."""
        self.change(record_id, {"approval_id": approval_id})

    def decided(self, record_id: str, state: str, approval_id: str, **values: Any) -> None:
        """The approval ended: the record's new state (and whatever else changed)."""
        self.change(record_id, {"state": state, "approval_id": approval_id, **values})


class Promotions(ApprovedRecords):
    """C-01: exceptional promotions proposed."""

    table = orm.promotions


class Applications(ApprovedRecords):
    """C-02: applications to vacancies and their training check-ins."""

    table = orm.applications

    def count_for(self, vacancy_id: str) -> int:
        return self.count(self.table.c.vacancy_id == vacancy_id)

    def of(self, vacancy_id: str, username: str) -> Row | None:
        return self._get(vacancy_id=vacancy_id, username=username)

    def record_check_ins(
        self, application_id: str, check_ins: list[dict[str, Any]], state: str
    ) -> None:
        self.change(application_id, {"check_ins": check_ins, "state": state})


class Vacancies(TableRows):
    """C-02: vacancies open for transfer applications."""

    table = orm.vacancies

    def newest_first(self, include_closed: bool, offset: int, limit: int) -> tuple[list[Row], int]:
        """One page of the vacancies (only open ones unless asked) and how many in all."""
        keys = {} if include_closed else {"state": "open"}
        return self._page(offset, limit, "created_at", True, **keys)

    def close(self, vacancy_id: str) -> None:
        self.change(vacancy_id, {"state": "closed"})

    def any_in(self, quarter: str) -> bool:
        return self._any(self.table.c.quarter == quarter)
