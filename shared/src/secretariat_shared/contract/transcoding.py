"""One RPC over HTTP, both ways, without a web framework: the request message
from a route's path values, query and body, and what the answer becomes
(its body message, ``Location``, the headers a file answer passes on).

An HTTP front (the gateway, :mod:`gateway.api.transcoder`) matches the
route, authenticates, and turns the violations and errors into problems.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import tzinfo
from typing import Any
from urllib.parse import quote

from secretariat_shared.contract.check import Violation, violations
from secretariat_shared.contract.json_mapping import fields_by_http_name, from_json, from_query
from secretariat_shared.contract.options import http_name, sent_fields_field
from secretariat_shared.contract.routes import HTTP_BODY, Route

# Response metadata a service may set on a file answer, and its HTTP header;
# besides these, any `x-…` metadata passes under its own name (e.g. X-Seal-Id).
PASSED_HEADERS = {"content-disposition": "Content-Disposition"}


class BodyNotJson(ValueError):
    """The request body is not JSON."""


class BodyNotObject(ValueError):
    """The request body is JSON, but not an object."""


def request_message(
    route: Route,
    path_values: Mapping[str, str],
    query: Mapping[str, list[str]],
    body: bytes,
    content_type: str,
    zone: tzinfo,
) -> tuple[Any, list[Violation]]:
    """The route's request message, and every violation found reading and checking it.

    Raises :class:`BodyNotJson` or :class:`BodyNotObject` for a JSON body that is neither.
    """
    message = route.input_class()
    found: list[Violation] = []
    path_fields = set(route.template.fields)
    for name, text in path_values.items():
        found.extend(from_query({name: [text]}, message, zone))
    if route.body and raw_body_field(route) is not None:
        target = getattr(message, route.body)
        target.content_type = content_type
        target.data = body
        found.extend(from_query(query, message, zone, skip=path_fields | {route.body}))
    elif route.body:
        data = json_object(body)
        if route.body == "*":
            sent = sent_fields_field(route.input)
            skip = path_fields | ({http_name(sent)} if sent is not None else set())
            found.extend(from_json(data, message, zone, skip=skip))
            if sent is not None:
                _fill_sent(message, sent, data, skip)
        else:
            target = getattr(message, route.body)
            target.SetInParent()
            found.extend(from_json(data, target, zone))
            found.extend(from_query(query, message, zone, skip=path_fields | {route.body}))
    else:
        found.extend(from_query(query, message, zone, skip=path_fields))
    found.extend(violations(message))
    return message, found


def json_object(body: bytes) -> dict[str, Any]:
    """The JSON object a request body holds; an empty body is ``{}``."""
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BodyNotJson(str(exc)) from exc
    if not isinstance(data, dict):
        raise BodyNotObject(type(data).__name__)
    return data


def raw_body_field(route: Route) -> Any:
    """The request's `google.api.HttpBody` field that takes the raw HTTP body
    (with its Content-Type, e.g. a file or a multipart form), if its body is one."""
    if not route.body or route.body == "*":
        return None
    field = route.input.fields_by_name[route.body]
    if field.message_type is None or field.message_type.full_name != HTTP_BODY:
        return None
    return field


def _fill_sent(message: Any, sent: Any, data: dict[str, Any], skip: set[str]) -> None:
    """Name the body's fields as sent, null ones included (PATCH: null clears)."""
    known = fields_by_http_name(message.DESCRIPTOR)
    getattr(message, sent.name).paths.extend(
        known[key].name for key in data if key in known and key not in skip
    )


def answer_body(route: Route, answer: Any) -> Any:
    """The message the HTTP answer carries (``response_body``, else the whole answer)."""
    return getattr(answer, route.response_body) if route.response_body else answer


def location(template: str, payload: Mapping[str, Any]) -> str:
    """The operation's ``location`` template filled from the answer's JSON fields."""
    result = template
    for key, value in payload.items():
        token = "{" + key + "}"
        if token in result:
            result = result.replace(token, quote(str(value), safe=""))
    return result


def passed_headers(metadata: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
    """The HTTP headers a file answer's response metadata becomes."""
    return [
        (name, value)
        for key, value in metadata
        if (name := passed_header(key)) and isinstance(value, str) and _safe_header(value)
    ]


def passed_header(key: str) -> str:
    """The HTTP header a file answer's metadata key becomes ("" for none)."""
    if key in PASSED_HEADERS:
        return PASSED_HEADERS[key]
    if key.startswith("x-") and not key.endswith("-bin"):
        return "-".join(part.capitalize() for part in key.split("-"))
    return ""


def _safe_header(value: str) -> bool:
    return len(value) <= 1000 and not any(ord(c) < 32 or ord(c) == 127 for c in value)
