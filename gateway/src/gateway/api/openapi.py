"""OpenAPI paths and schemas of the gateway's own routes (login, ``/me``,
testing clock), from the route registry and their pydantic models. The
services' routes and the document around both come from the contract
library (:mod:`secretariat_shared.contract.openapi`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from gateway.api.registry import Api, Operation
from secretariat_shared.contract.openapi import IDEMPOTENCY_KEY, answers, operation

REF = "#/components/schemas/{model}"
Mode = Literal["validation", "serialization"]


def own_openapi(api: Api) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The own routes' paths and the JSON Schemas of their models."""
    models: list[tuple[type[BaseModel], Mode]] = []
    for op in api.operations:
        if op.body is not None:
            models.append((op.body, "validation"))
        models.append((op.response, "serialization"))
    refs, definitions = models_json_schema(list(dict.fromkeys(models)), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in api.operations:
        paths.setdefault(op.openapi_path, {})[op.method.lower()] = _operation(op, refs)
    return paths, definitions.get("$defs", {})


def _operation(op: Operation, refs: dict[Any, Any]) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in op.path_parameters
    ]
    if op.idempotent_post:
        parameters.append(IDEMPOTENCY_KEY)
    problems = {*op.problems, 500}
    if op.auth:
        problems.add(401)
    if op.roles:
        problems.add(403)
    if op.body is not None or op.idempotent_post:
        problems.add(422)
    if op.body is not None:
        problems.add(400)
    if op.path_parameters:
        problems.add(404)
    if op.idempotent_post:
        problems.add(409)
    content = {"application/json": {"schema": refs[(op.response, "serialization")]}}
    body = (
        None if op.body is None else {"application/json": {"schema": refs[(op.body, "validation")]}}
    )
    return operation(
        op.endpoint.removeprefix("api."),
        op.summary,
        op.tag,
        parameters,
        answers(op.status, content, location=op.status == 201, problems=problems),
        description=op.description,
        roles=sorted(op.roles),
        body=body,
        public=not op.auth,
    )
