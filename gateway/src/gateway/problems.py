"""HTTP problem details (RFC 9457), the only error format the gateway sends
(ENGINEERING rule 11). Plain Python: the Flask layer only serialises them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from secretariat_shared.errors import FieldError
from secretariat_shared.i18n import ENGLISH, translate

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:secretariat:problem:"

VALIDATION = TYPE_PREFIX + "validation-failed"
THROTTLED = TYPE_PREFIX + "login-throttled"
IDEMPOTENCY_MISMATCH = TYPE_PREFIX + "idempotency-key-reused"
IDEMPOTENCY_IN_FLIGHT = TYPE_PREFIX + "idempotency-key-in-flight"
SERVICE_UNAVAILABLE = TYPE_PREFIX + "service-unavailable"
NOT_READY = TYPE_PREFIX + "not-ready"

GENERIC_DETAIL = "The server could not complete the request. Please try again later."


@dataclass(frozen=True)
class Problem:
    status: int
    detail: str = ""
    type: str = "about:blank"
    title: str = ""
    errors: tuple[FieldError, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The JSON object; ``errors`` appears on validation problems and wherever there are
        field errors."""
        payload: dict[str, Any] = {
            "type": self.type,
            "title": self.title or _phrase(self.status),
            "status": self.status,
            "detail": self.detail or _phrase(self.status),
        }
        if self.errors or self.type == VALIDATION:
            payload["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        for key, value in self.extra.items():
            payload.setdefault(key, value)
        return payload


class ProblemError(Exception):
    """Raised anywhere under a request to answer with ``problem``."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail or problem.title)
        self.problem = problem


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def validation_problem(
    errors: Iterable[FieldError], detail: str = "", title: str = "Validation failed"
) -> Problem:
    listed = tuple(errors)
    return Problem(
        status=422,
        type=VALIDATION,
        title=title,
        detail=detail or "; ".join(f"{e.field}: {e.message}" for e in listed),
        errors=listed,
    )


def service_unavailable(service: str, language: str, headers: Mapping[str, str] = {}) -> Problem:
    return Problem(
        status=503,
        type=SERVICE_UNAVAILABLE,
        detail=translate(
            "The {service} service is unavailable. Please try again later.",
            language,
            service=service,
        ),
        headers=headers,
    )


# gRPC status code name -> HTTP status; any other code is a 500 that shows no message.
GRPC_STATUS_TO_HTTP: dict[str, int] = {
    "INVALID_ARGUMENT": 422,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "FAILED_PRECONDITION": 409,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}


def problem_for_grpc_status(
    code_name: str,
    message: str,
    service: str,
    field_errors: Iterable[FieldError] = (),
    language: str = ENGLISH,
) -> Problem:
    """Map a service's gRPC status to the problem the HTTP caller sees."""
    status = GRPC_STATUS_TO_HTTP.get(code_name, 500)
    listed = tuple(FieldError(e.field, translate(e.message, language)) for e in field_errors)
    if status == 422:
        return validation_problem(
            listed,
            detail=translate(message, language) if not listed else "",
            title=translate("Validation failed", language),
        )
    if status == 503:
        return service_unavailable(service, language)
    if status == 504:
        return Problem(
            status=504,
            detail=translate(
                "The {service} service did not answer in time.", language, service=service
            ),
        )
    if status == 500:
        return Problem(status=500, detail=translate(GENERIC_DETAIL, language))
    return Problem(status=status, detail=translate(message, language), errors=listed)
