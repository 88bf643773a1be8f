"""JSON values carried as `google.protobuf.Struct` / `Value` on the wire.

HTTP callers send and read the approval payload, the form schema and
condition values as JSON; the engine keeps them as JSON text. Protobuf
holds every number as a double, so whole numbers are turned back into
integers on the way in: a payload's `10` stays `10` in the engine, in JSON
Schema checks (`"type": "integer"`) and in the sealed file (D-09).
"""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import json_format, struct_pb2


def _whole_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


def struct_to_json(message: struct_pb2.Struct) -> str:
    """A Struct as JSON text, whole numbers as integers."""
    return json.dumps(_whole_numbers(json_format.MessageToDict(message)), ensure_ascii=False)


def value_to_json(message: struct_pb2.Value) -> str:
    """A Value as JSON text; an unset Value is `null`."""
    if message.WhichOneof("kind") is None:
        return "null"
    return json.dumps(_whole_numbers(json_format.MessageToDict(message)), ensure_ascii=False)


def struct_of(value: dict[str, Any]) -> struct_pb2.Struct:
    """A JSON object as a Struct."""
    message = struct_pb2.Struct()
    message.update(value)
    return message


def value_of(value: Any) -> struct_pb2.Value:
    """Any JSON value as a Value."""
    return json_format.ParseDict(value, struct_pb2.Value())
