"""The OpenAPI 3.1 document of the HTTP API: the services' routes generated
from their descriptors (parameters, request and answer JSON Schemas with the
field rules, the problems each RPC can give, descriptions from the proto
comments), merged with the HTTP front's own paths.

It describes a route as the front (the gateway) serves it: bearer
authentication unless the RPC is public, ``Idempotency-Key`` on
authenticated POSTs, ``Accept-Language``, and problems as
``application/problem+json`` (:data:`PROBLEM_SCHEMAS`). The building blocks
(:func:`answers`, :func:`operation`) describe the front's own routes alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import Any

from google.protobuf.descriptor import FieldDescriptor

from secretariat_shared.contract.catalog import Snapshot
from secretariat_shared.contract.check import is_repeated
from secretariat_shared.contract.json_mapping import TIMESTAMP
from secretariat_shared.contract.json_schema import SchemaBuilder
from secretariat_shared.contract.options import field_rules, http_name, sent_fields_field
from secretariat_shared.contract.routes import HTTP_BODY, Route

PROBLEM_REF = {"$ref": "#/components/schemas/ProblemOut"}
PROBLEM_SCHEMAS: dict[str, Any] = {
    "FieldErrorOut": {
        "properties": {
            "field": {
                "description": "the request field at fault, e.g. `department_code`",
                "title": "Field",
                "type": "string",
            },
            "message": {"title": "Message", "type": "string"},
        },
        "required": ["field", "message"],
        "title": "FieldErrorOut",
        "type": "object",
    },
    "ProblemOut": {
        "additionalProperties": True,
        "description": "RFC 9457 problem details; `errors` lists field errors on validation "
        "problems.",
        "properties": {
            "type": {
                "description": "`about:blank` or a `urn:secretariat:problem:…` identifier",
                "title": "Type",
                "type": "string",
            },
            "title": {"title": "Title", "type": "string"},
            "status": {"title": "Status", "type": "integer"},
            "detail": {"title": "Detail", "type": "string"},
            "errors": {
                "anyOf": [
                    {"items": {"$ref": "#/components/schemas/FieldErrorOut"}, "type": "array"},
                    {"type": "null"},
                ],
                "default": None,
                "title": "Errors",
            },
        },
        "required": ["type", "title", "status", "detail"],
        "title": "ProblemOut",
        "type": "object",
    },
}
"""The problem+json body (RFC 9457, with our field ``errors``) every error answer has."""
IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A retry with the same key returns the first answer and creates nothing "
    "new; the same key with a different body is 422, one still in progress 409.",
    "schema": {"type": "string", "maxLength": 200},
}
ACCEPT_LANGUAGE: dict[str, Any] = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "description": "zh-CN (default) or en: the language of messages.",
    "schema": {"type": "string"},
}
BINARY = {"schema": {"type": "string", "format": "binary"}}


def document(
    snapshot: Snapshot,
    own_paths: dict[str, dict[str, Any]],
    own_schemas: dict[str, Any],
    own_security_schemes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole document: the front's own paths, schemas and security schemes and
    every loaded service's, built once per snapshot of the routes."""
    found: dict[str, Any] | None = snapshot.derived.get("openapi")
    if found is None:
        services_paths, services_schemas = transcoded_paths(snapshot)
        paths = {path: dict(operations) for path, operations in own_paths.items()}
        for path, operations in services_paths.items():
            paths.setdefault(path, {}).update(operations)
        schemas = {**own_schemas, **PROBLEM_SCHEMAS, **services_schemas}
        found = snapshot.derived["openapi"] = {
            "openapi": "3.1.0",
            "info": {
                "title": "Secretariat API",
                "version": "1.0.0",
                "description": "The secretariat office platform's HTTP API. Errors are "
                "`application/problem+json` (RFC 9457).",
            },
            "servers": [{"url": "/"}],
            "paths": dict(sorted(paths.items())),
            "components": {
                "schemas": dict(sorted(schemas.items())),
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                    **(own_security_schemes or {}),
                },
            },
            "security": [{"bearer": []}],
        }
    return found


def problem(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {"application/problem+json": {"schema": PROBLEM_REF}},
    }


def answers(
    status: int, content: dict[str, Any], *, location: bool, problems: Iterable[int]
) -> dict[str, Any]:
    """An operation's ``responses``: its answer, then each problem it can give."""
    responses: dict[str, Any] = {
        str(status): {"description": HTTPStatus(status).phrase, "content": content}
    }
    if location:
        responses[str(status)]["headers"] = {
            "Location": {"description": "URL of the new item", "schema": {"type": "string"}}
        }
    for code in sorted(set(problems)):
        responses[str(code)] = problem(code)
    return responses


def operation(
    operation_id: str,
    summary: str,
    tag: str,
    parameters: list[dict[str, Any]],
    responses: dict[str, Any],
    *,
    description: str,
    roles: Sequence[str],
    body: dict[str, Any] | None,
    public: bool,
    grpc_method: str = "",
) -> dict[str, Any]:
    """One operation; ``body`` is the request body's content by media type."""
    if roles:
        description = (description + "\n\n" if description else "") + (
            "Requires the role " + " or ".join(roles) + "."
        )
    result: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "parameters": parameters,
        "responses": responses,
    }
    if grpc_method:
        result["x-grpc-method"] = grpc_method
    if description:
        result["description"] = description
    if body is not None:
        result["requestBody"] = {"required": True, "content": body}
    if public:
        result["security"] = []
    return result


def transcoded_paths(snapshot: Snapshot) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Paths and component schemas of every loaded service route."""
    comments: dict[str, str] = {}
    for service in snapshot.services.values():
        comments.update(service.comments)
    builder = SchemaBuilder(comments)
    paths: dict[str, dict[str, Any]] = {}
    for route in snapshot.routes.values():
        paths.setdefault(route.template.openapi_path, {})[route.http_method.lower()] = (
            route_operation(route, builder)
        )
    return paths, builder.components


def route_operation(route: Route, builder: SchemaBuilder) -> dict[str, Any]:
    rpc = route.operation
    path_fields = set(route.template.fields)
    parameters: list[dict[str, Any]] = []
    for name in route.template.fields:
        schema = builder.field(route.input.fields_by_name[name], "in")
        description = schema.pop("description", None)
        parameter = {"name": name, "in": "path", "required": True, "schema": schema}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    body: dict[str, Any] | None = None
    raw_body = False
    if route.body == "*":
        sent = sent_fields_field(route.input)
        hidden = frozenset(path_fields | ({sent.name} if sent is not None else set()))
        body = {"application/json": {"schema": builder.message(route.input, "in", hidden)}}
    elif route.body:
        body_type = route.input.fields_by_name[route.body].message_type
        raw_body = body_type.full_name == HTTP_BODY
        if raw_body:
            body = {"*/*": BINARY}
        else:
            body = {"application/json": {"schema": builder.message(body_type, "in")}}
        parameters.extend(_query_parameters(route, builder, path_fields | {route.body}))
    else:
        parameters.extend(_query_parameters(route, builder, path_fields))
    idempotent = route.http_method == "POST" and not rpc.public
    if idempotent:
        parameters.append(IDEMPOTENCY_KEY)
    parameters.append(ACCEPT_LANGUAGE)
    output = route.output
    if route.response_body:
        output = output.fields_by_name[route.response_body].message_type
    if output.full_name == HTTP_BODY:
        content = {media: BINARY for media in rpc.media_types or ["application/octet-stream"]}
    else:
        content = {"application/json": {"schema": builder.message(output, "out")}}
    problems = {*rpc.problems, 422, 500, 503, 504}
    if not rpc.public:
        problems.add(401)
    if rpc.roles:
        problems.add(403)
    if route.body and not raw_body:
        problems.add(400)
    if idempotent:
        problems.add(409)
    return operation(
        _operation_id(route),
        rpc.summary or route.rpc_path.rsplit("/", 1)[-1],
        rpc.tag or route.service,
        parameters,
        answers(rpc.status or 200, content, location=bool(rpc.location), problems=problems),
        description=route.description,
        roles=list(rpc.roles),
        body=body,
        public=rpc.public,
        grpc_method=route.rpc_path,
    )


def _operation_id(route: Route) -> str:
    service, method = route.rpc_path.strip("/").split("/")
    binding = route.endpoint.rsplit(".", 1)[-1]
    suffix = f"_{binding}" if binding.isdigit() else ""
    return f"{service.rsplit('.', 1)[-1]}.{method}{suffix}"


def _query_parameters(route: Route, builder: SchemaBuilder, skip: set[str]) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for field in route.input.fields:
        if field.name in skip:
            continue
        rules = field_rules(field)
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.full_name != TIMESTAMP:
                continue
            schema: dict[str, Any] = {
                "type": "string",
                "description": "a date (YYYY-MM-DD, organisation time zone"
                + (", whole day included" if rules is not None and rules.day_end else "")
                + ") or a date and time (RFC 3339)",
            }
        else:
            schema = builder.field(field, "in")
        description = schema.pop("description", None)
        parameter: dict[str, Any] = {
            "name": http_name(field),
            "in": "query",
            "required": bool(rules is not None and rules.required),
            "schema": schema,
        }
        if is_repeated(field):
            parameter["explode"] = True
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters
