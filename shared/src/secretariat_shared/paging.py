"""The one paging policy of every list (the contract's list shape).

Every list RPC takes ``page`` (≥ 1, default 1) and ``page_size`` (1–100,
default 20) and answers ``{items, total, page, page_size}``. A zero means
"not given" (proto3 scalars carry no presence), so defaults apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from secretariat_shared.errors import FieldError, ValidationFailed

DEFAULT_PAGE = 1
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class Page:
    """A validated page request."""

    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def limit(self) -> int:
        return self.page_size


def page_of(page: int = 0, page_size: int = 0) -> Page:
    """Defaults for zeros; a value out of range is a field error naming it."""
    chosen_page = page or DEFAULT_PAGE
    chosen_size = page_size or DEFAULT_PAGE_SIZE
    errors: list[FieldError] = []
    if not 1 <= chosen_page <= MAX_PAGE:
        errors.append(FieldError("page", f"must be between 1 and {MAX_PAGE}"))
    if not 1 <= chosen_size <= MAX_PAGE_SIZE:
        errors.append(FieldError("page_size", f"must be between 1 and {MAX_PAGE_SIZE}"))
    if errors:
        raise ValidationFailed(errors)
    return Page(chosen_page, chosen_size)
