"""Views (plain dicts keyed by field name) into protobuf messages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, TypeVar

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

M = TypeVar("M", bound=Message)


def _is_repeated(field: Any) -> bool:
    repeated = getattr(field, "is_repeated", None)
    if repeated is not None:
        return bool(repeated)
    return bool(field.label == field.LABEL_REPEATED)


def to_proto(message: M, source: dict[str, Any]) -> M:
    """Fill ``message`` from the keys named like its fields; None leaves a field unset."""
    for field in message.DESCRIPTOR.fields:
        if field.name not in source:
            continue
        value = source[field.name]
        if value is None:
            continue
        nested = field.message_type
        target = getattr(message, field.name)
        if nested is not None and nested.full_name == Timestamp.DESCRIPTOR.full_name:
            assert isinstance(value, datetime)
            target.FromDatetime(value.astimezone(UTC))
        elif _is_repeated(field):
            for item in value:
                if nested is not None:
                    to_proto(target.add(), item)
                else:
                    target.append(item)
        elif nested is not None:
            to_proto(target, value)
        elif isinstance(value, date):
            setattr(message, field.name, value.isoformat())
        else:
            setattr(message, field.name, value)
    return message
