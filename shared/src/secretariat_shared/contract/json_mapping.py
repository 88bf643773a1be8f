"""Protobuf messages to and from the HTTP API's JSON (docs/adding-an-endpoint.md §3).

Answers list every field by its proto (or ``http_name``) name; unset
messages and ``optional`` fields are ``null``; Timestamps are RFC 3339 in
UTC with ``Z``; 64-bit integers stay numbers. Requests are read strictly:
unknown names, wrong JSON types and out-of-range integers are violations,
all of them reported at once, and ``null`` means "not given".
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor

from secretariat_shared.contract.check import Violation, has_presence, is_repeated
from secretariat_shared.contract.options import field_rules, http_name

TIMESTAMP = "google.protobuf.Timestamp"
JSON_VALUES = {"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"}
_INT_RANGES: dict[int, tuple[int, int]] = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
_FLOATS = {FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT}
MAX_DEPTH = 16


# --- answers ----------------------------------------------------------------


_EPOCH = datetime(1970, 1, 1)


def timestamp_text(stamp: Any) -> str:
    """RFC 3339 in UTC with ``Z``, microseconds only when there are any."""
    micro = stamp.nanos // 1000
    text = (_EPOCH + timedelta(seconds=stamp.seconds)).isoformat()
    return f"{text}.{micro:06d}Z" if micro else f"{text}Z"


def whole_numbers(value: Any) -> Any:
    """JSON values as sent: protobuf keeps a Struct's numbers as doubles, so
    `10` would come back `10.0`; whole numbers are written as integers."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {key: whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [whole_numbers(item) for item in value]
    return value


def _converter(descriptor: Any) -> Callable[[Any], Any] | None:
    """How one value of the field becomes JSON; None when it is already JSON."""
    kind = descriptor.type
    if kind == FieldDescriptor.TYPE_MESSAGE:
        name = descriptor.message_type.full_name
        if name == TIMESTAMP:
            return timestamp_text
        if name in JSON_VALUES:
            return lambda value: whole_numbers(json_format.MessageToDict(value))
        return to_json
    if kind == FieldDescriptor.TYPE_BYTES:
        return lambda value: base64.b64encode(value).decode()
    if kind == FieldDescriptor.TYPE_ENUM:
        names = descriptor.enum_type.values_by_number

        def enum_name(value: Any) -> Any:
            found = names.get(value)
            return found.name if found is not None else value

        return enum_name
    if kind in _FLOATS:
        return lambda value: value if math.isfinite(value) else None
    return None


_PLAIN, _PRESENCE, _REPEATED, _MAP = range(4)


@functools.cache
def _answer_plan(message_descriptor: Any) -> tuple[tuple[str, str, int, Any], ...]:
    """Per field, once per message type: its JSON name, its attribute, how it is
    read (plain, with presence, repeated, map) and its value's converter.
    Answers are written on every request (issue 20): reading the descriptor's
    options per field and value cost more than the rest of the mapping."""
    plan: list[tuple[str, str, int, Any]] = []
    for descriptor in message_descriptor.fields:
        if is_repeated(descriptor):
            if descriptor.type == FieldDescriptor.TYPE_MESSAGE and (
                descriptor.message_type.GetOptions().map_entry
            ):
                value_field = descriptor.message_type.fields_by_name["value"]
                converter = _converter(value_field) or _same
                plan.append((http_name(descriptor), descriptor.name, _MAP, converter))
            else:
                plan.append(
                    (http_name(descriptor), descriptor.name, _REPEATED, _converter(descriptor))
                )
        elif has_presence(descriptor):
            plan.append((http_name(descriptor), descriptor.name, _PRESENCE, _converter(descriptor)))
        else:
            plan.append((http_name(descriptor), descriptor.name, _PLAIN, _converter(descriptor)))
    return tuple(plan)


def _same(value: Any) -> Any:
    return value


def to_json(message: Any) -> dict[str, Any]:
    """The answer message as a JSON object (every field present)."""
    result: dict[str, Any] = {}
    for name, attribute, how, convert in _answer_plan(message.DESCRIPTOR):
        if how == _PLAIN:
            value = getattr(message, attribute)
            result[name] = value if convert is None else convert(value)
        elif how == _PRESENCE:
            if not message.HasField(attribute):
                result[name] = None
            else:
                value = getattr(message, attribute)
                result[name] = value if convert is None else convert(value)
        elif how == _REPEATED:
            values = getattr(message, attribute)
            result[name] = list(values) if convert is None else [convert(v) for v in values]
        else:
            result[name] = {
                str(key): convert(item) for key, item in getattr(message, attribute).items()
            }
    return result


# --- requests ---------------------------------------------------------------


@functools.cache
def fields_by_http_name(message_descriptor: Any) -> dict[str, Any]:
    return {http_name(field): field for field in message_descriptor.fields}


def parse_instant(text: str, zone: tzinfo, *, day_end: bool, allow_date: bool) -> datetime | None:
    """An RFC 3339 date-time (naive ones in ``zone``) or, if allowed, a bare date."""
    text = text.strip()
    if allow_date and len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
        return datetime.combine(day, time.max if day_end else time.min, tzinfo=zone)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    if not 1 <= moment.astimezone(UTC).year <= 9998:
        return None
    return moment


class _Reader:
    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.violations: list[Violation] = []

    def fail(self, path: str, msgid: str, **params: Any) -> None:
        self.violations.append(Violation(path, msgid, params))

    def scalar(self, descriptor: Any, raw: Any, path: str) -> tuple[bool, Any]:
        kind = descriptor.type
        if kind == FieldDescriptor.TYPE_STRING:
            if not isinstance(raw, str):
                self.fail(path, "must be a string")
                return False, None
            return True, raw
        if kind == FieldDescriptor.TYPE_BOOL:
            if not isinstance(raw, bool):
                self.fail(path, "must be true or false")
                return False, None
            return True, raw
        if kind in _INT_RANGES:
            low, high = _INT_RANGES[kind]
            if isinstance(raw, bool) or not isinstance(raw, int):
                self.fail(path, "must be an integer")
                return False, None
            if not low <= raw <= high:
                self.fail(path, "must be an integer between {low} and {high}", low=low, high=high)
                return False, None
            return True, raw
        if kind in _FLOATS:
            if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
                self.fail(path, "must be a number")
                return False, None
            if abs(raw) > 1e300:
                self.fail(path, "must be a number")
                return False, None
            return True, float(raw)
        if kind == FieldDescriptor.TYPE_BYTES:
            if not isinstance(raw, str):
                self.fail(path, "must be base64 text")
                return False, None
            try:
                return True, base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                self.fail(path, "must be base64 text")
                return False, None
        if kind == FieldDescriptor.TYPE_ENUM:
            values = descriptor.enum_type.values_by_name
            if isinstance(raw, str) and raw in values:
                return True, values[raw].number
            self.fail(path, "must be one of: {allowed}", allowed=", ".join(values))
            return False, None
        self.fail(path, "must be a string")
        return False, None

    def timestamp(self, raw: Any, path: str, target: Any) -> bool:
        if not isinstance(raw, str):
            self.fail(path, "must be a date and time (RFC 3339)")
            return False
        moment = parse_instant(raw, self.zone, day_end=False, allow_date=False)
        if moment is None:
            self.fail(path, "must be a date and time (RFC 3339)")
            return False
        target.FromDatetime(moment.astimezone(UTC))
        return True

    def message(
        self, data: Any, target: Any, prefix: str, depth: int, skip: Iterable[str] = ()
    ) -> None:
        if depth > MAX_DEPTH:
            self.fail(prefix.rstrip(".") or "body", "is nested too deeply")
            return
        if not isinstance(data, Mapping):
            self.fail(prefix.rstrip(".") or "body", "must be a JSON object")
            return
        known = fields_by_http_name(target.DESCRIPTOR)
        skipped = set(skip)
        for key, raw in data.items():
            path = f"{prefix}{key}"
            descriptor = known.get(key)
            if descriptor is None or key in skipped:
                self.fail(path, "is not a known field")
                continue
            rules = field_rules(descriptor)
            if raw is None or (rules is not None and rules.output_only):
                continue
            self.field(descriptor, raw, target, path, depth)

    def field(self, descriptor: Any, raw: Any, target: Any, path: str, depth: int) -> None:
        name = descriptor.name
        is_message = descriptor.type == FieldDescriptor.TYPE_MESSAGE
        if is_repeated(descriptor):
            if is_message and descriptor.message_type.GetOptions().map_entry:
                self.map_field(descriptor, raw, getattr(target, name), path, depth)
                return
            if not isinstance(raw, list):
                self.fail(path, "must be a list")
                return
            container = getattr(target, name)
            for index, item in enumerate(raw):
                item_path = f"{path}[{index}]"
                if is_message:
                    self.nested(descriptor, item, container.add(), item_path, depth)
                else:
                    ok, value = self.scalar(descriptor, item, item_path)
                    if ok:
                        container.append(value)
            return
        if is_message:
            self.nested(descriptor, raw, getattr(target, name), path, depth)
            return
        ok, value = self.scalar(descriptor, raw, path)
        if ok:
            setattr(target, name, value)

    def nested(self, descriptor: Any, raw: Any, target: Any, path: str, depth: int) -> None:
        full_name = descriptor.message_type.full_name
        if full_name == TIMESTAMP:
            self.timestamp(raw, path, target)
            return
        if full_name in JSON_VALUES:
            if full_name == "google.protobuf.Struct" and not isinstance(raw, Mapping):
                self.fail(path, "must be a JSON object")
                return
            try:
                json_format.ParseDict(raw, target)
            except (json_format.ParseError, RecursionError, TypeError, ValueError):
                self.fail(path, "is nested too deeply")
            return
        if hasattr(target, "SetInParent"):
            target.SetInParent()
        self.message(raw, target, f"{path}.", depth + 1)

    def map_field(self, descriptor: Any, raw: Any, container: Any, path: str, depth: int) -> None:
        if not isinstance(raw, Mapping):
            self.fail(path, "must be a JSON object")
            return
        value_field = descriptor.message_type.fields_by_name["value"]
        for key, item in raw.items():
            item_path = f"{path}.{key}"
            if value_field.type == FieldDescriptor.TYPE_MESSAGE:
                self.nested(value_field, item, container[key], item_path, depth)
            else:
                ok, value = self.scalar(value_field, item, item_path)
                if ok:
                    container[key] = value


def from_json(
    data: Any, message: Any, zone: tzinfo, *, skip: Iterable[str] = (), prefix: str = ""
) -> list[Violation]:
    """Fill ``message`` from a JSON object; the violations found (none: all read)."""
    reader = _Reader(zone)
    reader.message(data, message, prefix, 0, skip)
    return reader.violations


_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def from_query(
    args: Mapping[str, list[str]], message: Any, zone: tzinfo, *, skip: Iterable[str] = ()
) -> list[Violation]:
    """Fill ``message`` from query parameters (name → values); unknown names are violations."""
    reader = _Reader(zone)
    known = fields_by_http_name(message.DESCRIPTOR)
    skipped = set(skip)
    for key, values in args.items():
        descriptor = known.get(key)
        if descriptor is None or key in skipped:
            reader.fail(key, "is not a known query parameter")
            continue
        repeated = is_repeated(descriptor)
        if not repeated and len(values) > 1:
            reader.fail(key, "must be given once")
            continue
        for value in values:
            _query_value(reader, descriptor, key, value, message, repeated)
    return reader.violations


def _query_value(
    reader: _Reader, descriptor: Any, key: str, text: str, message: Any, repeated: bool
) -> None:
    kind = descriptor.type
    name = descriptor.name
    if kind == FieldDescriptor.TYPE_MESSAGE:
        if descriptor.message_type.full_name != TIMESTAMP or repeated:
            reader.fail(key, "is not a known query parameter")
            return
        rules = field_rules(descriptor)
        day_end = bool(rules is not None and rules.day_end)
        moment = parse_instant(text, reader.zone, day_end=day_end, allow_date=True)
        if moment is None:
            reader.fail(key, "must be a date (YYYY-MM-DD) or a date and time (RFC 3339)")
            return
        getattr(message, name).FromDatetime(moment.astimezone(UTC))
        return
    raw: Any = text
    if kind in _INT_RANGES:
        try:
            raw = int(text.strip())
        except ValueError:
            reader.fail(key, "must be an integer")
            return
    elif kind in _FLOATS:
        try:
            raw = float(text.strip())
        except ValueError:
            reader.fail(key, "must be a number")
            return
    elif kind == FieldDescriptor.TYPE_BOOL:
        lowered = text.strip().lower()
        if lowered not in _TRUE | _FALSE:
            reader.fail(key, "must be true or false")
            return
        raw = lowered in _TRUE
    ok, value = reader.scalar(descriptor, raw, key)
    if not ok:
        return
    if repeated:
        getattr(message, name).append(value)
    else:
        setattr(message, name, value)
