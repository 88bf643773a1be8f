"""Repositories of talent reviews (SPEC C-07, C-08): nine-box placements and
succession plans."""

from __future__ import annotations

from typing import Any

from career.adapters import orm
from career.adapters.repository import Row, TableRows


class Placements(TableRows):
    table = orm.placements

    def put(self, year: int, username: str, values: dict[str, Any]) -> None:
        self._put({"year": year, "username": username}, values)

    def in_year(self, year: int) -> list[Row]:
        """The year's placements by username."""
        return self._all(order_by=("username",), year=year)


class Successions(TableRows):
    table = orm.successions

    def of(self, post: str) -> Row | None:
        return self._get(post=post)

    def every(self) -> list[Row]:
        return self._all()

    def by_post(self) -> list[Row]:
        return self._all(order_by=("post",))

    def put(self, post: str, values: dict[str, Any]) -> None:
        self._put({"post": post}, values)

    def plan_growth(self, post: str, growth_plans: list[dict[str, Any]]) -> None:
        self._change({"post": post}, {"growth_plans": growth_plans})
