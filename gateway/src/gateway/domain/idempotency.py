"""``Idempotency-Key`` rules: what a POST carrying a key already seen gets.

Keys are scoped per user. A completed request is replayed (same status and
body); the same key with a different request is refused; a request still in
flight makes its duplicate wait (409). A claim left in flight for longer
than ``stale_after`` (its worker died) and a record older than
``retain_for`` may be claimed afresh.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

MAX_KEY_LENGTH = 200


class Outcome(Enum):
    PROCEED = "proceed"
    REPLAY = "replay"
    MISMATCH = "mismatch"
    IN_FLIGHT = "in_flight"


@dataclass(frozen=True)
class StoredRequest:
    """What the store holds for one (username, key)."""

    request_hash: str
    created_at: datetime
    status_code: int | None
    response_body: str | None = None
    response_headers: dict[str, str] | None = None

    @property
    def completed(self) -> bool:
        return self.status_code is not None


@dataclass(frozen=True)
class IdempotencyPolicy:
    stale_after: timedelta = timedelta(seconds=60)
    retain_for: timedelta = timedelta(hours=24)

    def decide(self, stored: StoredRequest | None, request_hash: str, now: datetime) -> Outcome:
        if stored is None or self.reclaimable(stored, now):
            return Outcome.PROCEED
        if stored.request_hash != request_hash:
            return Outcome.MISMATCH
        if stored.completed:
            return Outcome.REPLAY
        return Outcome.IN_FLIGHT

    def reclaimable(self, stored: StoredRequest, now: datetime) -> bool:
        age = now - stored.created_at
        return age > self.retain_for or (not stored.completed and age > self.stale_after)

    def lease_left(self, stored: StoredRequest | None, now: datetime) -> int:
        """Whole seconds until an in-flight claim may be taken over (at least 1): the
        ``Retry-After`` of a 409, so a careful client waits for the lease, not 1 s."""
        if stored is None:
            return 1
        left = (stored.created_at + self.stale_after - now).total_seconds()
        return max(1, int(left + 0.999))

    @staticmethod
    def remembers(status_code: int) -> bool:
        """Server failures are not remembered: the client's retry should try again."""
        return status_code < 500


def key_problem(key: str) -> str | None:
    """Why a key is unusable, or None."""
    if not key.strip():
        return "must not be empty"
    if len(key) > MAX_KEY_LENGTH:
        return f"must be at most {MAX_KEY_LENGTH} characters"
    return None


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """A hash of the request that ignores JSON key order and whitespace."""
    try:
        canonical = json.dumps(
            json.loads(body or b"null"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    digest = hashlib.sha256()
    digest.update(method.upper().encode())
    digest.update(b"\n")
    digest.update(path.encode())
    digest.update(b"\n")
    digest.update(canonical)
    return digest.hexdigest()
