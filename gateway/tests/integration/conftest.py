"""The gateway against a real, migrated database (SQLite, and PostgreSQL when
SECRETARIAT_TEST_DATABASE_URL is set), driven through Flask's test client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from directory.adapters.passwords import fast_passwords
from directory.seed import ensure_admin, seed_demo
from directory.server import directory_service_spec
from directory.service_layer.directory import DirectoryService
from gateway.app import create_app, gateway_of
from gateway.migrate import MIGRATIONS_DIR
from gateway.settings import GatewaySettings
from secretariat_shared.clock import ManualClock
from secretariat_shared.db import Database
from secretariat_shared.grpc_server import RunningService
from secretariat_shared.identity import IdentityVerifier, generate_keypair
from secretariat_shared.test_databases import migrate_test_database

ADMIN_PASSWORD = "admin-secret"
INTERNAL_SECRET = "internal-test-secret-of-32-bytes-or-more"


def directory_service(app: Flask) -> DirectoryService:
    """The directory's use cases on the app's database (seeding)."""
    gateway = gateway_of(app)
    return DirectoryService(gateway.db, gateway.passwords, gateway.clock)


@pytest.fixture(scope="session")
def keypair() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def internal_secret() -> str:
    return INTERNAL_SECRET


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def migrated_database_url(database_url: str) -> str:
    migrate_test_database(MIGRATIONS_DIR, database_url)
    return database_url


@pytest.fixture
def directory_address(
    migrated_database_url: str, keypair: tuple[str, str], clock: ManualClock
) -> Iterator[str]:
    """The Directory gRPC server on the test database: the gateway transcodes the
    directory's and the calendar's HTTP routes to it."""
    database = Database(migrated_database_url)
    verifier = IdentityVerifier(keypair[1], clock, INTERNAL_SECRET)
    running = RunningService(
        directory_service_spec(database, verifier, clock, passwords=fast_passwords())
    ).start()
    yield f"127.0.0.1:{running.port}"
    running.stop()
    database.dispose()


@pytest.fixture
def make_settings(
    migrated_database_url: str, keypair: tuple[str, str], directory_address: str
) -> Callable[..., GatewaySettings]:
    def make(**overrides: Any) -> GatewaySettings:
        values: dict[str, Any] = {
            "database_url": migrated_database_url,
            "identity_private_key": keypair[0],
            "identity_public_key": keypair[1],
            "internal_token_secret": INTERNAL_SECRET,
            "directory_address": directory_address,
        }
        values.update(overrides)
        return GatewaySettings(**values)

    return make


@pytest.fixture
def make_app(
    make_settings: Callable[..., GatewaySettings], clock: ManualClock
) -> Iterator[Callable[..., Flask]]:
    """Apps on the test database with the admin account; ``clock`` may be replaced."""
    apps: list[Flask] = []

    def make(*, app_clock: Any = None, **overrides: Any) -> Flask:
        app = create_app(
            make_settings(**overrides), clock=app_clock or clock, passwords=fast_passwords()
        )
        ensure_admin(directory_service(app), ADMIN_PASSWORD)
        apps.append(app)
        return app

    yield make
    for app in apps:
        gateway_of(app).close()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def login(client: FlaskClient) -> Callable[[str, str], dict[str, str]]:
    """Log in through the API; return the Authorization header to send."""

    def do_login(username: str, password: str = "demo") -> dict[str, str]:
        response = client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    return do_login


@pytest.fixture
def admin(login: Callable[[str, str], dict[str, str]]) -> dict[str, str]:
    return login("admin", ADMIN_PASSWORD)


@pytest.fixture
def demo_org(app: Flask) -> None:
    seed_demo(directory_service(app))
