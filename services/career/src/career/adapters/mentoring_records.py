"""Repositories of mentoring, rotation and new hires (SPEC C-05, C-06).

Days are ISO ``YYYY-MM-DD`` strings, so comparing them as strings compares
the days, in SQL as in Python.
"""

from __future__ import annotations

from typing import Any

from career.adapters import orm
from career.adapters.repository import Row, TableRows


class Mentorships(TableRows):
    table = orm.mentorships

    def of_kind(self, mentee: str, kind: str) -> Row | None:
        """The mentee's first mentorship of ``kind``, if any."""
        found = self.find(self.table.c.mentee == mentee, self.table.c.kind == kind)
        return found[0] if found else None

    def running_on(self, mentee: str, kind: str, day: str) -> bool:
        """Whether the mentee has a mentorship of ``kind`` still running on ``day``."""
        c = self.table.c
        return self._any(c.mentee == mentee, c.kind == kind, c.ends_on >= day)

    def any_ending_on_or_after(self, day: str) -> bool:
        return self._any(self.table.c.ends_on >= day)

    def overlapping(self, first: str, after: str) -> list[Row]:
        """Mentorships running some day from ``first`` up to (not including) ``after``."""
        c = self.table.c
        return self.find(c.starts_on < after, c.ends_on >= first)

    def rate(self, mentorship_id: str, feedback: list[int]) -> None:
        self.change(mentorship_id, {"feedback": feedback})


class MentoringSessions(TableRows):
    table = orm.sessions

    def of(self, mentorship_id: str) -> list[Row]:
        return self._all(mentorship_id=mentorship_id)

    def held_between(self, mentorship_id: str, first: str, after: str) -> list[Row]:
        """Sessions held from ``first`` up to (not including) ``after``."""
        c = self.table.c
        return self.find(c.mentorship_id == mentorship_id, c.held_on >= first, c.held_on < after)


class Rotations(TableRows):
    """C-06: rotations to other departments."""

    table = orm.rotations

    def started_after(self, username: str, day: str) -> list[Row]:
        """The person's rotations that started after ``day``, latest first."""
        c = self.table.c
        return self.find(c.username == username, c.starts_on > day, order_by=[c.starts_on.desc()])

    def complete(self, rotation_id: str, report: str) -> None:
        self.change(rotation_id, {"state": "completed", "report": report})


class NewHires(TableRows):
    """C-05: new hires waiting for a new-hire mentor."""

    table = orm.new_hires

    def of(self, username: str) -> Row | None:
        return self._get(username=username)

    def close(self, username: str, values: dict[str, Any]) -> None:
        self._change({"username": username}, {"state": "closed", **values})

    def reminded(self, username: str) -> None:
        self._change({"username": username}, {"state": "reminded"})
