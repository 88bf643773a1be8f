"""The route registry: the only way to add an /api route.

A route is declared with its request body and response models, so the
OpenAPI document (:mod:`gateway.api.openapi`) cannot miss one. The view
built around each handler authenticates the caller, checks roles,
validates the body (422 with field errors), applies ``Idempotency-Key`` on
POST, and serialises the handler's model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, Response, g, request
from pydantic import BaseModel, ValidationError
from werkzeug.wrappers import Request

from gateway.api.errors import problem_from_exception, problem_response
from gateway.problems import Problem, ProblemError, validation_problem
from gateway.service_layer.auth import Caller
from secretariat_shared.errors import DomainError, FieldError

Handler = Callable[["Call"], BaseModel]


@dataclass(frozen=True)
class Call:
    """What a handler gets: the caller, the validated body, the path values."""

    caller: Caller | None
    body: Any
    path: Mapping[str, str]

    @property
    def username(self) -> str:
        if self.caller is None:
            raise RuntimeError("route declared without authentication")
        return self.caller.identity.username


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str
    endpoint: str
    summary: str
    tag: str
    handler: Handler
    response: type[BaseModel]
    status: int
    body: type[BaseModel] | None
    auth: bool
    roles: frozenset[str]
    problems: tuple[int, ...]
    description: str
    headers: Mapping[str, str]

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", self.rule)

    @property
    def openapi_path(self) -> str:
        return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", self.rule)

    @property
    def idempotent_post(self) -> bool:
        return self.method == "POST" and self.auth


class Api:
    """Collects operations; :meth:`install` adds them to a Flask app."""

    def __init__(self) -> None:
        self.operations: list[Operation] = []

    def route(
        self,
        method: str,
        rule: str,
        *,
        summary: str,
        tag: str,
        response: type[BaseModel],
        status: int = 200,
        body: type[BaseModel] | None = None,
        auth: bool = True,
        roles: Iterable[str] = (),
        problems: Iterable[int] = (),
        description: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> Callable[[Handler], Handler]:
        if not rule.startswith("/api/"):
            raise ValueError(f"API routes live under /api/: {rule}")

        def register(handler: Handler) -> Handler:
            self.operations.append(
                Operation(
                    method=method.upper(),
                    rule=rule,
                    endpoint=f"api.{handler.__name__}",
                    summary=summary,
                    tag=tag,
                    handler=handler,
                    response=response,
                    status=status,
                    body=body,
                    auth=auth,
                    roles=frozenset(roles),
                    problems=tuple(problems),
                    description=description or (handler.__doc__ or "").strip(),
                    headers=dict(headers or {}),
                )
            )
            return handler

        return register

    def install(self, app: Flask, runtime: RouteRuntime) -> None:
        for operation in self.operations:
            app.add_url_rule(
                operation.rule,
                endpoint=operation.endpoint,
                view_func=_view(operation, runtime),
                methods=[operation.method],
            )


class RouteRuntime(Protocol):
    """What the views need from the composition root."""

    def authenticate(self, token: str | None) -> Caller: ...

    def run_idempotent(
        self, username: str, key: str, raw_body: bytes, produce: Callable[[], Response]
    ) -> Response: ...


def bearer_token(of: Request | None = None) -> str | None:
    """The bearer token of ``of`` (Flask's current request when None)."""
    header = (request if of is None else of).headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def field_errors(exc: ValidationError) -> list[FieldError]:
    """Pydantic errors as field errors, one per field, in the order found."""
    seen: dict[str, FieldError] = {}
    for error in exc.errors(include_url=False):
        name = ".".join(str(part) for part in error.get("loc", ())) or "body"
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        seen.setdefault(name, FieldError(name, message))
    return list(seen.values())


def parse_body(model: type[BaseModel], raw: bytes) -> BaseModel:
    if raw.strip():
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProblemError(
                Problem(status=400, detail=f"The request body is not valid JSON: {exc}")
            ) from exc
    else:
        data = {}
    if not isinstance(data, dict):
        raise ProblemError(validation_problem([FieldError("body", "must be a JSON object")]))
    nul = _nul_fields(data, "")
    if nul:
        raise ProblemError(
            validation_problem(
                [FieldError(name, "must not contain NUL characters") for name in nul]
            )
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProblemError(validation_problem(field_errors(exc))) from exc


def _nul_fields(value: Any, path: str) -> list[str]:
    """Where a string holds NUL, which PostgreSQL cannot store."""
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        return [
            found
            for key, item in value.items()
            for found in _nul_fields(item, f"{path}.{key}" if path else str(key))
        ]
    if isinstance(value, list):
        return [
            found for i, item in enumerate(value) for found in _nul_fields(item, f"{path}[{i}]")
        ]
    return []


def run_handler(operation: Operation, call: Call) -> Response:
    """Call the handler and serialise its answer; declared and returned models must agree.

    Errors the caller can act on become problem responses here, so that an
    ``Idempotency-Key`` remembers them like any other answer.
    """
    try:
        result = operation.handler(call)
    except (ProblemError, DomainError) as exc:
        return problem_response(problem_from_exception(exc))
    if not isinstance(result, operation.response):
        raise TypeError(
            f"{operation.endpoint} returned {type(result).__name__}, "
            f"declared {operation.response.__name__}"
        )
    payload = json.dumps(result.model_dump(mode="json", by_alias=True), ensure_ascii=False)
    response = Response(payload, status=operation.status, mimetype="application/json")
    response.headers.update(operation.headers)
    return response


def _view(operation: Operation, runtime: RouteRuntime) -> Callable[..., Response]:
    def view(**path: str) -> Response:
        caller: Caller | None = None
        if operation.auth:
            caller = runtime.authenticate(bearer_token())
            g.username = caller.identity.username
            if operation.roles and not caller.identity.has_role(*operation.roles):
                raise ProblemError(
                    Problem(
                        status=403,
                        detail="This needs the role " + " or ".join(sorted(operation.roles)) + ".",
                    )
                )
        raw = request.get_data(cache=True)
        body = parse_body(operation.body, raw) if operation.body else None
        call = Call(caller=caller, body=body, path=path)
        key = request.headers.get("Idempotency-Key")
        if key is not None and operation.idempotent_post:
            return runtime.run_idempotent(
                call.username, key, raw, lambda: run_handler(operation, call)
            )
        return run_handler(operation, call)

    view.__name__ = operation.endpoint.replace(".", "_")
    return view
