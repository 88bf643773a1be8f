"""Outbox relay, bus and idempotent consumer together (ENGINEERING rules 4, 5, 6, 9).

Every test runs on SQLite and the embedded filesystem transport, and on
PostgreSQL and RabbitMQ when ``SECRETARIAT_TEST_DATABASE_URL`` and
``SECRETARIAT_TEST_AMQP_URL`` are set.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from secretariat.documents.v1 import events_pb2
from secretariat_shared.bus import BusTopology, EventPublisher, PublishFailed, Queue, connect
from secretariat_shared.clock import ManualClock
from secretariat_shared.consumer import EventConsumer, topic_matches
from secretariat_shared.db import Database
from secretariat_shared.events import ReceivedEvent, make_envelope
from secretariat_shared.relay import OutboxRelay
from secretariat_shared.tables import PlatformTables
from secretariat_shared.uow import UnitOfWork

pytestmark = pytest.mark.integration

REGISTERED = "documents.document.registered"
UNREACHABLE_BUS = "amqp://guest:guest@127.0.0.1:1//"


class Schema:
    def __init__(self) -> None:
        self.metadata = MetaData()
        self.platform = PlatformTables(self.metadata)
        self.effects = Table(
            "effects",
            self.metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("event_id", String(36), nullable=False),
            Column("handler", String(100), nullable=False),
            Column("worker", String(100), nullable=False, default=""),
        )


@pytest.fixture
def schema() -> Schema:
    return Schema()


@pytest.fixture
def db(database_url: str, schema: Schema) -> Iterator[Database]:
    database = Database(database_url)
    schema.metadata.create_all(database.engine)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def topology(bus_namespace: str) -> BusTopology:
    return BusTopology(prefix=f"{bus_namespace}.")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def publisher(bus_url: str, topology: BusTopology) -> Iterator[EventPublisher]:
    publisher = EventPublisher(bus_url, topology)
    try:
        yield publisher
    finally:
        publisher.close()


class Harness:
    """Builds consumers, units of work and effects for one test."""

    def __init__(
        self,
        bus_url: str,
        topology: BusTopology,
        db: Database,
        schema: Schema,
        clock: ManualClock,
    ) -> None:
        self.bus_url = bus_url
        self.topology = topology
        self.db = db
        self.schema = schema
        self.clock = clock
        self.consumers: list[EventConsumer] = []

    def uow(
        self, source: str = "documents", on_commit: Callable[[], None] | None = None
    ) -> UnitOfWork:
        return UnitOfWork(self.db, self.schema.platform, source, self.clock, on_commit=on_commit)

    def consumer(self, service: str = "records", **kwargs: Any) -> EventConsumer:
        options: dict[str, Any] = {"max_attempts": 3, "base_backoff": 0.02, "prefetch": 10}
        options.update(kwargs)
        consumer = EventConsumer(
            self.bus_url,
            self.topology,
            service,
            self.db,
            self.schema.platform,
            lambda: self.uow(source=service),
            poll_interval=0.1,
            clock=self.clock,
            **options,
        )
        self.consumers.append(consumer)
        return consumer

    def recorder(
        self, handler: str, worker: str = "", after: Callable[[], None] | None = None
    ) -> Callable[[UnitOfWork, ReceivedEvent], None]:
        def record(uow: UnitOfWork, event: ReceivedEvent) -> None:
            uow.session.execute(
                insert(self.schema.effects).values(
                    event_id=event.id, handler=handler, worker=worker
                )
            )
            if after is not None:
                after()

        return record

    def effects(self, handler: str | None = None) -> list[tuple[str, str]]:
        effects = self.schema.effects
        query = select(effects.c.event_id, effects.c.worker).order_by(effects.c.id)
        if handler is not None:
            query = query.where(effects.c.handler == handler)
        with self.db.reading() as session:
            return [(row.event_id, row.worker) for row in session.execute(query)]

    def effect_ids(self, handler: str | None = None) -> list[str]:
        return [event_id for event_id, _ in self.effects(handler)]

    def count(self, table: Table, *where: Any) -> int:
        with self.db.reading() as session:
            return int(
                session.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
            )

    def emit(self, n: int = 1, event_type: str = REGISTERED) -> list[str]:
        """Commit ``n`` events through a unit of work; return their ids."""
        ids = []
        with self.uow() as uow:
            for i in range(n):
                ids.append(uow.emit(event_type, f"doc-{i}", registered(f"doc-{i}")))
            uow.commit()
        return ids

    def dead_letters(self, service: str = "records") -> list[Any]:
        """Drain the service's dead-letter queue."""
        found = []
        connection = connect(self.bus_url)
        try:
            queue = self.topology.dead_letter_queue(service)(connection.channel())
            while (message := queue.get(no_ack=True)) is not None:
                found.append(message)
        finally:
            connection.release()
        return found

    def close(self) -> None:
        for consumer in self.consumers:
            consumer.close()


@pytest.fixture
def harness(
    bus_url: str, topology: BusTopology, db: Database, schema: Schema, clock: ManualClock
) -> Iterator[Harness]:
    harness = Harness(bus_url, topology, db, schema, clock)
    try:
        yield harness
    finally:
        harness.close()


def registered(document_id: str) -> events_pb2.DocumentRegistered:
    return events_pb2.DocumentRegistered(
        document_id=document_id, number=f"N-{document_id}", title="Budget circular"
    )


def envelope_bytes(event_type: str = REGISTERED, event_id: str | None = None) -> tuple[str, bytes]:
    envelope = make_envelope(
        event_type,
        "documents",
        "doc-1",
        registered("doc-1"),
        ManualClock().now(),
        event_id=event_id or str(uuid.uuid4()),
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )
    return envelope.id, envelope.SerializeToString()


def pump(consumers: list[EventConsumer], done: Callable[[], bool], timeout: float = 15.0) -> None:
    """Let the consumers work until ``done()`` or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        for consumer in consumers:
            consumer.consume_once(0.1)


def wait_for(done: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Running:
    """Workers run in threads, stopped and joined on exit."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self, worker: Any) -> None:
        thread = threading.Thread(target=worker.run, args=(self.stop,), daemon=True)
        thread.start()
        self.threads.append(thread)

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=10)
            assert not thread.is_alive()


class FailingPublisher(EventPublisher):
    def publish_batch(self, events: Any, *, retry: bool = True) -> None:
        raise PublishFailed("broker said no")


# -- topology ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("documents.step.*", "documents.step.assigned", True),
        ("documents.step.*", "documents.step", False),
        ("documents.step.*", "documents.step.assigned.late", False),
        ("documents.#", "documents.step.assigned", True),
        ("documents.#", "documents", True),
        ("#", "infohub.notice.published", True),
        ("*.notice.published", "infohub.notice.published", True),
        ("documents.step.assigned", "documents.step.returned", False),
    ],
)
def test_topic_patterns_follow_amqp_rules_rule6(pattern: str, key: str, expected: bool) -> None:
    assert topic_matches(pattern, key) is expected


def test_topology_names_are_prefixed_rule6() -> None:
    topology = BusTopology(prefix="t1.")
    assert topology.exchange_name == "t1.secretariat.events"
    assert topology.dead_letter_exchange_name == "t1.secretariat.events.dead"
    assert topology.queue_name("documents") == "t1.documents.events"
    assert topology.dead_letter_queue_name("documents") == "t1.documents.events.dead"
    exchange = topology.events_exchange()
    assert (exchange.type, exchange.durable) == ("topic", True)
    queue = topology.service_queue("records", ["documents.step.*", "documents.step.*"])
    assert queue.durable
    assert [b.routing_key for b in queue.bindings] == ["documents.step.*"]


def test_unsupported_bus_url_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported bus URL"):
        connect("redis://localhost")
    with pytest.raises(ValueError, match="absolute"):
        connect("filesystem://relative/dir")


# -- rule 4: transactional outbox --------------------------------------------


def test_committed_event_reaches_consumer_thread_rolled_back_never_rule4(
    harness: Harness, publisher: EventPublisher
) -> None:
    relay = OutboxRelay(harness.db, harness.schema.platform, publisher, harness.clock, "documents")
    consumer = harness.consumer()
    consumer.subscribe("documents.document.*", "records.register", harness.recorder("register"))
    consumer.declare()

    with Running() as running:
        running.start(relay)
        running.start(consumer)
        with harness.uow(on_commit=relay.wake) as uow:
            committed = uow.emit(REGISTERED, "doc-1", registered("doc-1"))
            uow.commit()
        with harness.uow(on_commit=relay.wake) as uow:
            uow.emit(REGISTERED, "doc-2", registered("doc-2"))
            uow.rollback()
        with harness.uow(on_commit=relay.wake) as uow:
            uow.emit(REGISTERED, "doc-3", registered("doc-3"))
        wait_for(lambda: len(harness.effect_ids()) >= 1)
        time.sleep(0.5)

    assert harness.effect_ids() == [committed]
    outbox = harness.schema.platform.outbox
    assert harness.count(outbox) == 1
    assert harness.count(outbox, outbox.c.sent_at.is_(None)) == 0


def test_broker_down_rows_stay_unsent_then_all_published_rule4(
    harness: Harness, publisher: EventPublisher
) -> None:
    outbox = harness.schema.platform.outbox
    consumer = harness.consumer()
    consumer.subscribe("documents.#", "records.register", harness.recorder("register"))
    consumer.declare()
    ids = harness.emit(5)
    failures_before = metric("secretariat_outbox_publish_failures_total", service="documents")

    down = EventPublisher(UNREACHABLE_BUS, harness.topology, connect_timeout=1.0)
    refusing = FailingPublisher(harness.bus_url, harness.topology)
    try:
        for broken in (down, refusing):
            relay = OutboxRelay(
                harness.db, harness.schema.platform, broken, harness.clock, "documents"
            )
            assert relay.run_once() == 0
            assert relay.consecutive_failures == 1
    finally:
        down.close()
        refusing.close()

    assert harness.count(outbox, outbox.c.sent_at.is_(None)) == 5
    with harness.db.reading() as session:
        rows = session.execute(select(outbox.c.attempts, outbox.c.last_error)).all()
    assert all(row.attempts == 2 for row in rows)
    assert all("broker said no" in row.last_error for row in rows)
    assert (
        metric("secretariat_outbox_publish_failures_total", service="documents")
        == failures_before + 2
    )
    harness.clock.advance(42)
    relay = OutboxRelay(harness.db, harness.schema.platform, publisher, harness.clock, "documents")
    assert relay.refresh_metrics() == (5, 42.0)
    assert metric("secretariat_outbox_unsent", service="documents") == 5
    assert metric("secretariat_outbox_lag_seconds", service="documents") == 42.0

    assert relay.run_once() == 5
    assert relay.run_once() == 0
    assert relay.refresh_metrics() == (0, 0.0)
    assert harness.count(outbox, outbox.c.sent_at.is_(None)) == 0
    pump([consumer], lambda: len(harness.effect_ids()) >= 5)
    assert sorted(harness.effect_ids()) == sorted(ids)


def test_relay_worker_retries_until_broker_accepts_rule4(
    harness: Harness, publisher: EventPublisher
) -> None:
    """A relay thread keeps retrying with backoff; once publishing works, nothing is lost."""
    outbox = harness.schema.platform.outbox
    consumer = harness.consumer()
    consumer.subscribe("documents.#", "records.register", harness.recorder("register"))
    consumer.declare()
    accepting = threading.Event()
    original = publisher.publish_batch

    def flaky(events: Any, *, retry: bool = True) -> None:
        if not accepting.is_set():
            raise PublishFailed("broker down")
        original(events, retry=retry)

    publisher.publish_batch = flaky  # type: ignore[method-assign]
    relay = OutboxRelay(
        harness.db,
        harness.schema.platform,
        publisher,
        harness.clock,
        "documents",
        retry_backoff=0.02,
        max_backoff=0.1,
    )
    with Running() as running:
        running.start(relay)
        ids = harness.emit(20)
        wait_for(lambda: relay.consecutive_failures >= 2)
        assert harness.count(outbox, outbox.c.sent_at.is_(None)) == 20
        accepting.set()
        wait_for(lambda: harness.count(outbox, outbox.c.sent_at.is_(None)) == 0)
    pump([consumer], lambda: len(harness.effect_ids()) >= 20)
    assert sorted(harness.effect_ids()) == sorted(ids)


def test_relay_replicas_publish_each_row_once_rule4(
    harness: Harness, bus_url: str, topology: BusTopology
) -> None:
    outbox = harness.schema.platform.outbox
    consumer = harness.consumer(prefetch=100)
    consumer.subscribe("documents.#", "records.register", harness.recorder("register"))
    consumer.declare()
    ids = harness.emit(300)
    duplicates_before = metric("secretariat_events_duplicates_total", service="records")
    publishers = [EventPublisher(bus_url, topology) for _ in range(3)]
    relays = [
        OutboxRelay(
            harness.db, harness.schema.platform, p, harness.clock, "documents", batch_size=20
        )
        for p in publishers
    ]
    try:
        with Running() as running:
            for relay in relays:
                running.start(relay)
            wait_for(lambda: harness.count(outbox, outbox.c.sent_at.is_(None)) == 0)
    finally:
        for p in publishers:
            p.close()
    pump([consumer], lambda: len(harness.effect_ids()) >= 300, timeout=30)
    assert consumer.consume_once(0.3) == 0
    assert sorted(harness.effect_ids()) == sorted(ids)
    assert metric("secretariat_events_duplicates_total", service="records") == duplicates_before


# -- rule 5: idempotent consumers ---------------------------------------------


def test_same_event_delivered_twice_is_applied_once_rule5(
    harness: Harness, publisher: EventPublisher
) -> None:
    consumer = harness.consumer()
    consumer.subscribe(REGISTERED, "records.register", harness.recorder("register"))
    consumer.declare()
    duplicates_before = metric("secretariat_events_duplicates_total", service="records")
    consumed_before = metric(
        "secretariat_events_consumed_total", service="records", event_type=REGISTERED
    )
    event_id, body = envelope_bytes()
    for _ in range(2):
        publisher.publish(body, REGISTERED, event_id, "")

    pump(
        [consumer],
        lambda: (
            metric("secretariat_events_consumed_total", service="records", event_type=REGISTERED)
            >= consumed_before + 2
        ),
    )

    assert harness.effect_ids() == [event_id]
    processed = harness.schema.platform.processed_events
    assert harness.count(processed, processed.c.event_id == event_id) == 1
    assert metric("secretariat_events_duplicates_total", service="records") == duplicates_before + 1
    assert (
        REGISTRY.get_sample_value(
            "secretariat_event_delivery_seconds_count",
            {"service": "records", "event_type": REGISTERED},
        )
        or 0
    ) >= 1


def test_consumer_stopped_mid_stream_and_restarted_applies_each_once_rule5(
    harness: Harness, publisher: EventPublisher
) -> None:
    total = 40
    stop_after = 12
    first = harness.consumer(prefetch=20)
    applied = {"n": 0}

    with Running() as running:

        def count_and_stop() -> None:
            applied["n"] += 1
            if applied["n"] >= stop_after:
                running.stop.set()

        first.subscribe(
            REGISTERED, "records.register", harness.recorder("register", "first", count_and_stop)
        )
        first.declare()
        ids = []
        for _ in range(total):
            event_id, body = envelope_bytes()
            publisher.publish(body, REGISTERED, event_id, "")
            ids.append(event_id)
        running.start(first)
        running.threads[0].join(timeout=15)

    done_first = len(harness.effect_ids())
    assert stop_after <= done_first < total

    second = harness.consumer(prefetch=20)
    second.subscribe(REGISTERED, "records.register", harness.recorder("register", "second"))
    pump([second], lambda: len(harness.effect_ids()) >= total)
    assert second.consume_once(0.3) == 0

    effect_ids = harness.effect_ids()
    assert len(effect_ids) == total
    assert sorted(effect_ids) == sorted(ids)
    workers = {worker for _, worker in harness.effects()}
    assert workers == {"first", "second"}


def test_handler_always_failing_is_dead_lettered_and_rolled_back_rule5(
    harness: Harness, publisher: EventPublisher
) -> None:
    consumer = harness.consumer(max_attempts=3, base_backoff=0.01)

    def broken(uow: UnitOfWork, event: ReceivedEvent) -> None:
        harness.recorder("broken")(uow, event)
        uow.emit("records.file.opened", event.subject, registered(event.subject))
        raise RuntimeError("archive is full")

    consumer.subscribe(REGISTERED, "records.broken", broken)
    consumer.declare()
    dead_before = metric("secretariat_events_dead_lettered_total", service="records")
    failures_before = metric(
        "secretariat_consumer_failures_total", service="records", event_type=REGISTERED
    )
    event_id, body = envelope_bytes()
    publisher.publish(body, REGISTERED, event_id, "")

    pump(
        [consumer],
        lambda: metric("secretariat_events_dead_lettered_total", service="records") > dead_before,
    )

    assert metric("secretariat_events_dead_lettered_total", service="records") == dead_before + 1
    assert (
        metric("secretariat_consumer_failures_total", service="records", event_type=REGISTERED)
        == failures_before + 3
    )
    assert harness.effect_ids() == []
    assert harness.count(harness.schema.platform.processed_events) == 0
    assert harness.count(harness.schema.platform.outbox) == 0
    dead = harness.dead_letters()
    assert len(dead) == 1
    assert ReceivedEvent.from_bytes(dead[0].body).id == event_id
    assert dead[0].headers["x-attempts"] == 3
    assert "archive is full" in dead[0].headers["x-last-error"]
    assert dead[0].headers["x-failed-handler"] == "records.broken"
    assert dead[0].headers["event-id"] == event_id
    assert consumer.consume_once(0.3) == 0
    assert consumer.pending_retries == 0


def test_handler_failing_twice_then_succeeding_is_applied_once_rule5(
    harness: Harness, publisher: EventPublisher
) -> None:
    consumer = harness.consumer(max_attempts=5, base_backoff=0.01)
    calls = {"n": 0}
    record = harness.recorder("flaky")

    def flaky(uow: UnitOfWork, event: ReceivedEvent) -> None:
        calls["n"] += 1
        record(uow, event)
        if calls["n"] <= 2:
            raise ConnectionError("directory service unavailable")

    steady_calls = {"n": 0}

    def steady(uow: UnitOfWork, event: ReceivedEvent) -> None:
        steady_calls["n"] += 1
        harness.recorder("steady")(uow, event)

    consumer.subscribe(REGISTERED, "records.steady", steady)
    consumer.subscribe("documents.document.*", "records.flaky", flaky)
    consumer.declare()
    event_id, body = envelope_bytes()
    publisher.publish(body, REGISTERED, event_id, "")

    pump(
        [consumer], lambda: len(harness.effect_ids("flaky")) == 1 and consumer.pending_retries == 0
    )
    assert consumer.consume_once(0.3) == 0

    assert calls["n"] == 3
    assert steady_calls["n"] == 1
    assert harness.effect_ids("flaky") == [event_id]
    assert harness.effect_ids("steady") == [event_id]
    assert harness.dead_letters() == []


def test_undecodable_message_is_dead_lettered_rule5(
    harness: Harness, publisher: EventPublisher
) -> None:
    consumer = harness.consumer()
    consumer.subscribe(REGISTERED, "records.register", harness.recorder("register"))
    consumer.declare()
    publisher.publish(b"\xff\xfe not protobuf", REGISTERED, "bogus", "")
    dead: list[Any] = []

    def dead_lettered() -> bool:
        dead.extend(harness.dead_letters())
        return bool(dead)

    pump([consumer], dead_lettered)
    assert dead[0].body == b"\xff\xfe not protobuf"
    assert "undecodable" in dead[0].headers["x-last-error"]
    assert harness.effect_ids() == []


def test_competing_consumers_split_the_queue_each_event_once_rule5(
    harness: Harness, publisher: EventPublisher
) -> None:
    total = 60
    first = harness.consumer(prefetch=5)
    second = harness.consumer(prefetch=5)

    def slow() -> None:
        time.sleep(0.005)

    first.subscribe(REGISTERED, "records.register", harness.recorder("register", "first", slow))
    second.subscribe(REGISTERED, "records.register", harness.recorder("register", "second", slow))
    first.declare()
    second.declare()
    with Running() as running:
        running.start(first)
        running.start(second)
        ids = []
        for _ in range(total):
            event_id, body = envelope_bytes()
            publisher.publish(body, REGISTERED, event_id, "")
            ids.append(event_id)
        # The filesystem transport lists its folder per message: slow on a busy machine.
        wait_for(lambda: len(harness.effect_ids()) >= total, timeout=60.0)
        time.sleep(0.3)

    effects = harness.effects()
    assert sorted(event_id for event_id, _ in effects) == sorted(ids)
    by_worker = {
        worker: sum(1 for _, w in effects if w == worker) for worker in ("first", "second")
    }
    assert by_worker["first"] > 0
    assert by_worker["second"] > 0


# -- rule 6: topology -----------------------------------------------------------


def test_each_consuming_service_gets_every_matching_event_rule6(
    harness: Harness, publisher: EventPublisher
) -> None:
    records = harness.consumer("records")
    records.subscribe("documents.document.*", "records.register", harness.recorder("records"))
    archive = harness.consumer("archive")
    archive.subscribe("documents.#", "archive.keep", harness.recorder("archive"))
    finance = harness.consumer("finance")
    finance.subscribe("infohub.notice.*", "finance.notice", harness.recorder("finance"))
    for consumer in (records, archive, finance):
        consumer.declare()

    ids = []
    for _ in range(5):
        event_id, body = envelope_bytes()
        publisher.publish(body, REGISTERED, event_id, "")
        ids.append(event_id)

    pump(
        [records, archive],
        lambda: len(harness.effect_ids("records")) >= 5 and len(harness.effect_ids("archive")) >= 5,
    )
    assert finance.consume_once(0.5) == 0
    assert sorted(harness.effect_ids("records")) == sorted(ids)
    assert sorted(harness.effect_ids("archive")) == sorted(ids)
    assert harness.effect_ids("finance") == []


def test_message_carries_persistence_type_and_trace_headers_rule6(
    harness: Harness, publisher: EventPublisher, bus_url: str, topology: BusTopology
) -> None:
    connection = connect(bus_url)
    try:
        queue = Queue(
            f"{topology.prefix}probe",
            exchange=topology.events_exchange(),
            routing_key="documents.#",
            durable=True,
        )(connection.channel())
        queue.declare()
        event_id, body = envelope_bytes()
        traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        publisher.publish(body, REGISTERED, event_id, traceparent)
        deadline = time.monotonic() + 5
        message = None
        while message is None and time.monotonic() < deadline:
            message = queue.get(no_ack=True)
            time.sleep(0.02)
        assert message is not None
        assert message.body == body
        assert message.content_type == "application/x-protobuf"
        assert message.content_encoding == "binary"
        assert message.properties["delivery_mode"] == 2
        assert message.delivery_info["routing_key"] == REGISTERED
        assert message.headers == {
            "traceparent": traceparent,
            "event-id": event_id,
            "event-type": REGISTERED,
        }
    finally:
        connection.release()


def test_handler_continues_the_trace_of_the_event_rule6(
    harness: Harness, publisher: EventPublisher
) -> None:
    consumer = harness.consumer()

    def emit_follow_up(uow: UnitOfWork, event: ReceivedEvent) -> None:
        uow.emit("records.file.opened", event.subject, registered(event.subject))

    consumer.subscribe(REGISTERED, "records.open", emit_follow_up)
    consumer.declare()
    event_id, body = envelope_bytes()
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    publisher.publish(body, REGISTERED, event_id, f"00-{trace_id}-b7ad6b7169203331-01")
    outbox = harness.schema.platform.outbox
    pump([consumer], lambda: harness.count(outbox) == 1)
    with harness.db.reading() as session:
        envelope = session.execute(select(outbox.c.envelope)).scalar_one()
    follow_up = ReceivedEvent.from_bytes(envelope)
    assert follow_up.traceparent.split("-")[1] == trace_id


def test_consumer_and_publisher_reconnect_after_the_broker_drops_them_rule5(
    harness: Harness, publisher: EventPublisher, bus_url: str
) -> None:
    if not bus_url.startswith("amqp"):
        pytest.skip("only a broker has connections to drop")
    vhost = urllib.parse.unquote(urllib.parse.urlsplit(bus_url).path.lstrip("/"))
    consumer = harness.consumer()
    consumer.subscribe(REGISTERED, "records.register", harness.recorder("register"))
    consumer.declare()
    with Running() as running:
        running.start(consumer)
        before_id, body = envelope_bytes()
        publisher.publish(body, REGISTERED, before_id, "")
        wait_for(lambda: len(harness.effect_ids()) == 1)

        subprocess.run(
            ["rabbitmqctl", "-q", "close_all_connections", "--vhost", vhost, "test"],
            check=True,
            capture_output=True,
        )
        after_id, body = envelope_bytes()
        publisher.publish(body, REGISTERED, after_id, "")
        wait_for(lambda: len(harness.effect_ids()) == 2)

    assert harness.effect_ids() == [before_id, after_id]


def test_sent_rows_are_purged_after_retention_unsent_never_rule4(
    harness: Harness, publisher: EventPublisher
) -> None:
    outbox = harness.schema.platform.outbox
    harness.emit(3)
    relay = OutboxRelay(
        harness.db,
        harness.schema.platform,
        publisher,
        harness.clock,
        "documents",
        sent_retention=timedelta(days=7),
    )
    assert relay.run_once() == 3
    harness.emit(2)
    harness.clock.advance(6 * 86400)
    assert relay.purge_sent() == 0
    harness.clock.advance(2 * 86400)
    assert relay.purge_sent() == 3
    assert harness.count(outbox) == 2
    assert harness.count(outbox, outbox.c.sent_at.is_(None)) == 2


def test_dedupe_rows_are_forgotten_after_retention_rule5(harness: Harness) -> None:
    processed = harness.schema.platform.processed_events
    consumer = EventConsumer(
        harness.bus_url,
        harness.topology,
        "records",
        harness.db,
        harness.schema.platform,
        harness.uow,
        clock=harness.clock,
        processed_retention=timedelta(days=30),
    )
    with harness.db.engine.begin() as conn:
        conn.execute(
            processed.insert(),
            [
                {"event_id": "old", "handler": "h", "processed_at": harness.clock.now()},
                {
                    "event_id": "new",
                    "handler": "h",
                    "processed_at": harness.clock.now() + timedelta(days=20),
                },
            ],
        )
    harness.clock.advance(31 * 86400)
    assert consumer.purge_processed() == 1
    assert harness.count(processed) == 1


def test_issue19_a_poisoned_event_dead_letters_is_fixed_replayed_and_applied_once_rule5(
    harness: Harness, publisher: EventPublisher, bus_url: str, topology: BusTopology
) -> None:
    """secretariat-dlq (docs/runbooks/events-dead-lettered.md): list and show the dead
    letter, replay it after the fix, and its effect appears once; drop removes another."""
    import io

    from secretariat_shared import dlq

    consumer = harness.consumer(max_attempts=2, base_backoff=0.01)
    fixed = {"yet": False}
    record = harness.recorder("fragile")

    def fragile(uow: UnitOfWork, event: ReceivedEvent) -> None:
        if not fixed["yet"] and event.subject == "poison":
            raise RuntimeError("the subject's department is unknown")
        record(uow, event)

    consumer.subscribe(REGISTERED, "records.fragile", fragile)
    consumer.declare()
    poisoned = make_envelope(
        REGISTERED, "documents", "poison", registered("poison"), ManualClock().now()
    )
    doomed = make_envelope(
        REGISTERED, "documents", "poison", registered("poison"), ManualClock().now()
    )
    healthy_id, healthy = envelope_bytes()
    for envelope in (poisoned, doomed):
        publisher.publish(envelope.SerializeToString(), REGISTERED, envelope.id, "")
    publisher.publish(healthy, REGISTERED, healthy_id, "")
    letters = dlq.DeadLetters(bus_url, "records", topology)
    pump([consumer], lambda: len(letters.entries()) == 2 and harness.effect_ids() == [healthy_id])

    def cli(*args: str) -> tuple[int, str]:
        out = io.StringIO()
        argv = ["--bus-url", bus_url, "--prefix", topology.prefix, *args]
        return dlq.main(argv, out), out.getvalue()

    code, listing = cli("list", "--service", "records")
    assert code == 0
    assert poisoned.id in listing
    assert doomed.id in listing
    assert "2 dead letter(s)" in listing
    code, shown = cli("show", "--service", "records", poisoned.id)
    assert code == 0
    detail = json.loads(shown)
    assert detail["attempts"] == 2
    assert detail["failed_handler"] == "records.fragile"
    assert "department is unknown" in detail["last_error"]
    assert detail["envelope"]["subject"] == "poison"
    assert len(letters.entries()) == 2, "reading must not consume"

    fixed["yet"] = True
    code, replayed = cli("replay", "--service", "records", poisoned.id)
    assert code == 0
    assert f"replayed 1: {poisoned.id}" in replayed
    pump([consumer], lambda: poisoned.id in harness.effect_ids())
    assert cli("drop", "--service", "records", doomed.id)[0] == 0
    assert letters.entries() == []
    assert cli("replay", "--service", "records", poisoned.id)[0] == 1  # gone from the queue

    # Replaying again (an operator's double click) changes nothing: rule 5's processed_events.
    publisher.publish(poisoned.SerializeToString(), REGISTERED, poisoned.id, "")
    consumer.consume_once(0.5)
    assert sorted(harness.effect_ids()) == sorted([healthy_id, poisoned.id])
    assert doomed.id not in harness.effect_ids()


# -- batches (opt-in) --------------------------------------------------------


def test_batched_consumer_applies_each_event_once_in_few_transactions_rule5(
    harness: Harness, publisher: EventPublisher
) -> None:
    consumer = harness.consumer(batch_size=10, prefetch=5)
    transactions: list[int] = []
    record = harness.recorder("batched")

    def handler(uow: UnitOfWork, event: ReceivedEvent) -> None:
        record(uow, event)
        uow.before_commit("count", lambda: transactions.append(1))

    consumer.subscribe(REGISTERED, "records.batched", handler)
    consumer.declare()
    ids = []
    for _ in range(30):
        event_id, body = envelope_bytes()
        publisher.publish(body, REGISTERED, event_id, "")
        ids.append(event_id)
    publisher.publish(body, REGISTERED, ids[-1], "")

    pump([consumer], lambda: len(harness.effect_ids()) >= 30)
    consumer.consume_once(0.5)  # the duplicate, if it is still on its way

    assert sorted(harness.effect_ids()) == sorted(ids)
    processed = harness.schema.platform.processed_events
    assert harness.count(processed) == 30
    assert len(transactions) < 30


def test_batched_consumer_isolates_a_failing_event_rule5(
    harness: Harness, publisher: EventPublisher
) -> None:
    consumer = harness.consumer(batch_size=8, max_attempts=2, base_backoff=0.01)
    record = harness.recorder("batched")
    ids = [envelope_bytes() for _ in range(6)]
    poison = ids[2][0]

    def handler(uow: UnitOfWork, event: ReceivedEvent) -> None:
        record(uow, event)
        if event.id == poison:
            raise RuntimeError("cannot file this one")

    consumer.subscribe(REGISTERED, "records.batched", handler)
    consumer.declare()
    dead_before = metric("secretariat_events_dead_lettered_total", service="records")
    for event_id, body in ids:
        publisher.publish(body, REGISTERED, event_id, "")

    pump(
        [consumer],
        lambda: metric("secretariat_events_dead_lettered_total", service="records") > dead_before,
    )

    assert sorted(harness.effect_ids()) == sorted(i for i, _ in ids if i != poison)
    assert harness.count(harness.schema.platform.processed_events) == 5
    dead = harness.dead_letters()
    assert [ReceivedEvent.from_bytes(m.body).id for m in dead] == [poison]


def test_before_commit_runs_once_per_key_inside_the_transaction_rule4(harness: Harness) -> None:
    calls: list[str] = []
    with harness.uow() as uow:

        def shared_work() -> None:
            calls.append("shared")
            uow.emit(REGISTERED, "doc-batch", registered("doc-batch"))

        for _ in range(3):
            uow.before_commit("shared", shared_work)
        uow.commit()
    assert calls == ["shared"]
    assert harness.count(harness.schema.platform.outbox) == 1

    with harness.uow() as uow:
        uow.before_commit("shared", shared_work)
        uow.rollback()
        uow.commit()
    assert calls == ["shared"]
