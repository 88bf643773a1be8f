"""The X-03 class rule (:func:`secretariat_shared.access.reach`) as a SQL
condition, so every service's lists, searches and counts filter exactly as
``may_read`` decides one item."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, true

from secretariat_shared.access import Reach


def reach_condition(reach: Reach, class_column: Any, department_column: Any) -> ColumnElement[bool]:
    """Rows whose class and owning department ``reach`` reads by class alone.

    The caller ORs it with "the viewer is a named reader" and "the viewer
    owns the open step", which are stored differently by each service.
    """
    if reach.everything:
        return true()
    terms: list[ColumnElement[bool]] = []
    if reach.anywhere:
        terms.append(class_column.in_(sorted(c.value for c in reach.anywhere)))
    for security_class, departments in sorted(reach.departments.items()):
        if departments:
            terms.append(
                and_(
                    class_column == security_class.value,
                    department_column.in_(sorted(departments)),
                )
            )
    return or_(*terms) if terms else false()
