"""JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of the HTTP JSON of
protobuf messages: names as in :mod:`~secretariat_shared.contract.json_mapping`,
the field rules as constraints (string sets as ``enum``, lengths, ranges,
patterns, required), descriptions from the proto comments. Requests ("in")
refuse unknown properties and leave out ``output_only`` fields."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from google.protobuf.descriptor import FieldDescriptor

from secretariat_shared.contract.check import has_presence, is_repeated
from secretariat_shared.contract.json_mapping import JSON_VALUES, TIMESTAMP
from secretariat_shared.contract.options import field_rules, http_name

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
