"""Who may read a result, an appeal or a plan (SPEC X-03 for personal appraisals).

The person, their superior chain, HR and the performance committee; for
anyone else the item does not exist (NOT_FOUND). Kept in one function so it
can call the shared X-03 rule once ``secretariat_shared.access`` exists.
"""

from __future__ import annotations

from collections.abc import Iterable

READERS_BY_ROLE = ("hr", "committee", "admin")


def may_read_appraisal(
    viewer: str, viewer_roles: Iterable[str], subject: str, superior_chain: Iterable[str]
) -> bool:
    if viewer == subject:
        return True
    if set(viewer_roles) & set(READERS_BY_ROLE):
        return True
    return viewer in set(superior_chain)
