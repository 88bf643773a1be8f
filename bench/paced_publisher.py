"""Publisher processes that offer events at a fixed rate, for the ingestion
benchmarks: the load must come from the bus as the services' relays send it
(persistent, confirmed), and the publishers must not be what limits the
figure.

Each of ``publishers`` processes sends its share of the events (every
``publishers``-th one) at ``rate / publishers`` a second. Everything that does
not depend on the moment is done before the common start: the envelopes are
built and, on RabbitMQ, each message is serialised to its AMQP frames
(method, header, body) once. While offering, a process writes every event
that has come due in one socket write and then waits once for the broker's
confirms of them (persistent messages are confirmed after they reach the
disk); a slow confirm makes the next slice larger instead of lowering the
rate, as it did with fixed slices of 10 ms (452–787 events/s out of 1,000).

On the filesystem transport a slice goes through ``EventPublisher``.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from amqp import spec
from amqp.method_framing import frame_writer
from amqp.serialization import dumps

from secretariat_shared.bus import (
    BusTopology,
    EventPublisher,
    OutgoingEvent,
    _Confirms,
    amqp_message,
    connect,
    is_amqp_url,
)

EventSource = Callable[[int], tuple[str, bytes]]
"""The n-th event as (event type, serialised envelope); must be picklable."""

_PUBLISH_ARGS = "Bssbb"
_SLICE_SECONDS = 0.005
"""At least this much of the offer goes in one write and one confirm wait."""


@dataclass
class Offer:
    """What the parent gets back: when the publishers started and finished, and
    the CPU seconds they spent while offering."""

    started: float
    finished: float
    cpu_seconds: float
    published: int

    @property
    def rate(self) -> float:
        return self.published / max(self.finished - self.started, 1e-9)


class _Captured:
    """A transport stand-in whose writes are kept: py-amqp's own frame writer
    serialises a message into it once."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: Any) -> None:
        self.chunks.append(bytes(data))


class _AmqpSender:
    """Publishes pre-serialised messages on one confirm-mode channel."""

    def __init__(self, bus_url: str, topology: BusTopology) -> None:
        self.connection = connect(bus_url, confirm_publish=False)
        self.connection.ensure_connection(max_retries=3)
        self.channel = self.connection.channel()
        topology.events_exchange()(self.channel).declare()
        self.confirms = _Confirms(self.channel)
        self.exchange = topology.exchange_name

    def prepare(self, events: Sequence[OutgoingEvent]) -> list[bytes]:
        client = self.connection.connection
        captured = _Captured()
        write = frame_writer(client, captured)
        frames = []
        for event in events:
            message = amqp_message(self.channel, event)
            args = dumps(_PUBLISH_ARGS, (0, self.exchange, event.event_type, False, False))
            write(1, self.channel.channel_id, spec.Basic.Publish, args, message)
            frames.append(b"".join(captured.chunks))
            captured.chunks.clear()
        return frames

    def send(self, frames: Sequence[bytes]) -> None:
        self.connection.connection.transport.write(b"".join(frames))
        for _ in frames:
            self.confirms.published()
        self.confirms.wait(self.connection, 30.0)

    def close(self) -> None:
        self.connection.release()


def _offer(
    bus_url: str,
    prefix: str,
    numbers: range,
    source: EventSource,
    rate: float,
    ready: Any,
    start_at: Any,
    report: Any,
) -> None:
    """One publisher process."""
    topology = BusTopology(prefix=prefix)
    events = []
    for n in numbers:
        event_type, body = source(n)
        events.append(OutgoingEvent(body, event_type, str(n), ""))
    send: Callable[[int, int], None]
    close: Callable[[], None]
    if is_amqp_url(bus_url):
        sender = _AmqpSender(bus_url, topology)
        frames = sender.prepare(events)
        send, close = (lambda a, b: sender.send(frames[a:b])), sender.close
    else:
        publisher = EventPublisher(bus_url, topology)
        publisher.connect()
        send, close = (lambda a, b: publisher.publish_batch(events[a:b])), publisher.close
    ready.release()
    while start_at.value == 0.0:
        time.sleep(0.001)
    began = start_at.value
    while time.time() < began:
        time.sleep(0.0005)
    cpu = time.process_time()
    sent, total = 0, len(events)
    slice_ = max(1, int(rate * _SLICE_SECONDS))
    while sent < total:
        due = total if not rate else min(total, int((time.time() - began) * rate) + 1)
        if due < total and due - sent < slice_:
            time.sleep(max(0.0005, began + (sent + slice_) / rate - time.time()))
            continue
        send(sent, due)
        sent = due
    report[0] = time.time()
    report[1] = time.process_time() - cpu
    report[2] = sent
    close()


class PacedPublishers:
    """``publishers`` processes offering ``count`` events from ``first`` at
    ``rate`` a second together (0: as fast as they can)."""

    def __init__(
        self,
        bus_url: str,
        prefix: str,
        source: EventSource,
        first: int,
        count: int,
        rate: float,
        publishers: int = 2,
    ) -> None:
        ctx = mp.get_context("spawn")
        self._ready = ctx.Semaphore(0)
        self._start_at = ctx.Value("d", 0.0, lock=False)
        self._reports = [ctx.Array("d", 3, lock=False) for _ in range(publishers)]
        self._children = [
            ctx.Process(
                target=_offer,
                args=(
                    bus_url,
                    prefix,
                    range(first + i, first + count, publishers),
                    source,
                    rate / publishers,
                    self._ready,
                    self._start_at,
                    report,
                ),
            )
            for i, report in enumerate(self._reports)
        ]
        for child in self._children:
            child.start()

    @property
    def pids(self) -> list[int]:
        return [child.pid or 0 for child in self._children]

    def start(self, lead: float = 0.2) -> float:
        """Wait until every publisher has its messages ready; start them together
        ``lead`` seconds from now; return that moment."""
        waiting = len(self._children)
        while waiting:
            if self._ready.acquire(timeout=1.0):
                waiting -= 1
            elif any(child.exitcode is not None for child in self._children):
                self.join()
        self._start_at.value = time.time() + lead
        return float(self._start_at.value)

    def join(self) -> Offer:
        for child in self._children:
            child.join()
            if child.exitcode != 0:
                for other in self._children:
                    other.kill()
                raise RuntimeError(f"publisher process failed with exit code {child.exitcode}")
        return Offer(
            started=float(self._start_at.value),
            finished=max(r[0] for r in self._reports),
            cpu_seconds=sum(r[1] for r in self._reports),
            published=int(sum(r[2] for r in self._reports)),
        )
