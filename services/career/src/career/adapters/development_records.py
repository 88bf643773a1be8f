"""Repositories of a person's development (SPEC C-03, C-04): career files,
courses, enrolments and completions."""

from __future__ import annotations

from typing import Any

from career.adapters import orm
from career.adapters.repository import Row, TableRows


class CareerFileRows(TableRows):
    """C-03: each person's career file."""

    table = orm.career_files

    def of(self, username: str) -> Row | None:
        return self._get(username=username)

    def put(self, username: str, values: dict[str, Any]) -> None:
        self._put({"username": username}, values)


class Courses(TableRows):
    """C-04: the courses HR offers."""

    table = orm.courses

    def by_id(self) -> dict[str, Row]:
        return {c["id"]: c for c in self._all()}


class Enrolments(TableRows):
    table = orm.enrolments

    def enrolled(self, course_id: str, username: str) -> bool:
        return self._get(course_id=course_id, username=username) is not None


class Completions(TableRows):
    """C-04: completed courses with their hours, one per course, person and year."""

    table = orm.completions

    def completed(self, course_id: str, username: str, year: int) -> bool:
        return self._get(course_id=course_id, username=username, year=year) is not None

    def in_year(self, username: str, year: int) -> list[Row]:
        """The person's completions in ``year``, earliest first."""
        return self._all(order_by=("completed_on",), username=username, year=year)
