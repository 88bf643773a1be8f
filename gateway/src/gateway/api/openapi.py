"""OpenAPI 3.1 generated from the route registry and the pydantic models.

Swagger UI as shipped by ``swagger_ui_bundle`` (4.x) renders only OpenAPI
3.0, so :func:`as_openapi_30` derives a 3.0 rendition for ``/docs``;
``/openapi.json`` is the 3.1 document.
"""

from __future__ import annotations

import copy
from http import HTTPStatus
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from gateway.api.registry import JSON, Api, Operation
from gateway.api.schemas.common import ProblemOut
from gateway.problems import PROBLEM_CONTENT_TYPE

REF = "#/components/schemas/{model}"
Mode = Literal["validation", "serialization"]


def _models(api: Api) -> list[tuple[type[BaseModel], Mode]]:
    wanted: list[tuple[type[BaseModel], Mode]] = [(ProblemOut, "serialization")]
    for op in api.operations:
        if op.body is not None:
            wanted.append((op.body, "validation"))
        if op.query is not None:
            wanted.append((op.query, "validation"))
        if op.media_type == JSON:
            wanted.append((op.response, "serialization"))
    unique: list[tuple[type[BaseModel], Mode]] = []
    for item in wanted:
        if item not in unique:
            unique.append(item)
    return unique


def _query_parameters(schema: dict[str, Any], components: dict[str, Any]) -> list[dict[str, Any]]:
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _problem(status: int, refs: dict[Any, Any]) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": refs[(ProblemOut, "serialization")]}},
    }


def _operation(op: Operation, refs: dict[Any, Any], components: dict[str, Any]) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in op.path_parameters
    ]
    if op.query is not None:
        parameters.extend(_query_parameters(refs[(op.query, "validation")], components))
    if op.idempotent_post:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "A retry with the same key returns the first answer and "
                "creates nothing new; the same key with a different body is 422, "
                "one still in progress 409.",
                "schema": {"type": "string", "maxLength": 200},
            }
        )
    schema = (
        refs[(op.response, "serialization")]
        if op.media_type == JSON
        else {"type": "string", "format": "binary"}
    )
    responses: dict[str, Any] = {
        str(op.status): {
            "description": HTTPStatus(op.status).phrase,
            "content": {op.media_type: {"schema": schema}},
        }
    }
    if op.status == 201:
        responses[str(op.status)]["headers"] = {
            "Location": {"description": "URL of the new item", "schema": {"type": "string"}}
        }
    statuses = set(op.problems) | {500}
    if op.auth:
        statuses.add(401)
    if op.roles:
        statuses.add(403)
    if op.body is not None or op.query is not None or op.idempotent_post:
        statuses.add(422)
    if op.body is not None:
        statuses.add(400)
    if op.path_parameters:
        statuses.add(404)
    if op.idempotent_post:
        statuses.add(409)
    for status in sorted(statuses):
        responses[str(status)] = _problem(status, refs)

    description = op.description
    if op.roles:
        description = (description + "\n\n" if description else "") + (
            "Requires the role " + " or ".join(sorted(op.roles)) + "."
        )
    operation: dict[str, Any] = {
        "operationId": op.endpoint.removeprefix("api."),
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": parameters,
        "responses": responses,
    }
    if description:
        operation["description"] = description
    if op.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    if not op.auth:
        operation["security"] = []
    return operation


def build_openapi(
    api: Api, title: str = "Secretariat API", version: str = "1.0.0"
) -> dict[str, Any]:
    refs, definitions = models_json_schema(_models(api), ref_template=REF)
    components: dict[str, Any] = definitions.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for op in api.operations:
        paths.setdefault(op.openapi_path, {})[op.method.lower()] = _operation(op, refs, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "The secretariat office platform's HTTP API. Errors are "
            "`application/problem+json` (RFC 9457).",
        },
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
        "security": [{"bearer": []}],
    }


def _schema_30(node: Any) -> Any:
    if isinstance(node, list):
        return [_schema_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _schema_30(value) for key, value in node.items()}
    for union in ("anyOf", "oneOf"):
        options = node.get(union)
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [option for option in options if option != {"type": "null"}]
            del node[union]
            node["nullable"] = True
            if len(rest) == 1 and "$ref" not in rest[0]:
                node.update(rest[0])
            elif len(rest) == 1:
                node["allOf"] = rest
            elif rest:
                node[union] = rest
    if isinstance(node.get("type"), list):
        types = [t for t in node["type"] if t != "null"]
        if len(types) < len(node["type"]):
            node["nullable"] = True
        node["type"] = types[0] if len(types) == 1 else types
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if isinstance(node.get("examples"), list):
        examples = node.pop("examples")
        if examples:
            node["example"] = examples[0]
    for bound, flag in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(node.get(bound), int | float) and not isinstance(node.get(bound), bool):
            node[flag] = node[bound]
            node[bound] = True
    if "$ref" in node and len(node) > 1:
        ref = node.pop("$ref")
        node["allOf"] = [{"$ref": ref}]
    return node


def as_openapi_30(spec: dict[str, Any]) -> dict[str, Any]:
    """The same API as OpenAPI 3.0.3, for Swagger UI 4."""
    converted = copy.deepcopy(spec)
    converted["openapi"] = "3.0.3"
    converted["components"]["schemas"] = _schema_30(converted["components"]["schemas"])
    for path in converted["paths"].values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _schema_30(parameter["schema"])
    return converted
