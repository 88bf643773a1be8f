"""OpenAPI 3.1 of the gateway's own routes (login, directory, testing clock),
from the route registry and their pydantic models; the services' routes are
added from their descriptors (:mod:`gateway.transcoding.openapi`)."""

from __future__ import annotations

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
