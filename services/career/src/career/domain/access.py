"""Who may read a person's career data (SPEC X-03, confidential class).

The person, their superior chain (superiors upwards, the head of their
department and the leader supervising it) and HR: the X-03 rule for
personal matters (like a job transfer request, confidential to the
requester, their approvers and HR), not the departmental class rule of
``secretariat_shared.access``. A denied read is reported as not found.
"""

from __future__ import annotations

from collections.abc import Iterable

from secretariat_shared.roles import Role

HR_ROLES = frozenset({Role.HR, Role.ADMIN})


def may_read_person(
    viewer: str, viewer_roles: Iterable[str], subject: str, superiors: Iterable[str]
) -> bool:
    roles = set(viewer_roles)
    return viewer == subject or bool(roles & HR_ROLES) or viewer in set(superiors)


def is_hr(viewer_roles: Iterable[str]) -> bool:
    return bool(set(viewer_roles) & HR_ROLES)
