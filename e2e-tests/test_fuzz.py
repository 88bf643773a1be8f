"""The fuzz tier (issue 13): schemathesis generates requests for every operation
in ``/openapi.json``, as an administrator and as an employee, on each stack; no
answer may be a 5xx, and every error is ``application/problem+json``. It runs on
the shared system after every other test (conftest ``LAST``): the random data it
leaves behind troubles no one.

The number of examples per operation is bounded (``SECRETARIAT_FUZZ_EXAMPLES``,
default 8, for the administrator) so the tier fits in CI. Every operation is
called in both roles, but the employee's budget is smaller where more examples
would find nothing new: an operation behind a role gate answers the employee
403 before it reads any input (``test_authorization_matrix.py``), so one example
shows that refusal is a problem answer; elsewhere the input handling is the
administrator's to explore (the same validation, and every write admitted), so
the employee, whose own concern is being refused or let through, gets half.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from e2ekit import Api
from run_system import System

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("SECRETARIAT_FUZZ_EXAMPLES", "8"))
BUDGET = {"admin": EXAMPLES, "employee": max(1, EXAMPLES // 2)}
# Moving the shared clock would only slow the other operations down.
SKIPPED = {("POST", "/api/v1/testing/clock")}


def _content_type(response: Any) -> str:
    value = response.headers.get("content-type") or response.headers.get("Content-Type") or ""
    return str(value[0] if isinstance(value, list) else value)


def _fuzz(
    operation: Any,
    key: tuple[str, str],
    base: str,
    token: str,
    failures: dict[tuple[str, str], str],
    examples: int,
) -> set[int]:
    """Call ``operation`` with ``examples`` generated requests; return the statuses."""
    statuses: set[int] = set()

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
        database=None,
    )
    @given(case=operation.as_strategy())
    def exercise(case: Any) -> None:
        response = case.call(base_url=base, headers={"Authorization": f"Bearer {token}"})
        status = response.status_code
        statuses.add(status)
        broken = status >= 500 or (
            status >= 400 and not _content_type(response).startswith("application/problem+json")
        )
        if broken and key not in failures:
            failures[key] = (
                f"{status} {response.text[:200]} path={case.path_parameters} "
                f"query={case.query} body={str(case.body)[:200]}"
            )

    exercise()
    return statuses


@pytest.mark.parametrize("who", ["admin", "employee"])
def test_no_operation_answers_5xx_and_every_error_is_a_problem(
    system: System, admin: Api, login: Callable[..., Api], who: str
) -> None:
    base = system.http_url
    api = admin if who == "admin" else login("he.ping")
    token = str(api.client.headers["Authorization"]).removeprefix("Bearer ")
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    failures: dict[tuple[str, str], str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        if key in SKIPPED:
            continue
        operations += 1
        budget = BUDGET[who]
        if who == "employee":
            if _fuzz(operation, key, base, token, failures, 1) == {403}:
                continue  # behind a role gate: any input meets the same refusal
            budget -= 1
        if budget > 0:
            _fuzz(operation, key, base, token, failures, budget)
    assert operations > 100
    assert failures == {}, "\n".join(f"{m} {p}: {why}" for (m, p), why in failures.items())
