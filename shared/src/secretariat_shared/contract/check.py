"""The one checker of the field rules, for the gateway and the services alike.

A violation carries an English message id and its parameters so that each
reader gets it in their language (:mod:`secretariat_shared.i18n`).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from google.protobuf.descriptor import FieldDescriptor

from secretariat_shared.contract.options import field_rules, http_name
from secretariat_shared.i18n import translate

MAX_VIOLATIONS = 50
_STRING = FieldDescriptor.TYPE_STRING
_MESSAGE = FieldDescriptor.TYPE_MESSAGE
_NUMERIC = {
    FieldDescriptor.TYPE_INT32,
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT32,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED32,
    FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED32,
    FieldDescriptor.TYPE_SFIXED64,
    FieldDescriptor.TYPE_DOUBLE,
    FieldDescriptor.TYPE_FLOAT,
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URI = re.compile(r"^https?://[^\s\x00-\x1f\x7f]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Violation:
    """One field that breaks a rule: where, and the message id with its values."""

    field: str
    msgid: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    def message(self, language: str) -> str:
        return translate(self.msgid, language, **self.params)


def is_repeated(descriptor: Any) -> bool:
    repeated = getattr(descriptor, "is_repeated", None)
    if repeated is not None:
        return bool(repeated)
    return bool(descriptor.label == FieldDescriptor.LABEL_REPEATED)


def has_presence(descriptor: Any) -> bool:
    if is_repeated(descriptor):
        return False
    return bool(descriptor.has_presence)


@functools.cache
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def _scalar_violations(
    path: str, value: Any, rules: Any, kind: int, zero_is_unset: bool = True
) -> list[Violation]:
    found: list[Violation] = []
    if kind == _STRING and isinstance(value, str):
        if "\x00" in value:
            found.append(Violation(path, "must not contain NUL characters"))
        if rules.HasField("min_len") and len(value) < rules.min_len:
            found.append(
                Violation(path, "must be at least {limit} characters", {"limit": rules.min_len})
            )
        if rules.HasField("max_len") and len(value) > rules.max_len:
            found.append(
                Violation(path, "must be at most {limit} characters", {"limit": rules.max_len})
            )
        if value and getattr(rules, "in") and value not in getattr(rules, "in"):
            found.append(
                Violation(
                    path, "must be one of: {allowed}", {"allowed": ", ".join(getattr(rules, "in"))}
                )
            )
        if value and rules.pattern and not _pattern(rules.pattern).fullmatch(value):
            found.append(Violation(path, "does not have the expected form"))
        if value and rules.format == "email" and not _EMAIL.match(value):
            found.append(Violation(path, "must be an e-mail address"))
        if value and rules.format == "uri" and not _URI.match(value):
            found.append(Violation(path, "must be an http or https address"))
        if value and rules.format == "date" and not _DATE.match(value):
            found.append(Violation(path, "must be a date (YYYY-MM-DD)"))
    elif kind in _NUMERIC and isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            found.append(Violation(path, "must be a number"))
        unset = zero_is_unset and value == 0 and not rules.required
        if rules.HasField("gte") and value < rules.gte and not unset:
            found.append(Violation(path, "must be {limit} or more", {"limit": _number(rules.gte)}))
        if rules.HasField("lte") and value > rules.lte:
            found.append(Violation(path, "must be {limit} or less", {"limit": _number(rules.lte)}))
    return found


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _is_empty(message: Any, descriptor: Any) -> bool:
    if is_repeated(descriptor):
        return len(getattr(message, descriptor.name)) == 0
    if has_presence(descriptor):
        return not message.HasField(descriptor.name)
    value = getattr(message, descriptor.name)
    return value in ("", 0, 0.0, False, b"")


def violations(message: Any, prefix: str = "", depth: int = 0) -> list[Violation]:
    """Every rule the message breaks, nested messages included, at most
    :data:`MAX_VIOLATIONS`.

    Numbers: proto3 cannot tell 0 from "not given", so a lower bound does
    not refuse 0 unless the field is also ``required`` (0 means "default").
    """
    found: list[Violation] = []
    if depth > 32:
        return found
    for descriptor in message.DESCRIPTOR.fields:
        rules = field_rules(descriptor)
        path = f"{prefix}{http_name(descriptor)}"
        repeated = is_repeated(descriptor)
        if rules is not None:
            if rules.output_only:
                continue
            if rules.required and _is_empty(message, descriptor):
                found.append(Violation(path, "is required"))
                continue
        value = getattr(message, descriptor.name)
        if repeated:
            if rules is not None:
                if rules.HasField("min_items") and 0 < len(value) < rules.min_items:
                    found.append(
                        Violation(
                            path, "must have at least {limit} items", {"limit": rules.min_items}
                        )
                    )
                if rules.HasField("max_items") and len(value) > rules.max_items:
                    found.append(
                        Violation(
                            path, "must have at most {limit} items", {"limit": rules.max_items}
                        )
                    )
                if rules.unique and descriptor.type != _MESSAGE and len(set(value)) != len(value):
                    found.append(Violation(path, "must not repeat an item"))
            if descriptor.type == _MESSAGE:
                if descriptor.message_type.GetOptions().map_entry:
                    continue
                for index, item in enumerate(value):
                    found.extend(violations(item, f"{path}[{index}].", depth + 1))
            else:
                item_rules = rules.items if rules is not None and rules.HasField("items") else None
                for index, item in enumerate(value):
                    if item_rules is not None:
                        if item_rules.required and item in ("", 0):
                            found.append(Violation(f"{path}[{index}]", "is required"))
                        found.extend(
                            _scalar_violations(
                                f"{path}[{index}]", item, item_rules, descriptor.type
                            )
                        )
                    elif descriptor.type == _STRING and "\x00" in item:
                        found.append(
                            Violation(f"{path}[{index}]", "must not contain NUL characters")
                        )
        elif descriptor.type == _MESSAGE:
            if message.HasField(descriptor.name) and descriptor.message_type.full_name.startswith(
                "secretariat."
            ):
                found.extend(violations(value, f"{path}.", depth + 1))
        elif rules is not None:
            if has_presence(descriptor) and not message.HasField(descriptor.name):
                continue
            found.extend(
                _scalar_violations(
                    path, value, rules, descriptor.type, zero_is_unset=not has_presence(descriptor)
                )
            )
        elif descriptor.type == _STRING and "\x00" in value:
            found.append(Violation(path, "must not contain NUL characters"))
        if len(found) >= MAX_VIOLATIONS:
            return found[:MAX_VIOLATIONS]
    return found
