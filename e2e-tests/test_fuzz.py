"""The fuzz tier (issue 13): schemathesis generates requests for every operation
in ``/openapi.json``, as an administrator and as an employee, against a system of
its own; no answer may be a 5xx, and every error is ``application/problem+json``.

The number of examples per operation is bounded (``SECRETARIAT_FUZZ_EXAMPLES``,
default 8) so the tier fits in CI.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from run_system import SERVICES, Ports, System
from secretariat_shared import testing

pytestmark = pytest.mark.e2e

ADMIN_PASSWORD = "fuzz-admin-password"
EXAMPLES = int(os.environ.get("SECRETARIAT_FUZZ_EXAMPLES", "8"))
# Moving the shared clock would only slow the other operations down.
SKIPPED = {("POST", "/api/v1/testing/clock")}


def _modes() -> list[str]:
    return ["embedded", "servers"] if testing.pg_admin_url() else ["embedded"]


@pytest.fixture(scope="module", params=_modes())
def fuzz_system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    pg = testing.pg_admin_url() if request.param == "servers" else None
    prefix = f"sec_fuzz_{uuid.uuid4().hex[:8]}"
    system = System(
        tmp_path_factory.mktemp(f"fuzz-{request.param}"),
        Ports.random(),
        testing=True,
        postgres_url=pg,
        database_prefix=prefix,
        admin_password=ADMIN_PASSWORD,
    )
    try:
        system.start(timeout=120)
        yield system
    finally:
        system.stop()
        if pg:
            for name in ("gateway", *SERVICES):
                testing.drop_database(pg, system.database_url(name))


def _content_type(response: Any) -> str:
    value = response.headers.get("content-type") or response.headers.get("Content-Type") or ""
    return str(value[0] if isinstance(value, list) else value)


def _token(base: str, username: str, password: str) -> str:
    reply = httpx.post(
        f"{base}/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access_token"])


def _fuzz(
    operation: Any,
    key: tuple[str, str],
    base: str,
    token: str,
    failures: dict[tuple[str, str], str],
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
        database=None,
    )
    @given(case=operation.as_strategy())
    def exercise(case: Any) -> None:
        response = case.call(base_url=base, headers={"Authorization": f"Bearer {token}"})
        status = response.status_code
        broken = status >= 500 or (
            status >= 400 and not _content_type(response).startswith("application/problem+json")
        )
        if broken and key not in failures:
            failures[key] = (
                f"{status} {response.text[:200]} path={case.path_parameters} "
                f"query={case.query} body={str(case.body)[:200]}"
            )

    exercise()


@pytest.mark.parametrize("who", ["admin", "employee"])
def test_no_operation_answers_5xx_and_every_error_is_a_problem(
    fuzz_system: System, who: str
) -> None:
    base = fuzz_system.http_url
    token = (
        _token(base, "admin", ADMIN_PASSWORD) if who == "admin" else _token(base, "he.ping", "demo")
    )
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    failures: dict[tuple[str, str], str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        if key in SKIPPED:
            continue
        operations += 1

        _fuzz(operation, key, base, token, failures)
    assert operations > 100
    assert failures == {}, "\n".join(f"{m} {p}: {why}" for (m, p), why in failures.items())
