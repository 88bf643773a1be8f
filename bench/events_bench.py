"""Event path benchmarks: commit → consumer effect latency, relay throughput, timer sweep.

The publisher side (unit of work + outbox relay) runs in this process, the
consumer in a child process with its own database, as in production.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, func, insert, select

from loadgen import percentile
from secretariat.documents.v1 import events_pb2
from secretariat_shared.bus import BusTopology, EventPublisher
from secretariat_shared.clock import SystemClock
from secretariat_shared.consumer import EventConsumer
from secretariat_shared.db import Database, UtcDateTime
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.relay import OutboxRelay
from secretariat_shared.tables import PlatformTables
from secretariat_shared.timers import TimerFiring, TimerScheduler
from secretariat_shared.uow import UnitOfWork

EVENT = "bench.thing.happened"


def _consumer_schema() -> tuple[MetaData, PlatformTables, Table]:
    metadata = MetaData()
    tables = PlatformTables(metadata)
    effects = Table(
        "effects",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("sent_at", UtcDateTime(), nullable=False),
        Column("handled_at", UtcDateTime(), nullable=False),
    )
    return metadata, tables, effects


def _run_consumer(db_url: str, bus_url: str, prefix: str, ready: Any, stop: Any) -> None:
    metadata, tables, effects = _consumer_schema()
    db = Database(db_url)
    metadata.create_all(db.engine)
    clock = SystemClock()

    def handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
        uow.session.execute(
            insert(effects).values(event_id=event.id, sent_at=event.time, handled_at=clock.now())
        )

    consumer = EventConsumer(
        bus_url,
        BusTopology(prefix=prefix),
        "benchconsumer",
        db,
        tables,
        lambda: UnitOfWork(db, tables, "benchconsumer", clock),
        prefetch=100,
        clock=clock,
    )
    consumer.subscribe(EVENT, "bench.effect", handle)
    consumer.declare()
    ready.set()
    thread_stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(thread_stop,), daemon=True)
    thread.start()
    stop.wait()
    thread_stop.set()
    thread.join(10)


def delivery_latency(
    publisher_db_url: str,
    consumer_db_url: str,
    bus_url: str,
    rate: float = 300,
    seconds: float = 10,
) -> dict[str, float]:
    """Emit ``rate`` events/s through the outbox; measure commit → effect in the consumer."""
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    ctx = mp.get_context("spawn")
    ready, stop = ctx.Event(), ctx.Event()
    child = ctx.Process(
        target=_run_consumer, args=(consumer_db_url, bus_url, prefix, ready, stop), daemon=True
    )
    child.start()
    ready.wait(60)
    metadata = MetaData()
    tables = PlatformTables(metadata)
    db = Database(publisher_db_url)
    metadata.create_all(db.engine)
    clock = SystemClock()
    relay = OutboxRelay(
        db, tables, EventPublisher(bus_url, BusTopology(prefix=prefix)), clock, "bench"
    )
    relay_stop = threading.Event()
    relay_thread = threading.Thread(target=relay.run, args=(relay_stop,), daemon=True)
    relay_thread.start()
    total = int(rate * seconds)
    start = time.perf_counter()
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        with UnitOfWork(db, tables, "bench", clock, on_commit=relay.wake) as uow:
            uow.emit(EVENT, str(i), events_pb2.DocumentRegistered(document_id=str(i)))
            uow.commit()
    achieved = total / (time.perf_counter() - start)
    _, _, effects = _consumer_schema()
    consumer_db = Database(consumer_db_url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with consumer_db.reading() as s:
            if s.scalar(select(func.count()).select_from(effects)) >= total:
                break
        time.sleep(0.2)
    with consumer_db.reading() as s:
        rows = s.execute(select(effects.c.sent_at, effects.c.handled_at)).all()
    stop.set()
    child.join(15)
    relay_stop.set()
    relay_thread.join(10)
    latencies = sorted((h - s).total_seconds() * 1000 for s, h in rows)

    return {
        "events": total,
        "delivered": len(rows),
        "rate_achieved": round(achieved, 1),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
    }


def relay_throughput(db_url: str, bus_url: str, events: int = 20_000) -> dict[str, float]:
    """Fill the outbox, then drain it as fast as the relay can with publisher confirms."""
    metadata = MetaData()
    tables = PlatformTables(metadata)
    db = Database(db_url)
    metadata.create_all(db.engine)
    clock = SystemClock()
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    topology = BusTopology(prefix=prefix)
    with UnitOfWork(db, tables, "bench", clock) as uow:
        for i in range(events):
            uow.emit(EVENT, str(i), events_pb2.DocumentRegistered(document_id=str(i)))
        uow.commit()
    publisher = EventPublisher(bus_url, topology)
    relay = OutboxRelay(db, tables, publisher, clock, "bench", batch_size=500)
    started = time.perf_counter()
    sent = 0
    while sent < events:
        n = relay.run_once()
        if n == 0 and relay.consecutive_failures > 5:
            break
        sent += n
    elapsed = time.perf_counter() - started
    publisher.close()
    return {
        "events": sent,
        "seconds": round(elapsed, 2),
        "events_per_second": round(sent / elapsed),
    }


def timer_sweep(db_url: str, pending: int = 100_000, due: int = 10_000) -> dict[str, float]:
    """Time for the scheduler to fire ``due`` of ``pending`` timers, each emitting an event."""
    metadata = MetaData()
    tables = PlatformTables(metadata)
    db = Database(db_url)
    metadata.create_all(db.engine)
    clock = SystemClock()
    now = clock.now()
    rows = [
        {
            "kind": "approval_step_reminder",
            "key": f"step:{i}:reminder",
            "due_at": now - timedelta(minutes=1) if i < due else now + timedelta(days=1 + i % 30),
            "payload": {"step": i},
            "attempts": 0,
        }
        for i in range(pending)
    ]
    with db.engine.begin() as conn:
        for chunk in range(0, pending, 10_000):
            conn.execute(insert(tables.timers), rows[chunk : chunk + 10_000])

    def remind(uow: UnitOfWork, firing: TimerFiring) -> None:
        uow.emit(
            "bench.step.reminded", firing.key, events_pb2.DocumentRegistered(document_id=firing.key)
        )

    scheduler = TimerScheduler(
        db,
        tables,
        clock,
        {"approval_step_reminder": remind},
        lambda: UnitOfWork(db, tables, "bench", clock),
        "bench",
    )
    started = time.perf_counter()
    fired = 0
    while True:
        n = scheduler.run_once()
        fired += n
        if n == 0:
            break
    elapsed = time.perf_counter() - started
    return {"pending": pending, "due": due, "fired": fired, "seconds": round(elapsed, 2)}


def sqlite_url(folder: Path, name: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / f'{name}.db'}"
