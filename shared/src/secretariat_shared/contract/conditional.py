"""Conditional reads across the gRPC hop: ``ETag`` and ``If-None-Match`` → 304 (issue 20).

The gateway passes a GET's ``If-None-Match`` to the service as metadata. The
service reads and checks access exactly as for any read, so who may read what
(X-03) and the audit of classified reads stay decided there; it then tags its
answer with an entity tag of the answer's bytes and, when the client already
holds that answer, sends an empty message marked not modified instead. The
gateway answers ``304 Not Modified`` without a body. A tag of the content,
rather than of a version column, also changes when the answer changes without
a write (e.g. a due time turning from provisional to final, X-02).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, TypeVar

import grpc

IF_NONE_MATCH = "if-none-match"
ETAG = "etag"
NOT_MODIFIED = "x-secretariat-not-modified"
MAX_HEADER = 1000

M = TypeVar("M")


def entity_tag(message: Any) -> str:
    """A strong entity tag of the answer's content."""
    digest = hashlib.blake2b(message.SerializeToString(deterministic=True), digest_size=16)
    return f'"{digest.hexdigest()}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether ``If-None-Match`` names ``tag`` (RFC 9110 §13.1.2: weak comparison,
    ``*`` matches any current answer)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = tag.removeprefix("W/")
    return any(
        candidate.strip().removeprefix("W/") == opaque for candidate in if_none_match.split(",")
    )


def forwardable(value: str | None) -> str | None:
    """An ``If-None-Match`` header that can travel as gRPC metadata, else None."""
    if not value or len(value) > MAX_HEADER or not (value.isascii() and value.isprintable()):
        return None
    return value


def conditional_answer(context: grpc.ServicerContext, message: M) -> M:
    """For a service's read: ``message`` tagged with its ETag, or an empty message marked
    not modified when the caller's ``If-None-Match`` names that tag."""
    tag = entity_tag(message)
    asked = _metadata(context.invocation_metadata() or (), IF_NONE_MATCH)
    if matches(asked, tag):
        context.send_initial_metadata(((ETAG, tag), (NOT_MODIFIED, "1")))
        return type(message)()
    context.send_initial_metadata(((ETAG, tag),))
    return message


def answer_tag(metadata: Iterable[tuple[str, Any]]) -> tuple[str | None, bool]:
    """For the gateway: the answer's ETag, and whether the service said not modified."""
    tag = _metadata(metadata, ETAG)
    return (tag if forwardable(tag) else None), _metadata(metadata, NOT_MODIFIED) == "1"


def _metadata(metadata: Iterable[tuple[str, Any]], key: str) -> str | None:
    for name, value in metadata:
        if name == key:
            return value.decode() if isinstance(value, bytes) else str(value)
    return None
