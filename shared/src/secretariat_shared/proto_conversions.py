"""Conversions between domain values and protobuf fields, in one place (issue 11).

Timestamps are UTC on the wire and aware datetimes in Python; an unset
message field is None; an absent optional value leaves its field unset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, TypeVar

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

E = TypeVar("E", bound=Enum)
M = TypeVar("M", bound=Message)


def set_timestamp(value: datetime | None, target: Timestamp) -> None:
    """Write an aware ``value`` into ``target``; None leaves it unset."""
    if value is not None:
        target.FromDatetime(value.astimezone(UTC))


def timestamp_of(message: Any, field: str) -> datetime | None:
    """The aware UTC datetime in ``message.field``, or None when it is unset."""
    if not message.HasField(field):
        return None
    stamp: Timestamp = getattr(message, field)
    return stamp.ToDatetime(tzinfo=UTC)


def set_optional(message: Any, field: str, value: Any | None) -> None:
    """Set an ``optional`` scalar field; None leaves it unset (absent, not zero)."""
    if value is not None:
        setattr(message, field, value)


def set_repeated(target: Any, values: Iterable[Any]) -> None:
    """Replace a repeated scalar field's contents with ``values``."""
    del target[:]
    target.extend(values)


def enum_text(value: Enum | str | None) -> str:
    """A domain enum as its wire string (the enum's value); None is ""."""
    if value is None:
        return ""
    return str(value.value) if isinstance(value, Enum) else value


def enum_of(enum: type[E], text: str) -> E | None:
    """The member of ``enum`` whose value is ``text``, or None (unknown or empty)."""
    try:
        return enum(text)
    except ValueError:
        return None


def _is_repeated(field: Any) -> bool:
    repeated = getattr(field, "is_repeated", None)
    if repeated is not None:
        return bool(repeated)
    return bool(field.label == field.LABEL_REPEATED)


def fill_message(message: M, source: Mapping[str, Any] | object) -> M:
    """Fill ``message`` from the keys (of a mapping) or attributes (of any other
    object, e.g. a dataclass) named like its fields.

    Datetimes become Timestamps, dates ISO strings, nested mappings or objects
    and lists of them nested messages; None or a missing name leaves a field unset.
    """
    for field in message.DESCRIPTOR.fields:
        if isinstance(source, Mapping):
            value = source.get(field.name)
        else:
            value = getattr(source, field.name, None)
        if value is None:
            continue
        nested = field.message_type
        target = getattr(message, field.name)
        if nested is not None and nested.full_name == Timestamp.DESCRIPTOR.full_name:
            set_timestamp(value, target)
        elif _is_repeated(field):
            for item in value:
                if nested is not None:
                    fill_message(target.add(), item)
                else:
                    target.append(item)
        elif nested is not None:
            fill_message(target, value)
        elif isinstance(value, date):
            setattr(message, field.name, value.isoformat())
        else:
            setattr(message, field.name, value)
    return message
