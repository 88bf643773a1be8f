"""Errors use cases raise; the gRPC layer maps them to status codes (rule 11)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """Base of errors a caller can act on; the message is safe to show."""


class ValidationFailed(DomainError):
    """Input is invalid: maps to INVALID_ARGUMENT with per-field reasons."""

    def __init__(self, errors: list[FieldError] | FieldError, message: str = "") -> None:
        self.errors = [errors] if isinstance(errors, FieldError) else list(errors)
        self.message = message
        super().__init__(message or summary_of(self.errors))


def summary_of(found: list[FieldError]) -> str:
    """One line naming every field error, for callers that read only the status message."""
    return "invalid input: " + "; ".join(f"{e.field}: {e.message}" for e in found)


class NotFound(DomainError):
    """The item does not exist or the caller may not know it exists (X-03)."""


class PermissionDenied(DomainError):
    """The caller is known but not allowed to do this."""


class Conflict(DomainError):
    """The request clashes with the current state (e.g. already decided)."""


class PreconditionFailed(DomainError):
    """The item is not in a state that allows this operation."""
