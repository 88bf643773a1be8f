"""Who may read an archive record (SPEC X-03): the shared rule, applied to records.

The rule itself is :mod:`secretariat_shared.access` (one rule everywhere);
this module says what X-03 sees of a record: its class, its owning
department and its named readers. The search adapter turns the same
:func:`~secretariat_shared.access.reach` into SQL
(:mod:`secretariat_shared.access_sql`), so pages and totals count only
readable records; a test keeps the two in agreement.
"""

from __future__ import annotations

from collections.abc import Iterable

from secretariat_shared.access import Item, SecurityClass, Viewer
from secretariat_shared.access import may_read as shared_may_read

PUBLIC = SecurityClass.PUBLIC.value
INTERNAL = SecurityClass.INTERNAL.value
CONFIDENTIAL = SecurityClass.CONFIDENTIAL.value
SECRET = SecurityClass.SECRET.value
CLASSES = tuple(c.value for c in SecurityClass)


def record_item(security_class: str, department_code: str, readers: Iterable[str]) -> Item:
    """A record as X-03 sees it (an unknown class reads as secret: named readers only)."""
    try:
        cls = SecurityClass(security_class)
    except ValueError:
        cls = SecurityClass.SECRET
    return Item(cls, department_code, named_readers=frozenset(readers))


def may_read(
    viewer: Viewer, security_class: str, department_code: str, readers: Iterable[str]
) -> bool:
    """SPEC X-03 for one record."""
    return shared_may_read(viewer, record_item(security_class, department_code, readers))
