"""Repositories of the ladders and what HR and performance record about a
person's standing on them (SPEC C-01, C-02): rung criteria, posts, annual
results, promotion-priority flags and transfer assessments."""

from __future__ import annotations

from typing import Any

from career.adapters import orm
from career.adapters.repository import Row, TableRows


class Rungs(TableRows):
    """C-01: the organisation's edits of the default rungs' criteria."""

    table = orm.rungs

    def edited(self) -> list[Row]:
        return self._all()

    def put(self, ladder: str, rung: str, values: dict[str, Any]) -> None:
        self._put({"ladder": ladder, "rung": rung}, values)


class Posts(TableRows):
    """Each person's post, ladder, rung and when they started in it."""

    table = orm.posts

    def of(self, username: str) -> Row | None:
        return self._get(username=username)

    def put(self, username: str, values: dict[str, Any]) -> None:
        self._put({"username": username}, values)


class AnnualResults(TableRows):
    """Annual grades learnt from performance (P-07)."""

    table = orm.annual_results

    def of(self, username: str, year: int) -> Row | None:
        return self._get(username=username, year=year)

    def of_person(self, username: str) -> list[Row]:
        return self._all(username=username)

    def latest_first(self, username: str) -> list[Row]:
        return self._all(order_by=("year",), desc=True, username=username)

    def put(self, username: str, year: int, values: dict[str, Any]) -> None:
        self._put({"username": username, "year": year}, values)


class PriorityFlags(TableRows):
    """People flagged for promotion priority, and who raised each flag."""

    table = orm.priority_flags

    def of(self, username: str) -> Row | None:
        return self._get(username=username)

    def put(self, username: str, values: dict[str, Any]) -> None:
        self._put({"username": username}, values)

    def withdraw(self, username: str) -> None:
        self._remove(username=username)


class TransferAssessments(TableRows):
    """C-02: each person's latest transfer assessment."""

    table = orm.transfer_assessments

    def of(self, username: str) -> Row | None:
        return self._get(username=username)

    def put(self, username: str, values: dict[str, Any]) -> None:
        self._put({"username": username}, values)
