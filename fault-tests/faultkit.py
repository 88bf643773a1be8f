"""The system under fault: its processes behind cuttable links, a registration load, checks.

:class:`FaultySystem` is the launcher's :class:`run_system.System` whose
services reach RabbitMQ through one shared link (``broker``) and their
PostgreSQL database through one link each (``db:<service>``).
:func:`register_load` drives D-01 registrations through the gateway as a
careful client would (one Idempotency-Key per registration, retried until
acknowledged) while a fault is injected; :func:`check_register` and
:func:`check_effects_once` are the invariants every scenario ends with.
"""

from __future__ import annotations

import dataclasses
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from e2ekit import Api, Unit, all_pages, document, eventually
from gateway.settings import GatewaySettings
from links import Link, Network
from run_system import System
from secretariat_shared import bus

DEADLINE = float(
    next(f.default for f in dataclasses.fields(GatewaySettings) if f.name == "grpc_deadline")  # type: ignore[arg-type]
)
"""The gateway's deadline for a call to a service (its default ``grpc_deadline``)."""
CLIENT_TIMEOUT = DEADLINE + 20.0
"""How long a client waits for an answer: the deadline with room for a busy machine.
A request still unanswered then is a hang."""
STEP_ASSIGNED = "document_step_assigned"


class FaultySystem(System):
    """The system with every service's broker and database connections on links."""

    def __init__(self, *args: Any, network: Network, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.network = network
        self.broker = network.link("broker", self.bus_url())

    def db_link(self, service: str) -> Link:
        """The link between ``service`` and its database."""
        name = f"db:{service}"
        if name not in self.network.links:
            assert self.postgres_url
            self.network.link(name, self.postgres_url)
        return self.network.links[name]

    def service_env(self, name: str, replica: int = 1) -> dict[str, str]:
        env = super().service_env(name, replica)
        env["SECRETARIAT_DATABASE_URL"] = self.db_link(name).proxied(
            env["SECRETARIAT_DATABASE_URL"]
        )
        env["SECRETARIAT_AMQP_URL"] = self.broker.proxied(env["SECRETARIAT_AMQP_URL"])
        return env

    def gateway_env(self, replica: int = 1) -> dict[str, str]:
        env = super().gateway_env(replica)
        env["SECRETARIAT_AMQP_URL"] = self.broker.proxied(env["SECRETARIAT_AMQP_URL"])
        return env

    def outbox_unsent(self, service: str) -> float:
        """``secretariat_outbox_unsent`` of a service, from its /metrics."""
        port = self.metrics_ports(service)[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
            text = reply.read().decode()
        for line in text.splitlines():
            if line.startswith("secretariat_outbox_unsent{"):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    def ready(self, service: str) -> int:
        """Messages waiting in a service's queue (not those delivered and unacked)."""
        assert self.amqp_url
        with bus.connect(self.amqp_url) as connection:
            _, count, _ = connection.default_channel.queue_declare(
                queue=f"{service}.events", passive=True
            )
        return int(count)

    def queued(self, service: str) -> int:
        """Messages in a service's queue, ready or delivered and not yet acked
        (``rabbitmqctl``: seconds per call, so only once the cheap checks pass)."""
        assert self.amqp_url
        vhost = urllib.parse.unquote(urllib.parse.urlsplit(self.amqp_url).path.lstrip("/"))
        listing = subprocess.run(
            ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "messages"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for line in listing.splitlines():
            name, _, count = line.partition("\t")
            if name == f"{service}.events" and count.strip().isdigit():
                return int(count)
        raise AssertionError(f"no queue {service}.events in {vhost}: {listing!r}")


@dataclass
class Load:
    """What a registration load saw."""

    acknowledged: dict[str, str] = field(default_factory=dict)
    """Idempotency-Key → the number it was acknowledged with."""
    failed: Counter[int] = field(default_factory=Counter)
    """Failed attempts by HTTP status (0: no answer, the connection failed)."""
    not_problems: list[str] = field(default_factory=list)
    """Failed answers that were not application/problem+json."""
    hangs: int = 0
    """Requests unanswered within :data:`CLIENT_TIMEOUT`."""
    acked_at: list[float] = field(default_factory=list)
    """When each registration was acknowledged (monotonic clock)."""

    @property
    def failures(self) -> int:
        return sum(self.failed.values())


def register_load(
    clerk: Api,
    unit: Unit,
    count: int,
    fault: Callable[[], None],
    fault_after: int,
    workers: int = 4,
) -> Load:
    """Register ``count`` documents, ``workers`` at a time, and run ``fault`` on its
    own thread once ``fault_after`` are acknowledged (the rest in flight and still
    to come); return when every registration is acknowledged and ``fault`` is done.

    Each registration has its own Idempotency-Key and is retried with it after
    a failed attempt, as the API asks of clients (X-05)."""
    load = Load()
    lock = threading.Lock()
    fault_due = threading.Event()
    http = httpx.Client(
        base_url=clerk.base_url, headers=dict(clerk.client.headers), timeout=CLIENT_TIMEOUT
    )

    def register(i: int) -> None:
        key = f"fault-{uuid.uuid4()}"
        body = document(unit.code, title=f"故障演练登记{i}")
        give_up = time.monotonic() + 180
        while time.monotonic() < give_up:
            try:
                reply = http.post("/api/v1/documents", json=body, headers={"Idempotency-Key": key})
            except httpx.TimeoutException:
                with lock:
                    load.hangs += 1
                    load.failed[0] += 1
                continue
            except httpx.TransportError:
                with lock:
                    load.failed[0] += 1
                time.sleep(0.3)
                continue
            if reply.status_code == 201:
                with lock:
                    load.acknowledged[key] = str(reply.json()["number"])
                    load.acked_at.append(time.monotonic())
                    if len(load.acknowledged) >= fault_after:
                        fault_due.set()
                return
            with lock:
                load.failed[reply.status_code] += 1
                if not reply.headers.get("content-type", "").startswith("application/problem+json"):
                    load.not_problems.append(f"{reply.status_code} {reply.text[:200]}")
            # 409: the same key still in flight on a gateway worker; 5xx: the fault.
            time.sleep(0.3)
        raise AssertionError(f"registration {i} never acknowledged; {load.failed}")

    with ThreadPoolExecutor(workers) as pool:
        pending = [pool.submit(register, i) for i in range(count)]
        assert fault_due.wait(120), "too few registrations acknowledged before the fault"
        injector = threading.Thread(target=fault, name="fault")
        injector.start()
        for future in pending:
            future.result()
        injector.join()
    http.close()
    return load


def check_register(clerk: Api, unit: Unit, load: Load) -> list[dict[str, Any]]:
    """D-01 after the fault: every acknowledged number is in the register, each
    once, and the department's numbers run 1…n without a gap. Return the register."""
    listed = all_pages(clerk, "/api/v1/documents", department_code=unit.code)
    numbers = [d["number"] for d in listed]
    assert len(numbers) == len(set(numbers)), "a number was given twice"
    sequences = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert sequences == list(range(1, len(sequences) + 1)), f"gap in {sequences}"
    acknowledged = list(load.acknowledged.values())
    assert len(set(acknowledged)) == len(acknowledged), "two registrations got one number"
    missing = set(acknowledged) - set(numbers)
    assert not missing, f"acknowledged but not registered: {sorted(missing)}"
    # A registration that committed but whose answer was lost (its attempt failed)
    # is in the register without an acknowledgement; its retry got the key's answer
    # or registered once more. Never more than the failed attempts.
    assert len(numbers) <= len(acknowledged) + load.failures
    return listed


def _step_notices(head: Api) -> Counter[str]:
    return Counter(
        str(item["subject_ref"])
        for item in all_pages(head, "/api/v1/inbox")
        if item["kind"] == STEP_ASSIGNED
    )


def check_effects_once(
    system: FaultySystem, head: Api, registered: list[dict[str, Any]], timeout: float = 90.0
) -> None:
    """Every registered document's ``documents.step.assigned`` event put exactly one
    notice in the head's inbox (infohub): checked once the documents outbox is
    drained and infohub's queue is empty, so nothing is still on its way."""
    expected = {f"documents/{d['id']}" for d in registered}

    def quiet() -> bool:
        return (
            expected <= set(_step_notices(head))
            and system.outbox_unsent("documents") == 0
            and system.ready("infohub") == 0
        )

    eventually(quiet, timeout=timeout, interval=1.0)
    eventually(lambda: quiet() and system.queued("infohub") == 0, timeout=timeout, interval=1.0)
    notices = _step_notices(head)
    assert set(notices) == expected, set(notices) ^ expected
    duplicated = {ref: n for ref, n in notices.items() if n != 1}
    assert not duplicated, f"an event's effect happened more than once: {duplicated}"
