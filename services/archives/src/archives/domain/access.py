"""Who may read an archive record (SPEC X-03), as one rule.

``shared/src/secretariat_shared/access.py`` did not exist when this service
was written, so the rule lives here in one place: :func:`read_scope` turns a
viewer and the Directory's answers into a :class:`ReadScope`, and
:func:`may_read` decides one record. The search adapter translates the same
scope into SQL so pages and totals count only readable records; a unit test
keeps the two in agreement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PUBLIC = "public"
INTERNAL = "internal"
CONFIDENTIAL = "confidential"
SECRET = "secret"  # noqa: S105 (a security class, not a password)
CLASSES = (PUBLIC, INTERNAL, CONFIDENTIAL, SECRET)

TOP_LEADERSHIP_ROLES = frozenset({"leader"})
CONFIDENTIAL_CLERK_ROLES = frozenset({"confidential_clerk"})


@dataclass(frozen=True)
class ReadScope:
    """What one viewer may read beyond public records and those naming them.

    ``internal_everywhere`` / ``confidential_everywhere`` hold for the top
    leadership (and confidential clerks for confidential); otherwise the
    department sets list where the viewer may read that class.
    """

    username: str
    internal_everywhere: bool
    confidential_everywhere: bool
    internal_departments: frozenset[str]
    confidential_departments: frozenset[str]


def read_scope(
    username: str,
    department_code: str,
    roles: Iterable[str],
    headed_departments: Iterable[str],
    supervised_departments: Iterable[str],
) -> ReadScope:
    """X-03: internal — the owning department's members, the leaders who
    supervise it, the top leadership; confidential — the department's head,
    its supervising leaders, the top leadership and the confidential clerks;
    secret — named readers only."""
    role_set = frozenset(roles)
    headed = frozenset(headed_departments)
    supervised = frozenset(supervised_departments)
    top = bool(role_set & TOP_LEADERSHIP_ROLES)
    own = frozenset({department_code}) if department_code else frozenset()
    return ReadScope(
        username=username,
        internal_everywhere=top,
        confidential_everywhere=top or bool(role_set & CONFIDENTIAL_CLERK_ROLES),
        internal_departments=own | headed | supervised,
        confidential_departments=headed | supervised,
    )


def may_read(
    scope: ReadScope, security_class: str, department_code: str, readers: Iterable[str]
) -> bool:
    """SPEC X-03 for one record; named readers may read any class."""
    if scope.username and scope.username in set(readers):
        return True
    if security_class == PUBLIC:
        return True
    if security_class == INTERNAL:
        return scope.internal_everywhere or department_code in scope.internal_departments
    if security_class == CONFIDENTIAL:
        return scope.confidential_everywhere or department_code in scope.confidential_departments
    return False
