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
        summary = "; ".join(f"{e.field}: {e.message}" for e in self.errors)
        super().__init__(message or f"invalid input: {summary}")


class NotFound(DomainError):
    """The item does not exist or the caller may not know it exists (X-03)."""


class PermissionDenied(DomainError):
    """The caller is known but not allowed to do this."""


class Conflict(DomainError):
    """The request clashes with the current state (e.g. already decided)."""


class PreconditionFailed(DomainError):
    """The item is not in a state that allows this operation."""
