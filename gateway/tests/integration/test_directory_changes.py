"""Issue 21: a directory change reaches every process that caches directory
answers, through ``directory.person.changed`` / ``directory.department.changed``
on the bus, long before the caches' TTL (SPEC X-01).

The gateway (Flask test client) changes the directory; the Directory server
relays its outbox to the bus; a service's :class:`GrpcDirectory` (TTL 300 s
here) with its broadcast listener, and a second gateway process's caller
records, drop what changed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from directory.adapters.tables import people
from directory.seed import seed_demo
from directory.server import directory_service_spec
from directory.service_layer.directory import DirectoryService
from directory.service_layer.directory_events import person_changed
from gateway.app import gateway_of
from gateway.service_layer.auth import PersonCache
from secretariat_shared.bus import BusTopology
from secretariat_shared.clock import ManualClock
from secretariat_shared.db import Database
from secretariat_shared.directory import GrpcDirectory
from secretariat_shared.directory_sync import DirectoryChangeListener
from secretariat_shared.grpc_server import RunningService
from secretariat_shared.identity import IdentityVerifier, service_token

pytestmark = pytest.mark.integration


@dataclass
class ServiceSide:
    """What a service process holds: a cached Directory client and its listener."""

    directory: GrpcDirectory
    listener: DirectoryChangeListener


def eventually(check: Callable[[], Any], timeout: float = 10.0) -> float:
    """Seconds until ``check()`` is truthy; fails after ``timeout``."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            pytest.fail(f"not within {timeout}s")
        time.sleep(0.05)
    return time.monotonic() - start


@pytest.fixture
def service_side(
    app: Flask,
    bus_url: str,
    keypair: tuple[str, str],
    internal_secret: str,
) -> Iterator[ServiceSide]:
    gateway = gateway_of(app)
    clock = ManualClock()
    # The gateway's listener uses the platform's exchange; the bus is this test's own.
    topology = BusTopology()
    seed_demo(DirectoryService(gateway.db, gateway.passwords, gateway.clock))
    database = Database(gateway.settings.database_url)
    running = RunningService(
        directory_service_spec(
            database,
            IdentityVerifier(keypair[1], clock, internal_secret),
            clock,
            amqp_url=bus_url,
            topology=topology,
        )
    ).start()
    directory = GrpcDirectory(
        f"127.0.0.1:{running.port}",
        lambda: service_token("documents", internal_secret, clock),
        ttl=300.0,
    )
    listener = DirectoryChangeListener(bus_url, topology, "documents")
    stop = threading.Event()
    thread = threading.Thread(target=listener.run, args=(stop,), daemon=True)
    thread.start()
    assert listener.connected.wait(10), "the listener did not connect"
    try:
        yield ServiceSide(directory, listener)
    finally:
        stop.set()
        thread.join(10)
        directory.close()
        running.stop()
        database.dispose()


def test_x01_a_new_role_holder_reaches_a_service_before_the_ttl(
    client: FlaskClient, admin: dict[str, str], service_side: ServiceSide
) -> None:
    directory = service_side.directory
    before = directory.role_holders("secretariat")
    assert "qian.yue" not in before
    created = client.post(
        "/api/v1/people",
        json={
            "username": "qian.yue",
            "name": "钱悦",
            "password": "s3cret-Pass",
            "department_code": "SEC",
            "roles": ["employee", "secretariat"],
        },
        headers=admin,
    )
    assert created.status_code == 201, created.get_json()
    eventually(lambda: "qian.yue" in directory.role_holders("secretariat"))
    assert directory.person("qian.yue") is not None


def test_x01_a_changed_head_reaches_a_service_before_the_ttl(
    client: FlaskClient, admin: dict[str, str], service_side: ServiceSide
) -> None:
    directory = service_side.directory
    department = directory.department("SEC")
    assert department is not None
    assert department.head_username == "zhao.min"
    changed = client.patch(
        "/api/v1/departments/SEC", json={"head_username": "sun.li"}, headers=admin
    )
    assert changed.status_code == 200, changed.get_json()
    eventually(lambda: getattr(directory.department("SEC"), "head_username", "") == "sun.li")

    deactivated = client.patch("/api/v1/people/sun.li", json={"active": False}, headers=admin)
    assert deactivated.status_code == 200, deactivated.get_json()
    eventually(lambda: directory.person("sun.li") is None)
    eventually(lambda: "sun.li" not in directory.role_holders("secretariat"))


def test_x01_another_gateway_process_refuses_a_deactivated_caller_at_once(
    make_app: Callable[..., Flask],
    bus_url: str,
    service_side: ServiceSide,
) -> None:
    """The caller record a gateway process caches (5 s) is dropped when the change
    was made by another process: here the change is written straight to the
    database with its event, as another gateway replica's transaction would."""
    listening = make_app(amqp_url=bus_url)
    listener = gateway_of(listening).directory_changes
    assert listener is not None
    assert listener.connected.wait(10), "the gateway's listener did not connect"
    client = listening.test_client()
    token = client.post(
        "/api/v1/auth/login", json={"username": "zhang.wei", "password": "demo"}
    ).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    generation = PersonCache.generation

    gateway = gateway_of(listening)
    clock = ManualClock()
    with gateway.db.write_session() as session:
        directory = DirectoryService(gateway.db, gateway.passwords, gateway.clock)
        person = directory.get_person("zhang.wei").person
        session.execute(update(people).where(people.c.username == "zhang.wei").values(active=False))
        person_changed(session, person, _deactivated(person), clock.now())
        session.commit()
    eventually(lambda: PersonCache.generation > generation, timeout=4.0)
    # The service side's listener in this process may drop the cache first; the
    # gateway's own listener must hear the change too.
    eventually(lambda: listener.heard >= 1, timeout=4.0)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def _deactivated(person: Any) -> Any:
    from dataclasses import replace

    return replace(person, active=False)
