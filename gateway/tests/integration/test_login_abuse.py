"""Issue 13, "anyone can lock any account" and "an anonymous client slows the
gateway": throttling per username and per client, atomic counting, bounded
password checks, and the metric the alert reads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from prometheus_client import REGISTRY

from directory.adapters.passwords import Passwords, fast_passwords
from directory.seed import seed_demo
from directory.service_layer.directory import DirectoryService
from gateway.app import create_app, gateway_of
from gateway.settings import GatewaySettings
from secretariat_shared.clock import ManualClock

pytestmark = pytest.mark.integration

ATTACKER = {"REMOTE_ADDR": "10.9.9.9"}
OFFICE = {"REMOTE_ADDR": "10.1.1.7"}


class SlowPasswords(Passwords):
    """Real argon2 checks that take long enough for requests to overlap; counts them."""

    def __init__(self, seconds: float) -> None:
        inner = fast_passwords()
        super().__init__(inner._hasher)
        self.seconds = seconds
        self.checks = 0
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def verify(self, password_hash: str | None, password: str) -> bool:
        with self._lock:
            self.checks += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            time.sleep(self.seconds)
            return super().verify(password_hash, password)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def slow_app(
    make_settings: Callable[..., GatewaySettings], clock: ManualClock
) -> Iterator[Callable[..., tuple[Flask, SlowPasswords]]]:
    apps: list[Flask] = []

    def make(seconds: float = 0.05, **overrides: object) -> tuple[Flask, SlowPasswords]:
        passwords = SlowPasswords(seconds)
        app = create_app(make_settings(**overrides), clock=clock, passwords=passwords)
        gateway = gateway_of(app)
        seed_demo(DirectoryService(gateway.db, gateway.passwords, gateway.clock))
        apps.append(app)
        return app, passwords

    yield make
    for app in apps:
        gateway_of(app).close()


def attempt(app: Flask, username: str, password: str, environ: dict[str, str]) -> int:
    response = app.test_client().post(
        "/api/v1/auth/login",
        json={"username": username, "password": password},
        environ_base=environ,
    )
    return response.status_code


@pytest.mark.usefixtures("demo_org")
def test_wrong_guesses_from_elsewhere_cannot_keep_a_person_out(app: Flask) -> None:
    for _ in range(5):
        assert attempt(app, "zhang.wei", "guess", ATTACKER) == 401
    # The attacker is locked out, even with the right password...
    assert attempt(app, "zhang.wei", "demo", ATTACKER) == 429
    # ...but the person, from a client that has not failed, is not.
    assert attempt(app, "zhang.wei", "demo", OFFICE) == 200
    assert attempt(app, "zhang.wei", "demo", OFFICE) == 200


@pytest.mark.usefixtures("demo_org")
def test_one_client_spraying_many_usernames_is_slowed_down(
    make_app: Callable[..., Flask], clock: ManualClock
) -> None:
    app = make_app(login_client_free_failures=3)
    for username in ("a1", "a2", "a3", "a4"):
        assert attempt(app, username, "guess", ATTACKER) == 401
    assert attempt(app, "a5", "guess", ATTACKER) == 429
    clock.advance(1)
    assert attempt(app, "a5", "guess", ATTACKER) == 401
    # The next wait doubles.
    clock.advance(1)
    assert attempt(app, "a6", "guess", ATTACKER) == 429
    # Other clients are not affected.
    assert attempt(app, "zhang.wei", "demo", OFFICE) == 200


def test_thirty_concurrent_wrong_guesses_check_no_more_than_five_passwords(
    slow_app: Callable[..., tuple[Flask, SlowPasswords]],
) -> None:
    app, passwords = slow_app(seconds=0.05, login_concurrency=8)
    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(lambda _: attempt(app, "zhang.wei", "guess", ATTACKER), range(30)))
    assert statuses.count(401) == 5
    assert statuses.count(429) == 25
    assert passwords.checks == 5


def test_password_checks_queue_instead_of_running_all_at_once(
    slow_app: Callable[..., tuple[Flask, SlowPasswords]],
) -> None:
    app, passwords = slow_app(seconds=0.05, login_concurrency=1, login_queue=8)
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(
            pool.map(
                lambda n: attempt(app, "zhang.wei", "demo", {"REMOTE_ADDR": f"10.2.0.{n}"}),
                range(6),
            )
        )
    assert statuses == [200] * 6
    assert passwords.most_at_once == 1


@pytest.mark.usefixtures("demo_org")
def test_throttled_logins_are_counted_for_the_spike_alert(app: Flask) -> None:
    def throttled() -> float:
        return (
            REGISTRY.get_sample_value("secretariat_logins_throttled_total", {"reason": "username"})
            or 0.0
        )

    before = throttled()
    for _ in range(5):
        attempt(app, "sun.li", "guess", ATTACKER)
    assert attempt(app, "sun.li", "guess", ATTACKER) == 429
    assert throttled() == before + 1


@pytest.mark.usefixtures("demo_org")
def test_the_client_address_comes_from_a_trusted_proxy_only(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(trusted_proxy_hops=1)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    def through_proxy(password: str, client: str) -> int:
        return (
            app.test_client()
            .post(
                "/api/v1/auth/login",
                json={"username": "zhang.wei", "password": password},
                environ_base=proxy,
                headers={"X-Forwarded-For": client},
            )
            .status_code
        )

    for _ in range(5):
        assert through_proxy("guess", "203.0.113.5") == 401
    assert through_proxy("demo", "203.0.113.5") == 429
    assert through_proxy("demo", "198.51.100.8") == 200


def test_a_login_flood_beyond_the_queue_is_refused_at_once_instead_of_taking_every_thread(
    slow_app: Callable[..., tuple[Flask, SlowPasswords]],
) -> None:
    app, passwords = slow_app(seconds=0.3, login_concurrency=1, login_queue=1)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(
            pool.map(
                lambda n: app.test_client().post(
                    "/api/v1/auth/login",
                    json={"username": f"nobody{n}", "password": "guess"},
                    environ_base={"REMOTE_ADDR": f"10.3.0.{n}"},
                ),
                range(8),
            )
        )
    statuses = sorted(reply.status_code for reply in replies)
    assert statuses.count(401) >= 2
    assert statuses.count(429) >= 4
    busy = next(reply for reply in replies if reply.status_code == 429)
    assert busy.headers["Retry-After"] == "1"
    assert busy.get_json()["title"] == "Too many logins"
    assert passwords.checks == statuses.count(401)
    assert passwords.most_at_once == 1
    # Refused ones did not wait for the checks of the others.
    assert time.perf_counter() - started < 8 * 0.3
