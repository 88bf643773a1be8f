"""SPEC X-03, the one rule of who may read an item of each security class.

Every service asks :func:`may_read` before it shows an item, and builds its
list and search filters from :func:`reach` (what a viewer reads by class
alone) plus the item's named readers and current step owners, so a list
never shows what a read would refuse. What the viewer may not read is
:func:`not_found`, worded exactly like a missing item.

The policy (X-03):

- ``public``: everyone in the organisation;
- ``internal``: the owning department's members, the leaders who supervise
  it, the top leadership (领导层);
- ``confidential``: the owning department's head, the leaders who supervise
  it, the top leadership and the confidential clerks (机要员);
- ``secret``: named readers only.

Named readers read every class. Owning the current step of an item (an
approval, 拟办, archiving) lets a person read it while the step is theirs;
afterwards only if they are named readers. Some items also name roles that
read them whatever their class (HR for personal requests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from secretariat_shared.errors import NotFound
from secretariat_shared.roles import TOP_LEADERSHIP, Role


class SecurityClass(StrEnum):
    """密级, from least to most restricted."""

    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    SECRET = "secret"  # noqa: S105 - a security class, not a password


@dataclass(frozen=True)
class Viewer:
    """Who is looking, as far as X-03 cares. Build it with :func:`viewer_of`."""

    username: str
    department_code: str = ""
    headed_departments: frozenset[str] = frozenset()
    supervised_departments: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    is_service: bool = False

    @property
    def is_top_leader(self) -> bool:
        return bool(TOP_LEADERSHIP.intersection(self.roles))

    @property
    def is_confidential_clerk(self) -> bool:
        return Role.CONFIDENTIAL_CLERK in self.roles


class _IdentityLike(Protocol):
    @property
    def username(self) -> str: ...
    @property
    def department_code(self) -> str: ...
    @property
    def headed_departments(self) -> frozenset[str]: ...
    @property
    def supervised_departments(self) -> frozenset[str]: ...
    @property
    def roles(self) -> frozenset[str]: ...
    @property
    def is_service(self) -> bool: ...


def viewer_of(identity: _IdentityLike) -> Viewer:
    """The viewer behind a verified identity (headships and supervision come
    from the directory through the gateway-signed token)."""
    return Viewer(
        username=identity.username,
        department_code=identity.department_code,
        headed_departments=frozenset(identity.headed_departments),
        supervised_departments=frozenset(identity.supervised_departments),
        roles=frozenset(identity.roles),
        is_service=identity.is_service,
    )


@dataclass(frozen=True)
class Item:
    """What X-03 needs to know of an item."""

    security_class: SecurityClass
    department_code: str
    named_readers: frozenset[str] = frozenset()
    step_owners: frozenset[str] = frozenset()
    """Owners of the item's open step: they read it while the step is theirs."""
    reader_roles: frozenset[str] = frozenset()
    """Roles that read this item whatever its class (e.g. HR for personal requests)."""


@dataclass(frozen=True)
class Reach:
    """What a viewer reads by class alone: the classes they read in every
    department, and the departments whose items of a class they read.
    A list filter is "class in ``anywhere``, or department in
    ``departments[class]``, or the viewer is named or owns the open step"."""

    everything: bool = False
    anywhere: frozenset[SecurityClass] = frozenset()
    departments: dict[SecurityClass, frozenset[str]] = field(default_factory=dict)

    def allows(self, security_class: SecurityClass, department_code: str) -> bool:
        if self.everything or security_class in self.anywhere:
            return True
        return department_code in self.departments.get(security_class, frozenset())


def reach(viewer: Viewer) -> Reach:
    """X-03 by class: what ``viewer`` reads without being named on the item.

    Services calling on their own behalf read everything: each enforces
    X-03 again on what it exposes to a person.
    """
    if viewer.is_service:
        return Reach(everything=True)
    anywhere = {SecurityClass.PUBLIC}
    departments: dict[SecurityClass, frozenset[str]] = {}
    if viewer.is_top_leader:
        anywhere.update({SecurityClass.INTERNAL, SecurityClass.CONFIDENTIAL})
    else:
        own = {viewer.department_code} if viewer.department_code else set()
        departments[SecurityClass.INTERNAL] = frozenset(own | viewer.supervised_departments)
        if viewer.is_confidential_clerk:
            anywhere.add(SecurityClass.CONFIDENTIAL)
        else:
            departments[SecurityClass.CONFIDENTIAL] = frozenset(
                viewer.headed_departments | viewer.supervised_departments
            )
    return Reach(anywhere=frozenset(anywhere), departments=departments)


def may_read(viewer: Viewer, item: Item) -> bool:
    """SPEC X-03: may ``viewer`` read ``item``?"""
    if viewer.is_service:
        return True
    if viewer.username in item.named_readers or viewer.username in item.step_owners:
        return True
    if item.reader_roles.intersection(viewer.roles):
        return True
    return reach(viewer).allows(item.security_class, item.department_code)


def not_found(kind: str, item_id: str) -> NotFound:
    """The one answer for an item the viewer may not read: the same as for a
    missing one, so a denial reveals nothing of its existence (X-03)."""
    return NotFound(f"{kind} {item_id} not found")
