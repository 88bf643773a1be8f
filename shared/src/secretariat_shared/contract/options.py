"""Reading our options and ``google.api.http`` from any descriptor.

Descriptors may come from the generated modules or from a pool built from
a service's reflection answer; options are re-read through the generated
option classes so that our extensions resolve in both cases.
"""

from __future__ import annotations

import functools
from typing import Any

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pb2

from secretariat.api.v1 import options_pb2

FieldRules = options_pb2.FieldRules
Operation = options_pb2.Operation


def _options(descriptor: Any, options_class: type[Any]) -> Any | None:
    if not descriptor.has_options:
        return None
    raw = descriptor.GetOptions().SerializeToString()
    return options_class.FromString(raw) if raw else None


@functools.cache
def field_rules(field: Any) -> Any | None:
    """The field's :class:`FieldRules`, or None."""
    options = _options(field, descriptor_pb2.FieldOptions)
    if options is None or not options.HasExtension(options_pb2.rules):
        return None
    return options.Extensions[options_pb2.rules]


@functools.cache
def operation_of(method: Any) -> Any:
    """The method's :class:`Operation` (empty when not declared)."""
    options = _options(method, descriptor_pb2.MethodOptions)
    if options is None or not options.HasExtension(options_pb2.operation):
        return Operation()
    return options.Extensions[options_pb2.operation]


@functools.cache
def http_rule_of(method: Any) -> Any | None:
    """The method's ``google.api.http`` rule, or None."""
    options = _options(method, descriptor_pb2.MethodOptions)
    if options is None or not options.HasExtension(annotations_pb2.http):
        return None
    rule: http_pb2.HttpRule = options.Extensions[annotations_pb2.http]
    return rule


def http_name(field: Any) -> str:
    """The field's name in JSON and query strings."""
    rules = field_rules(field)
    return rules.http_name if rules is not None and rules.http_name else str(field.name)


@functools.cache
def sent_fields_field(message: Any) -> Any | None:
    """The request's FieldMask the gateway fills with the JSON fields sent (``sent_fields``)."""
    for field in message.fields:
        rules = field_rules(field)
        if rules is not None and rules.sent_fields:
            return field
    return None
