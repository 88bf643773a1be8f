"""Idempotency-Key: replay, mismatch, in flight, and when a key may be claimed again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.domain.idempotency import (
    IdempotencyPolicy,
    Outcome,
    StoredRequest,
    key_problem,
    request_fingerprint,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HASH = request_fingerprint("POST", "/api/v1/documents", b'{"title": "t"}')


def stored(status: int | None, age: timedelta = timedelta(seconds=1)) -> StoredRequest:
    return StoredRequest(request_hash=HASH, created_at=NOW - age, status_code=status)


def test_same_body_with_other_key_order_and_spacing_is_the_same_request() -> None:
    assert request_fingerprint("POST", "/a", b'{"a":1,"b":[1,2]}') == request_fingerprint(
        "post", "/a", b'{ "b": [1, 2], "a": 1 }'
    )


def test_different_body_or_path_is_a_different_request() -> None:
    assert request_fingerprint("POST", "/a", b'{"a":1}') != request_fingerprint(
        "POST", "/a", b'{"a":2}'
    )
    assert request_fingerprint("POST", "/a", b"{}") != request_fingerprint("POST", "/b", b"{}")


def test_first_use_proceeds_and_a_completed_one_replays() -> None:
    policy = IdempotencyPolicy()
    assert policy.decide(None, HASH, NOW) is Outcome.PROCEED
    assert policy.decide(stored(201), HASH, NOW) is Outcome.REPLAY


def test_same_key_with_another_request_is_a_mismatch() -> None:
    assert IdempotencyPolicy().decide(stored(201), "other", NOW) is Outcome.MISMATCH


def test_request_still_running_makes_its_duplicate_wait() -> None:
    assert IdempotencyPolicy().decide(stored(None), HASH, NOW) is Outcome.IN_FLIGHT


def test_abandoned_claim_and_expired_record_may_be_claimed_again() -> None:
    policy = IdempotencyPolicy()
    assert policy.decide(stored(None, timedelta(minutes=5)), HASH, NOW) is Outcome.PROCEED
    assert policy.decide(stored(201, timedelta(days=2)), "other", NOW) is Outcome.PROCEED


def test_server_failures_are_not_remembered() -> None:
    assert IdempotencyPolicy.remembers(422)
    assert not IdempotencyPolicy.remembers(503)


def test_blank_or_overlong_keys_are_refused() -> None:
    assert key_problem("  ")
    assert key_problem("k" * 201)
    assert key_problem("0b9d6c2e-key") is None


def test_an_in_flight_409_says_when_the_lease_ends() -> None:
    policy = IdempotencyPolicy()
    assert policy.lease_left(stored(None, timedelta(seconds=15)), NOW) == 45
    assert policy.lease_left(stored(None, timedelta(seconds=59, milliseconds=500)), NOW) == 1
