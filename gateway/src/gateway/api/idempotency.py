"""``Idempotency-Key`` on authenticated POSTs: a retry by the same user with the
same key gets the first answer and creates nothing new."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response
from werkzeug.wrappers import Request

from gateway.adapters.idempotency_store import SqlIdempotencyStore
from gateway.api.errors import problem_response
from gateway.domain.idempotency import Outcome, key_problem, request_fingerprint
from gateway.problems import (
    IDEMPOTENCY_IN_FLIGHT,
    IDEMPOTENCY_MISMATCH,
    Problem,
    ProblemError,
    validation_problem,
)
from secretariat_shared.clock import Clock
from secretariat_shared.errors import FieldError

REPLAYED_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("Location",)


class IdempotentRunner:
    def __init__(self, store: SqlIdempotencyStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def run(
        self,
        request: Request,
        language: str,
        username: str,
        key: str,
        raw_body: bytes,
        produce: Callable[[], Response],
    ) -> Response:
        """Answer once per (user, key): replay the stored answer to a retry."""
        reason = key_problem(key)
        if reason:
            return problem_response(
                validation_problem([FieldError("Idempotency-Key", reason)]), language
            )
        method = request.method
        path = request.path
        fingerprint = request_fingerprint(method, path, raw_body)
        outcome, stored = self._store.claim(
            username, key, method, path, fingerprint, self._clock.now()
        )
        if outcome is Outcome.MISMATCH:
            return problem_response(
                Problem(
                    status=422,
                    type=IDEMPOTENCY_MISMATCH,
                    title="Idempotency-Key reused",
                    detail="This Idempotency-Key was already used with a different request.",
                ),
                language,
            )
        if outcome is Outcome.IN_FLIGHT:
            return problem_response(
                Problem(
                    status=409,
                    type=IDEMPOTENCY_IN_FLIGHT,
                    title="Request in progress",
                    detail="A request with this Idempotency-Key is still being processed.",
                    headers={
                        "Retry-After": str(self._store.policy.lease_left(stored, self._clock.now()))
                    },
                ),
                language,
            )
        if outcome is Outcome.REPLAY and stored is not None and stored.status_code is not None:
            headers = dict(stored.response_headers or {})
            headers[REPLAYED_HEADER] = "true"
            content_type = headers.pop("Content-Type", "application/json")
            response = Response(
                stored.response_body or "", status=stored.status_code, content_type=content_type
            )
            response.headers.update(headers)
            return response

        try:
            response = produce()
        except ProblemError as exc:
            response = problem_response(exc.problem, language)
        except BaseException:
            self._store.release(username, key)
            raise
        if not self._store.policy.remembers(response.status_code):
            self._store.release(username, key)
            return response
        kept = {name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers}
        kept["Content-Type"] = response.content_type or "application/json"
        self._store.complete(
            username,
            key,
            response.status_code,
            response.get_data(as_text=True),
            kept,
            self._clock.now(),
        )
        return response
