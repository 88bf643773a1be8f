"""Every error leaves as ``application/problem+json``; no stack trace ever does
(ENGINEERING rule 11)."""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, current_app, has_request_context, request
from werkzeug.exceptions import HTTPException

from gateway.problems import (
    GENERIC_DETAIL,
    PROBLEM_CONTENT_TYPE,
    THROTTLED,
    Problem,
    ProblemError,
    validation_problem,
)
from gateway.service_layer.auth import InvalidCredentials, LoginThrottled, NotAuthenticated
from secretariat_shared.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.i18n import DEFAULT_LANGUAGE, ENGLISH, negotiate, translate

log = logging.getLogger(__name__)


def request_language() -> str:
    """The language of this request's messages (Accept-Language, else the default)."""
    if not has_request_context():
        return ENGLISH
    default = current_app.config.get("DEFAULT_LANGUAGE", DEFAULT_LANGUAGE)
    return negotiate(request.headers.get("Accept-Language"), default)


def problem_response(problem: Problem, language: str | None = None) -> Response:
    """The problem as RFC 9457 JSON, its texts in the reader's language where the
    catalogue has them (issue 10 item 6). Without ``language``, Flask's request
    decides (English outside a request)."""
    body = problem.body()
    if language is None:
        language = request_language()
    if language != ENGLISH:
        body["title"] = translate(str(body["title"]), language)
        body["detail"] = translate(str(body["detail"]), language)
        if "errors" in body:
            body["errors"] = [
                {"field": e["field"], "message": translate(e["message"], language)}
                for e in body["errors"]
            ]
    response = Response(
        json.dumps(body, ensure_ascii=False),
        status=problem.status,
        mimetype=PROBLEM_CONTENT_TYPE,
    )
    for name, value in problem.headers.items():
        response.headers[name] = value
    if problem.status == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = 'Bearer realm="secretariat"'
    return response


def problem_from_exception(exc: ProblemError | DomainError) -> Problem:
    """The problem for an error a caller can act on."""
    if isinstance(exc, ProblemError):
        return exc.problem
    if isinstance(exc, ValidationFailed):
        return validation_problem(exc.errors)
    if isinstance(exc, LoginThrottled):
        return Problem(
            status=429,
            type=THROTTLED,
            title=exc.title,
            detail=str(exc),
            headers={"Retry-After": str(exc.retry_after)},
            extra={"retry_after": exc.retry_after},
        )
    if isinstance(exc, InvalidCredentials | NotAuthenticated):
        return Problem(status=401, detail=str(exc))
    if isinstance(exc, NotFound):
        return Problem(status=404, detail=str(exc))
    if isinstance(exc, PermissionDenied):
        return Problem(status=403, detail=str(exc))
    if isinstance(exc, Conflict | PreconditionFailed):
        return Problem(status=409, detail=str(exc))
    return Problem(status=422, detail=str(exc))


def error_response(exc: Exception, language: str | None = None) -> Response:
    """The answer to an exception raised under a request, on Flask's path (its
    error handlers) and on the fast path (:mod:`gateway.api.fast_path`) alike."""
    if isinstance(exc, ProblemError):
        return problem_response(exc.problem, language)
    if isinstance(exc, DomainError):
        return problem_response(problem_from_exception(exc), language)
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        if status >= 500:
            return problem_response(Problem(status=status, detail=GENERIC_DETAIL), language)
        headers = {
            name: value
            for name, value in exc.get_headers()
            if name.lower() not in {"content-type", "content-length"}
        }
        return problem_response(
            Problem(status=status, detail=exc.description or "", headers=headers), language
        )
    log.exception("unhandled error", exc_info=exc)
    return problem_response(Problem(status=500, detail=GENERIC_DETAIL), language)


def install_error_handlers(app: Flask) -> None:
    """Every error leaves as problem+json; Flask finds a handler along the
    exception's classes, so the one for Exception answers HTTPException too."""
    app.register_error_handler(Exception, error_response)
