"""Issue 21: a directory change reaches every process's caches, not one replica
per service (SPEC X-01). Runs on the embedded transport, and on RabbitMQ when
SECRETARIAT_TEST_AMQP_URL is set."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from secretariat.directory.v1 import events_pb2
from secretariat_shared import directory_sync
from secretariat_shared.bus import BusTopology, EventPublisher, connect, is_filesystem_url
from secretariat_shared.directory import GrpcDirectory
from secretariat_shared.directory_sync import (
    DEPARTMENT_CHANGED,
    PERSON_CHANGED,
    DirectoryChange,
    DirectoryChangeListener,
)
from secretariat_shared.events import make_envelope

pytestmark = pytest.mark.integration


class Recorder:
    """A cache that writes down what it was told to forget."""

    def __init__(self) -> None:
        self.forgotten: list[DirectoryChange] = []

    def forget(self, change: DirectoryChange) -> None:
        self.forgotten.append(change)

    def keys(self) -> list[str]:
        return [c.key for c in self.forgotten if c.kind != directory_sync.EVERYTHING]


def eventually(check: Callable[[], Any], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.05)


@pytest.fixture
def topology(bus_namespace: str) -> BusTopology:
    return BusTopology(prefix=bus_namespace)


@pytest.fixture
def listeners(bus_url: str, topology: BusTopology) -> Iterator[list[DirectoryChangeListener]]:
    """Two replicas of one service, each with its own listener."""
    running = [DirectoryChangeListener(bus_url, topology, "documents") for _ in range(2)]
    stop = threading.Event()
    threads = [threading.Thread(target=r.run, args=(stop,), daemon=True) for r in running]
    for thread in threads:
        thread.start()
    for listener in running:
        assert listener.connected.wait(10)
    yield running
    stop.set()
    for thread in threads:
        thread.join(10)


def publish(bus_url: str, topology: BusTopology, event_type: str, payload: Any, key: str) -> None:
    envelope = make_envelope(event_type, "gateway", key, payload, datetime.now(UTC))
    publisher = EventPublisher(bus_url, topology)
    try:
        publisher.publish(envelope.SerializeToString(), event_type, envelope.id, "")
    finally:
        publisher.close()


def test_x01_every_replica_hears_a_directory_change(
    bus_url: str, topology: BusTopology, listeners: list[DirectoryChangeListener]
) -> None:
    cache = Recorder()
    directory_sync.register(cache)
    publish(
        bus_url,
        topology,
        PERSON_CHANGED,
        events_pb2.PersonChanged(
            username="qian.yue", change="created", roles=["secretariat", "employee"]
        ),
        "person:qian.yue",
    )
    publish(
        bus_url,
        topology,
        DEPARTMENT_CHANGED,
        events_pb2.DepartmentChanged(code="SEC", change="changed", usernames=["sun.li"]),
        "department:SEC",
    )
    # Both listeners (two replicas of one service) heard both events: a broadcast.
    eventually(lambda: all(listener.heard == 2 for listener in listeners))
    assert sorted(cache.keys()) == ["SEC", "SEC", "qian.yue", "qian.yue"]
    person = next(c for c in cache.forgotten if c.key == "qian.yue")
    assert person.roles == frozenset({"secretariat", "employee"})


def test_x01_a_change_drops_only_the_answers_it_touches() -> None:
    directory = GrpcDirectory("127.0.0.1:1", lambda: "unused", ttl=300)
    loads: list[str] = []

    def cached(key: tuple[str, str]) -> Any:
        def load() -> str:
            loads.append(key[1])
            return key[1]

        return directory._cached(key, load)

    for key in (("role", "secretariat"), ("role", "hr"), ("person", "a"), ("dept", "SEC")):
        cached(key)
    directory.forget(DirectoryChange(directory_sync.PERSON, "a", roles=frozenset({"secretariat"})))
    for key in (("role", "secretariat"), ("role", "hr"), ("person", "a"), ("dept", "SEC")):
        cached(key)
    assert loads == ["secretariat", "hr", "a", "SEC", "secretariat", "a"]
    directory.forget(DirectoryChange(directory_sync.DEPARTMENT, "SEC", people=frozenset({"a"})))
    cached(("dept", "SEC"))
    cached(("role", "hr"))
    assert loads[-1] == "SEC"
    directory.forget(directory_sync.FORGET_EVERYTHING)
    cached(("role", "hr"))
    assert loads[-1] == "hr"
    directory.close()


def test_x01_a_dead_process_queue_is_removed_on_the_embedded_bus(
    bus_url: str, topology: BusTopology
) -> None:
    if not is_filesystem_url(bus_url):
        return  # RabbitMQ deletes an exclusive queue with its connection.
    host = directory_sync._host()
    orphan = f"{topology.prefix}documents.directory-changes.{host}.999999999.deadbeef"
    connection = connect(bus_url)
    try:
        channel = connection.channel()
        topology.events_exchange()(channel).declare()
        channel.queue_bind(orphan, topology.exchange_name, PERSON_CHANGED)
        assert orphan in {e.queue for e in channel.get_table(topology.exchange_name)}
    finally:
        connection.release()
    listener = DirectoryChangeListener(bus_url, topology, "documents")
    stop = threading.Event()
    thread = threading.Thread(target=listener.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert listener.connected.wait(10)
        connection = connect(bus_url)
        try:
            queues = {e.queue for e in connection.channel().get_table(topology.exchange_name)}
        finally:
            connection.release()
        assert orphan not in queues
        assert listener.queue_name in queues
    finally:
        stop.set()
        thread.join(10)
    connection = connect(bus_url)
    try:
        queues = {e.queue for e in connection.channel().get_table(topology.exchange_name)}
    finally:
        connection.release()
    assert listener.queue_name not in queues, "a stopped listener leaves no binding behind"
