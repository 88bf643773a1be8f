"""Who may read a person's career data (SPEC X-03, confidential class).

The person, their superior chain (superiors upwards, the head of their
department and the leader supervising it) and HR. There is no shared
access rule on main yet, so this is the one place that decides; it can
later delegate to it. A denied read is reported as not found.
"""

from __future__ import annotations

from collections.abc import Iterable

HR_ROLES = frozenset({"hr", "admin"})


def may_read_person(
    viewer: str, viewer_roles: Iterable[str], subject: str, superiors: Iterable[str]
) -> bool:
    roles = set(viewer_roles)
    return viewer == subject or bool(roles & HR_ROLES) or viewer in set(superiors)


def is_hr(viewer_roles: Iterable[str]) -> bool:
    return bool(set(viewer_roles) & HR_ROLES)
