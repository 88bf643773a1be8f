"""OpenAPI 3.1 paths and schemas generated from the services' descriptors:
parameters, request and answer JSON Schemas with the field rules, the
problems each RPC can give, descriptions from the proto comments."""

from __future__ import annotations

import contextlib
import json
from http import HTTPStatus
from typing import Any

from google.protobuf.descriptor import FieldDescriptor

from gateway.transcoding.catalog import Snapshot
from gateway.transcoding.descriptors import Route
from secretariat_shared.contract.check import has_presence, is_repeated
from secretariat_shared.contract.json_mapping import JSON_VALUES, TIMESTAMP
from secretariat_shared.contract.options import field_rules, http_name, sent_fields_field

PROBLEM_REF = {"$ref": "#/components/schemas/ProblemOut"}
HTTP_BODY = "google.api.HttpBody"
_INTEGER_FORMATS = {
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_SINT32: "int32",
    FieldDescriptor.TYPE_SFIXED32: "int32",
    FieldDescriptor.TYPE_UINT32: "int64",
    FieldDescriptor.TYPE_FIXED32: "int64",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_SINT64: "int64",
    FieldDescriptor.TYPE_SFIXED64: "int64",
    FieldDescriptor.TYPE_UINT64: "int64",
    FieldDescriptor.TYPE_FIXED64: "int64",
}
_INT32_RANGE = (-(2**31), 2**31 - 1)


def _ref(name: str, mode: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}{'.In' if mode == 'in' else ''}"}


class SchemaBuilder:
    def __init__(self, comments: dict[str, str]) -> None:
        self.comments = comments
        self.components: dict[str, Any] = {}

    def message(
        self, descriptor: Any, mode: str, skip: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        """A ``$ref`` to the message's schema (``mode``: "in" for requests, "out" for answers)."""
        name = descriptor.full_name
        if name == TIMESTAMP:
            return {"type": "string", "format": "date-time"}
        if name in JSON_VALUES:
            return {"type": "object"} if name.endswith("Struct") else {}
        key = name + (".In" if mode == "in" else "")
        if skip:
            return self._inline(descriptor, mode, skip)
        if key not in self.components:
            self.components[key] = {}
            self.components[key] = self._inline(descriptor, mode, skip)
        return _ref(name, mode)

    def _inline(self, descriptor: Any, mode: str, skip: frozenset[str]) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in descriptor.fields:
            if field.name in skip:
                continue
            rules = field_rules(field)
            if mode == "in" and rules is not None and rules.output_only:
                continue
            name = http_name(field)
            properties[name] = self.field(field, mode)
            if mode == "out" or (rules is not None and rules.required):
                required.append(name)
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        if mode == "in":
            schema["additionalProperties"] = False
        text = self.comments.get(descriptor.full_name)
        if text:
            schema["description"] = text
        return schema

    def field(self, field: Any, mode: str) -> dict[str, Any]:
        rules = field_rules(field)
        if (
            is_repeated(field)
            and field.type == FieldDescriptor.TYPE_MESSAGE
            and (field.message_type.GetOptions().map_entry)
        ):
            value = field.message_type.fields_by_name["value"]
            schema: dict[str, Any] = {
                "type": "object",
                "additionalProperties": self.single(value, mode, None),
            }
        elif is_repeated(field):
            item_rules = rules.items if rules is not None and rules.HasField("items") else None
            schema = {"type": "array", "items": self.single(field, mode, item_rules)}
            if rules is not None:
                if rules.HasField("min_items"):
                    schema["minItems"] = rules.min_items
                if rules.HasField("max_items"):
                    schema["maxItems"] = rules.max_items
                if rules.unique:
                    schema["uniqueItems"] = True
        else:
            schema = self.single(field, mode, rules)
            if has_presence(field) and mode == "out":
                schema = (
                    {"anyOf": [schema, {"type": "null"}]}
                    if "$ref" in schema
                    else {
                        **schema,
                        "type": [schema.get("type", "object"), "null"],
                    }
                )
        text = self.comments.get(field.full_name)
        if text:
            schema["description"] = text
        if rules is not None and rules.example:
            with contextlib.suppress(ValueError):
                schema["examples"] = [json.loads(rules.example)]
        if rules is not None and rules.output_only:
            schema["readOnly"] = True
        return schema

    def single(self, field: Any, mode: str, rules: Any) -> dict[str, Any]:
        kind = field.type
        schema: dict[str, Any]
        if kind == FieldDescriptor.TYPE_MESSAGE:
            return self.message(field.message_type, mode)
        if kind == FieldDescriptor.TYPE_STRING:
            schema = {"type": "string"}
        elif kind == FieldDescriptor.TYPE_BOOL:
            schema = {"type": "boolean"}
        elif kind in _INTEGER_FORMATS:
            schema = {"type": "integer", "format": _INTEGER_FORMATS[kind]}
            if _INTEGER_FORMATS[kind] == "int32" and mode == "in":
                schema["minimum"], schema["maximum"] = _INT32_RANGE
        elif kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            schema = {"type": "number"}
        elif kind == FieldDescriptor.TYPE_BYTES:
            schema = {"type": "string", "contentEncoding": "base64"}
        elif kind == FieldDescriptor.TYPE_ENUM:
            schema = {"type": "string", "enum": [v.name for v in field.enum_type.values]}
        else:
            schema = {}
        if rules is None:
            return schema
        values = list(getattr(rules, "in"))
        if values:
            schema["enum"] = values if rules.required or mode == "out" else [*values, ""]
        if rules.HasField("min_len"):
            schema["minLength"] = rules.min_len
        if rules.HasField("max_len"):
            schema["maxLength"] = rules.max_len
        if rules.required and kind == FieldDescriptor.TYPE_STRING and "minLength" not in schema:
            schema["minLength"] = 1
        if rules.HasField("gte"):
            schema["minimum"] = _number(rules.gte)
        if rules.HasField("lte"):
            schema["maximum"] = _number(rules.lte)
        if rules.pattern:
            schema["pattern"] = rules.pattern
        if rules.format:
            schema["format"] = rules.format
        return schema


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


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


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {"application/problem+json": {"schema": PROBLEM_REF}},
    }


def operation_of(route: Route, builder: SchemaBuilder) -> dict[str, Any]:
    operation = route.operation
    path_fields = set(route.template.fields)
    parameters: list[dict[str, Any]] = []
    for name in route.template.fields:
        field = route.input.fields_by_name[name]
        schema = builder.field(field, "in")
        description = schema.pop("description", None)
        parameter = {"name": name, "in": "path", "required": True, "schema": schema}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    body: dict[str, Any] | None = None
    raw_body = False
    if route.body == "*":
        sent = sent_fields_field(route.input)
        hidden = path_fields | ({sent.name} if sent is not None else set())
        body = (
            builder.message(route.input, "in", frozenset(hidden))
            if hidden
            else (builder.message(route.input, "in"))
        )
    elif route.body:
        body_type = route.input.fields_by_name[route.body].message_type
        if body_type.full_name == HTTP_BODY:
            raw_body = True
        else:
            body = builder.message(body_type, "in")
        parameters.extend(_query_parameters(route, builder, path_fields | {route.body}))
    else:
        parameters.extend(_query_parameters(route, builder, path_fields))
    if route.http_method == "POST" and not operation.public:
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
    parameters.append(
        {
            "name": "Accept-Language",
            "in": "header",
            "required": False,
            "description": "zh-CN (default) or en: the language of messages.",
            "schema": {"type": "string"},
        }
    )
    output = route.output
    if route.response_body:
        output = output.fields_by_name[route.response_body].message_type
    status = operation.status or 200
    if output.full_name == HTTP_BODY:
        media_types = list(operation.media_types) or ["application/octet-stream"]
        content = {
            media: {"schema": {"type": "string", "format": "binary"}} for media in media_types
        }
    else:
        content = {"application/json": {"schema": builder.message(output, "out")}}
    responses: dict[str, Any] = {
        str(status): {"description": HTTPStatus(status).phrase, "content": content}
    }
    if operation.location:
        responses[str(status)]["headers"] = {
            "Location": {"description": "URL of the new item", "schema": {"type": "string"}}
        }
    statuses = set(operation.problems) | {422, 500, 503, 504}
    if not operation.public:
        statuses.add(401)
    if operation.roles:
        statuses.add(403)
    if route.body and not raw_body:
        statuses.add(400)
    if route.http_method == "POST" and not operation.public:
        statuses.add(409)
    for code in sorted(statuses):
        responses[str(code)] = _problem(code)
    description = route.description
    if operation.roles:
        description = (description + "\n\n" if description else "") + (
            "Requires the role " + " or ".join(operation.roles) + "."
        )
    result: dict[str, Any] = {
        "operationId": _operation_id(route),
        "summary": operation.summary or route.rpc_path.rsplit("/", 1)[-1],
        "tags": [operation.tag or route.service],
        "parameters": parameters,
        "responses": responses,
        "x-grpc-method": route.rpc_path,
    }
    if description:
        result["description"] = description
    if body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    elif raw_body:
        result["requestBody"] = {
            "required": True,
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    if operation.public:
        result["security"] = []
    return result


def _operation_id(route: Route) -> str:
    service, method = route.rpc_path.strip("/").split("/")
    binding = route.endpoint.rsplit(".", 1)[-1]
    suffix = f"_{binding}" if binding.isdigit() else ""
    return f"{service.rsplit('.', 1)[-1]}.{method}{suffix}"


def transcoded_paths(snapshot: Snapshot) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Paths and component schemas of every loaded service route."""
    comments: dict[str, str] = {}
    for service in snapshot.services.values():
        comments.update(service.comments)
    builder = SchemaBuilder(comments)
    paths: dict[str, dict[str, Any]] = {}
    for route in snapshot.routes.values():
        paths.setdefault(route.template.openapi_path, {})[route.http_method.lower()] = operation_of(
            route, builder
        )
    return paths, builder.components
