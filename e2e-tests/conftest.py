"""The whole system as processes, driven only through the gateway's HTTP API.

Runs on the embedded defaults (SQLite, embedded bus) and, when
SECRETARIAT_TEST_DATABASE_URL / SECRETARIAT_TEST_AMQP_URL are set, again on
a throwaway PostgreSQL database per service and a throwaway RabbitMQ vhost.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2ekit import Api, password_of  # noqa: E402
from run_system import SERVICES, Ports, System  # noqa: E402
from secretariat_shared import testing  # noqa: E402

T = TypeVar("T")
ADMIN_PASSWORD = "e2e-admin-password"


def _modes() -> list[str]:
    modes = ["embedded"]
    if testing.pg_admin_url() or testing.amqp_admin_url():
        modes.append("servers")
    return modes


@pytest.fixture(scope="session", params=_modes())
def system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    pg = amqp = None
    prefix = f"sec_e2e_{uuid.uuid4().hex[:8]}"
    if request.param == "servers":
        pg = testing.pg_admin_url()
        admin_amqp = testing.amqp_admin_url()
        if admin_amqp:
            testing.check_amqp_reachable(admin_amqp)
            amqp = testing.create_throwaway_vhost(admin_amqp)
    sys_ = System(
        tmp_path_factory.mktemp(f"system-{request.param}"),
        Ports.random(),
        testing=True,
        postgres_url=pg,
        amqp_url=amqp,
        database_prefix=prefix,
        admin_password=ADMIN_PASSWORD,
    )
    try:
        sys_.start(timeout=90)
        yield sys_
    finally:
        sys_.stop()
        if pg:
            for name in ("gateway", *SERVICES):
                testing.drop_database(pg, sys_.database_url(name).replace("+psycopg", "+psycopg"))
        if amqp:
            testing.delete_vhost(amqp)


@pytest.fixture
def login(system: System) -> Callable[..., Api]:
    def make(username: str, password: str | None = None) -> Api:
        return Api(system.http_url, username, password or password_of(username))

    return make


@pytest.fixture
def admin(login: Callable[..., Api]) -> Api:
    return login("admin", ADMIN_PASSWORD)
