"""Protobuf messages as plain dicts for the JSON API: proto field names, every
field present, timestamps as aware datetimes (None when unset)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

_TIMESTAMP = Timestamp.DESCRIPTOR.full_name


def _is_repeated(descriptor: Any) -> bool:
    repeated = getattr(descriptor, "is_repeated", None)
    if repeated is not None:
        return bool(repeated)
    return bool(descriptor.label == FieldDescriptor.LABEL_REPEATED)


def _value(descriptor: Any, value: Any) -> Any:
    if descriptor.type != FieldDescriptor.TYPE_MESSAGE:
        return value
    if descriptor.message_type.full_name == _TIMESTAMP:
        return value.ToDatetime(tzinfo=UTC)
    return message_to_dict(value)


def message_to_dict(message: Message) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for descriptor in message.DESCRIPTOR.fields:
        value = getattr(message, descriptor.name)
        if _is_repeated(descriptor):
            result[descriptor.name] = [_value(descriptor, item) for item in value]
        elif descriptor.type == FieldDescriptor.TYPE_MESSAGE and not message.HasField(
            descriptor.name
        ):
            result[descriptor.name] = None
        else:
            result[descriptor.name] = _value(descriptor, value)
    return result


def timestamp(when: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(when.astimezone(UTC))
    return stamp
