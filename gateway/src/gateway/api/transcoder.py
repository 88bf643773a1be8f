"""Serving one transcoded request: match, authenticate, gate, read, check,
forward, answer (docs/adding-an-endpoint.md). The routes and the mapping of a
request and an answer are the contract library's
(:mod:`secretariat_shared.contract`).

The request comes in explicitly, not through Flask's globals: the fast path
(:mod:`gateway.api.fast_path`) serves these routes without Flask, and Flask's
catch-all route does with the same code (issue 20)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import grpc
from flask import Response
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, MapAdapter, RequestRedirect, Rule
from werkzeug.wrappers import Request

from gateway.api.registry import bearer_token
from gateway.problems import (
    Problem,
    ProblemError,
    problem_for_grpc_status,
    service_unavailable,
    validation_problem,
)
from gateway.service_layer.auth import Caller
from secretariat_shared.contract.calls import RouteCaller, ServiceDown
from secretariat_shared.contract.catalog import RouteCatalog, Snapshot
from secretariat_shared.contract.check import MAX_VIOLATIONS, Violation
from secretariat_shared.contract.conditional import IF_NONE_MATCH, answer_tag, forwardable
from secretariat_shared.contract.json_mapping import to_json
from secretariat_shared.contract.routes import HTTP_BODY, Route
from secretariat_shared.contract.status import LANGUAGE_METADATA, field_errors_of
from secretariat_shared.contract.transcoding import (
    BodyNotJson,
    BodyNotObject,
    answer_body,
    location,
    passed_headers,
    request_message,
)
from secretariat_shared.errors import FieldError
from secretariat_shared.i18n import negotiate, translate
from secretariat_shared.identity import METADATA_KEY, SERVICE_AUDIENCE, IdentitySigner

log = logging.getLogger(__name__)
RETRY_AFTER = {"Retry-After": "5"}
# json.dumps(..., ensure_ascii=False) without building an encoder per answer.
_JSON = json.JSONEncoder(ensure_ascii=False)
WITH_FIELD_ERRORS = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.ALREADY_EXISTS)

RunIdempotent = Callable[[Request, str, str, str, bytes, Callable[[], Response]], Response]


@dataclass(slots=True)
class Seen:
    """What the metrics and the access log learn while a request is served, kept
    even when it ends in an error."""

    route_template: str = ""
    username: str = ""


class Transcoder:
    def __init__(
        self,
        catalog: RouteCatalog,
        channel: Callable[[str], grpc.Channel],
        signer: IdentitySigner,
        authenticate: Callable[[str | None], Caller],
        run_idempotent: RunIdempotent,
        zone: ZoneInfo,
        token_ttl: int,
        deadline: float,
        default_language: str,
        changed: Callable[[str], None] = lambda service: None,
    ) -> None:
        self.catalog = catalog
        self.default_language = default_language
        self._signer = signer
        self._authenticate = authenticate
        self._run_idempotent = run_idempotent
        self._zone = zone
        self._token_ttl = token_ttl
        self._deadline = deadline
        self._changed = changed
        self._caller = RouteCaller(catalog, channel)

    def language(self, request: Request) -> str:
        """The language of this request's messages (Accept-Language, else the default)."""
        return negotiate(request.headers.get("Accept-Language"), self.default_language)

    def match(
        self, path: str, method: str, language: str, seen: Seen
    ) -> tuple[Route, dict[str, str]]:
        snapshot = self.catalog.current()
        adapter = url_adapter_of(snapshot)
        try:
            endpoint, values = adapter.match(path, method=method)
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or ()))
            raise ProblemError(
                Problem(
                    status=405,
                    detail=translate(
                        "{method} is not allowed here; allowed: {allowed}",
                        language,
                        method=method,
                        allowed=allowed,
                    ),
                    headers={"Allow": allowed},
                )
            ) from exc
        except (NotFound, RequestRedirect) as exc:
            raise ProblemError(
                Problem(status=404, detail=translate("No such path: {path}", language, path=path))
            ) from exc
        route = snapshot.routes[str(endpoint)]
        seen.route_template = route.template.text
        return route, {k: str(v) for k, v in values.items()}

    def serve(self, request: Request, language: str, seen: Seen) -> Response:
        """The answer to ``request`` (in ``language``); errors are raised."""
        route, values = self.match(request.path, request.method, language, seen)
        operation = route.operation
        caller: Caller | None = None
        if not operation.public:
            caller = self._authenticate(bearer_token(request))
            seen.username = caller.identity.username
            roles = list(operation.roles)
            if roles and not caller.identity.has_role(*roles):
                raise ProblemError(
                    Problem(
                        status=403,
                        detail=translate(
                            "This needs the role {roles}.", language, roles=" / ".join(roles)
                        ),
                    )
                )
        raw = request.get_data(cache=True)
        message = self.read(request, route, values, raw, language)
        key = request.headers.get("Idempotency-Key")

        def forward() -> Response:
            return self.forward(request, route, message, caller, language)

        if key is not None and route.http_method == "POST" and caller is not None:
            return self._run_idempotent(
                request, language, caller.identity.username, key, raw, forward
            )
        return forward()

    def read(
        self, request: Request, route: Route, values: dict[str, str], raw: bytes, language: str
    ) -> Any:
        args = {key: request.args.getlist(key) for key in request.args}
        content_type = request.headers.get("Content-Type", "")
        try:
            message, found = request_message(route, values, args, raw, content_type, self._zone)
        except BodyNotJson as exc:
            detail = translate("The request body is not valid JSON.", language)
            raise ProblemError(Problem(status=400, detail=detail)) from exc
        except BodyNotObject as exc:
            raise ProblemError(
                validation_problem(
                    [FieldError("body", translate("must be a JSON object", language))],
                    detail=translate("The request body must be a JSON object.", language),
                    title=translate("Validation failed", language),
                )
            ) from exc
        if found:
            raise ProblemError(
                validation_problem(
                    _first_per_field(found, language),
                    detail=translate("The request has invalid fields.", language),
                    title=translate("Validation failed", language),
                )
            )
        return message

    def forward(
        self,
        request: Request,
        route: Route,
        message: Any,
        caller: Caller | None,
        language: str,
    ) -> Response:
        metadata: list[tuple[str, str]] = [(LANGUAGE_METADATA, language)]
        if route.http_method == "GET":
            held = forwardable(request.headers.get("If-None-Match"))
            if held is not None:
                metadata.append((IF_NONE_MATCH, held))
        if caller is not None:
            metadata.append(
                (
                    METADATA_KEY,
                    self._signer.sign_reusable(caller.identity, SERVICE_AUDIENCE, self._token_ttl),
                )
            )
        try:
            answer, headers = self._caller.call(route, message, metadata, self._deadline)
        except ServiceDown as exc:
            raise ProblemError(service_unavailable(route.service, language, RETRY_AFTER)) from exc
        except grpc.RpcError as exc:
            code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
            details = (exc.details() if hasattr(exc, "details") else "") or ""
            if code not in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND):
                log.warning("%s failed: %s %s", route.rpc_path, code.name, details)
            errors = field_errors_of(exc) if code in WITH_FIELD_ERRORS else []
            raise ProblemError(
                problem_for_grpc_status(code.name, details, route.service, errors, language)
            ) from exc
        if route.http_method != "GET":
            self._changed(route.service)
        return self.answer(route, answer, headers)

    def answer(self, route: Route, answer: Any, metadata: Any = ()) -> Response:
        status = route.operation.status or 200
        answer = answer_body(route, answer)
        if answer.DESCRIPTOR.full_name == HTTP_BODY:
            response = Response(bytes(answer.data), status=status)
            response.headers["Content-Type"] = answer.content_type or "application/octet-stream"
            response.headers["Cache-Control"] = "no-store"
            for name, value in passed_headers(metadata):
                response.headers[name] = value
            return response
        tag, not_modified = answer_tag(metadata) if route.http_method == "GET" else (None, False)
        if tag is not None and not_modified:
            # The service read and checked access first (issue 20; X-03 stays there).
            return Response(status=304, headers={"ETag": tag})
        payload = to_json(answer)
        response = Response(_JSON.encode(payload), status=status, mimetype="application/json")
        if tag is not None:
            response.headers["ETag"] = tag
        if route.operation.location:
            response.headers["Location"] = location(route.operation.location, payload)
        return response


def url_map_of(snapshot: Snapshot) -> Map:
    """The snapshot's routes as a Werkzeug URL map, built once per snapshot."""
    found: Map | None = snapshot.derived.get("url_map")
    if found is None:
        rules = [
            Rule(r.template.rule, endpoint=r.endpoint, methods=[r.http_method])
            for r in snapshot.routes.values()
        ]
        found = snapshot.derived["url_map"] = Map(rules, strict_slashes=False, merge_slashes=False)
    return found


def url_adapter_of(snapshot: Snapshot) -> MapAdapter:
    """The snapshot's URL map bound once: matching does not change the adapter."""
    found: MapAdapter | None = snapshot.derived.get("url_adapter")
    if found is None:
        found = snapshot.derived["url_adapter"] = url_map_of(snapshot).bind("gateway")
    return found


def _first_per_field(found: list[Violation], language: str) -> list[FieldError]:
    seen: dict[str, FieldError] = {}
    for violation in found:
        seen.setdefault(violation.field, FieldError(violation.field, violation.message(language)))
    return list(seen.values())[:MAX_VIOLATIONS]
