"""POST /api/v1/testing/clock moves every process's clock, only in testing mode."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask

from directory.adapters.passwords import fast_passwords
from directory.seed import seed_demo
from directory.service_layer.directory import DirectoryService
from gateway.app import gateway_of
from secretariat_shared.clock import OffsetFileClock

pytestmark = pytest.mark.integration


def login(client: object, username: str, password: str) -> dict[str, str]:
    response = client.post(  # type: ignore[attr-defined]
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def test_clock_route_does_not_exist_outside_testing(client: object, admin: dict[str, str]) -> None:
    response = client.post(  # type: ignore[attr-defined]
        "/api/v1/testing/clock", json={"advance_seconds": 60}, headers=admin
    )
    assert response.status_code == 404


def test_admin_moves_every_processs_clock(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    clock_file = tmp_path / "clock-offset"
    app = make_app(testing=True, clock_file=str(clock_file), app_clock=OffsetFileClock(clock_file))
    client = app.test_client()
    gateway = gateway_of(app)
    seed_demo(DirectoryService(gateway.db, fast_passwords(), gateway.clock))
    headers = login(client, "admin", "admin-secret")
    other_process = OffsetFileClock(clock_file)
    before = other_process.now()

    response = client.post(
        "/api/v1/testing/clock", json={"advance_seconds": 3 * 86400}, headers=headers
    )
    assert response.status_code == 200
    now = datetime.fromisoformat(response.get_json()["now"])
    assert (now - before).total_seconds() >= 3 * 86400
    assert (other_process.now() - before).total_seconds() >= 3 * 86400
    # Tokens age with the clock: three days on, the old one has expired.
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    headers = login(client, "admin", "admin-secret")

    refused = client.post(
        "/api/v1/testing/clock",
        json={"advance_seconds": 60},
        headers=login(client, "zhang.wei", "demo"),
    )
    assert refused.status_code == 403
    backwards = client.post("/api/v1/testing/clock", json={"advance_seconds": -5}, headers=headers)
    assert backwards.status_code == 422
