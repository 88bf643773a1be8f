"""Repositories of the appraisal tables written by the use cases (SPEC P-05..P-09).

The named reads of these tables (``get_cycle``, ``result_of``, …) and the fact
queries the quarter computation runs stay functions in
:mod:`performance.adapters.repository`.
"""

from __future__ import annotations

from performance.adapters import orm
from secretariat_shared.table_repository import RowRepository


class Cycles(RowRepository):
    table = orm.cycles


class Ratings(RowRepository):
    """360 ratings of a cycle (P-05)."""

    table = orm.ratings


class Results(RowRepository):
    table = orm.results


class TitleAwards(RowRepository):
    """Titles awarded at a publication (P-09)."""

    table = orm.title_awards


class Plans(RowRepository):
    """Improvement plans (P-07)."""

    table = orm.plans


class Interviews(RowRepository):
    table = orm.interviews


class Appeals(RowRepository):
    """Appeals against a result (P-08)."""

    table = orm.appeals
