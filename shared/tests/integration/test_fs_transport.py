"""The embedded filesystem transport under concurrency (ENGINEERING rules 5 and 6).

kombu's stock filesystem channel let a consumer claim a message file the
publisher had created but not yet written: the read was torn, the message
undecodable and lost (1 in 10,000 in the performance bench). Ours writes a
hidden temporary file and renames it into place, and claims by renaming
inside the message folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from secretariat_shared.bus import (
    BusTopology,
    Consumer,
    EventPublisher,
    OutgoingEvent,
    Queue,
    connect,
)
from secretariat_shared.fs_transport import TEMPORARY_PREFIX
from secretariat_shared.testing import filesystem_bus_url

pytestmark = pytest.mark.integration

PUBLISHER = """
import sys
from secretariat_shared.bus import BusTopology, EventPublisher, OutgoingEvent
url, prefix, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
publisher = EventPublisher(url, BusTopology(prefix=prefix))
for start in range(first, first + count, 20):
    publisher.publish_batch([
        OutgoingEvent(("m%d" % n).encode().ljust(4000, b"x"), "tests.thing.done", "m%d" % n, "")
        for n in range(start, min(start + 20, first + count))
    ])
publisher.close()
"""

CONSUMER = """
import json, os, sys, time
from secretariat_shared.bus import BusTopology, Consumer, connect
url, prefix, folder, me = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
connection = connect(url)
channel = connection.channel()
queue = BusTopology(prefix=prefix).declare_service(channel, "tests", ["tests.#"])
got, errors = [], []

def on_message(message):
    if len(message.body) != 4000:
        errors.append("torn body of %d bytes" % len(message.body))
    got.append(message.headers["event-id"])
    message.ack()

consumer = Consumer(channel, queues=[queue], no_ack=False, auto_declare=False,
                    on_message=on_message, prefetch_count=20)
consumer.consume()
open(os.path.join(folder, me + ".ready"), "w").close()
quiet_since = None
while True:
    try:
        connection.drain_events(timeout=0.2)
        quiet_since = None
    except TimeoutError:
        if os.path.exists(os.path.join(folder, "stop")):
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 2:
                break
    except Exception as exc:  # a torn read surfaces here as a decode error
        errors.append(repr(exc))
connection.release()
with open(os.path.join(folder, me + ".json"), "w") as f:
    json.dump({"got": got, "errors": errors}, f)
"""


def _start(code: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code, *args])


def _wait_for(path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} did not appear"
        time.sleep(0.05)


def test_concurrent_publishers_and_consumers_get_every_message_exactly_once_rule5(
    tmp_path: Path,
) -> None:
    """4 publisher and 3 competing consumer processes on one folder: each of
    6,000 messages of 4 KB arrives whole, at exactly one consumer."""
    url = filesystem_bus_url(tmp_path / "bus")
    work = tmp_path / "work"
    work.mkdir()
    prefix = "stress."
    consumers = [_start(CONSUMER, url, prefix, str(work), f"c{i}") for i in range(3)]
    publishers: list[subprocess.Popen[bytes]] = []
    try:
        for i in range(3):
            _wait_for(work / f"c{i}.ready", 120)
        publishers = [_start(PUBLISHER, url, prefix, str(i * 1500), "1500") for i in range(4)]
        for p in publishers:
            assert p.wait(timeout=600) == 0
        (work / "stop").touch()
        for c in consumers:
            assert c.wait(timeout=600) == 0
    finally:
        for p in [*publishers, *consumers]:
            if p.poll() is None:
                p.kill()
    reports = [json.loads((work / f"c{i}.json").read_text()) for i in range(3)]
    assert [r["errors"] for r in reports] == [[], [], []]
    received = [m for r in reports for m in r["got"]]
    assert sorted(received) == sorted(f"m{n}" for n in range(6000))
    assert all(r["got"] for r in reports), "the consumers did not share the queue"
    leftovers = [n for n in os.listdir(tmp_path / "bus" / "messages") if not n.startswith(".")]
    assert leftovers == []


def test_a_message_still_being_written_is_not_read_rule5(tmp_path: Path) -> None:
    """What a publisher leaves mid-write (a hidden temporary file) is invisible to
    consumers; the finished messages around it arrive."""
    url = filesystem_bus_url(tmp_path / "bus")
    topology = BusTopology(prefix="partial.")
    connection = connect(url)
    received: list[bytes] = []
    try:
        channel = connection.channel()
        queue = topology.declare_service(channel, "tests", ["tests.#"])

        def on_message(message: object) -> None:
            received.append(message.body)  # type: ignore[attr-defined]
            message.ack()  # type: ignore[attr-defined]

        consumer = Consumer(
            channel, queues=[queue], no_ack=False, auto_declare=False, on_message=on_message
        )
        consumer.consume()
        messages = tmp_path / "bus" / "messages"
        half = messages / f"{TEMPORARY_PREFIX}1_x.{topology.queue_name('tests')}.msg"
        half.write_bytes(b'{"body": "dG9')  # a torn JSON document
        publisher = EventPublisher(url, topology)
        publisher.publish_batch([OutgoingEvent(b"whole", "tests.thing.done", "e1", "")])
        publisher.close()
        deadline = time.monotonic() + 30
        while not received and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                connection.drain_events(timeout=0.2)
        with pytest.raises(TimeoutError):
            connection.drain_events(timeout=0.5)
    finally:
        connection.release()
    assert received == [b"whole"]
    assert half.exists()


def test_queues_binding_a_new_exchange_at_once_all_hear_its_messages_rule5(
    tmp_path: Path,
) -> None:
    """Twelve processes' listeners start together on a fresh exchange (the
    directory-change broadcast of X-01): every binding is kept, so a message
    published afterwards reaches every queue."""
    url = filesystem_bus_url(tmp_path / "bus")
    topology = BusTopology(prefix="bind.")
    start = threading.Barrier(12)
    failures: list[BaseException] = []

    def bind(n: int) -> None:
        connection = connect(url)
        try:
            channel = connection.channel()
            exchange = topology.events_exchange()(channel)
            exchange.declare()
            start.wait()
            for key in ("tests.a.done", "tests.b.done"):
                Queue(f"q{n}", exchange=exchange, routing_key=key, durable=False)(channel).declare()
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.release()

    threads = [threading.Thread(target=bind, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    publisher = EventPublisher(url, topology)
    try:
        publisher.publish_batch([OutgoingEvent(b"hello", "tests.a.done", "e1", "")])
    finally:
        publisher.close()
    connection = connect(url)
    try:
        channel = connection.channel()
        heard = {n for n in range(12) if channel.basic_get(f"q{n}", no_ack=True) is not None}
    finally:
        connection.release()
    assert heard == set(range(12))
