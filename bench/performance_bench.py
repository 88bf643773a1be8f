"""Performance service benchmark (issue 16): compute a quarter for 2,000 people
from 1,000,000 facts (target ≤ 30 s) and ingest facts from events (target:
keep up with 1,000 events/s).

Run by hand: ``.venv/bin/python bench/performance_bench.py [--database-url URL]
[--bus-url URL]`` (default: a throwaway SQLite file and the embedded
filesystem transport; give a PostgreSQL URL and an amqp:// URL for the other
stack). Writes ``bench/results/<date>-performance-<dialect>.json``.

The quarter is computed by the real use case (``Appraisals.publish``: load the
facts, indicators, 360, grades, results, timers, events) with an in-memory
Directory.

Ingestion runs the service's real consumer (``EventConsumer`` in batches of
``bootstrap.CONSUMER_BATCH``, one ``processed_events`` row per event, the
fact handlers, the once-per-transaction recomputation) on the real bus. A
child process publishes a mix of the events performance consumes (document
steps, approval steps, surveys, action items, training) at a fixed rate with
publisher confirms; the consumer keeps up when every event is applied within
a moment of the last one's publication. Also measured: draining a backlog
(the consumer's ceiling), the same with one event per transaction (the
default consumer, for comparison), and late facts dated in the published
quarter, which recompute published results.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "performance" / "tests"))

import process_cpu  # noqa: E402
from paced_publisher import PacedPublishers  # noqa: E402

from performance.adapters import orm  # noqa: E402
from performance.adapters import repository as repo  # noqa: E402
from performance.adapters.orm import platform  # noqa: E402
from performance.bootstrap import CONSUMER_BATCH, MIGRATIONS  # noqa: E402
from performance.domain import facts as k  # noqa: E402
from performance.service_layer.appraisal import Appraisals  # noqa: E402
from performance.service_layer.context import Context  # noqa: E402
from performance.service_layer.intake import FactIntake  # noqa: E402
from secretariat.career.v1 import events_pb2 as career  # noqa: E402
from secretariat.documents.v1 import events_pb2 as documents  # noqa: E402
from secretariat.meetings.v1 import events_pb2 as meetings  # noqa: E402
from secretariat_shared.bus import BusTopology, connect  # noqa: E402
from secretariat_shared.calendar import BusinessCalendar  # noqa: E402
from secretariat_shared.clock import ManualClock  # noqa: E402
from secretariat_shared.consumer import EventConsumer  # noqa: E402
from secretariat_shared.db import Database  # noqa: E402
from secretariat_shared.directory import DepartmentInfo, PersonInfo  # noqa: E402
from secretariat_shared.events import make_envelope  # noqa: E402
from secretariat_shared.identity import Identity  # noqa: E402
from secretariat_shared.migrations import upgrade  # noqa: E402
from secretariat_shared.uow import UnitOfWork  # noqa: E402

HR = Identity(username="hr.bench", roles=frozenset({"hr"}))
KINDS = (
    (k.DOCUMENT_STEP, 0.35),
    (k.APPROVAL_STEP, 0.2),
    (k.STEP_ASSIGNED, 0.2),
    (k.STEP_OVERDUE, 0.02),
    (k.MEETING_SATISFACTION, 0.08),
    (k.ACTION_ITEM, 0.13),
    (k.PREPARATION_WARNING, 0.02),
)


class BenchDirectory:
    def __init__(self, people: int) -> None:
        self.people = {
            f"p{i:05d}": PersonInfo(f"p{i:05d}", f"p{i:05d}", f"D{i % 40:02d}", "")
            for i in range(people)
        }

    def department(self, code: str) -> DepartmentInfo | None:
        return DepartmentInfo(code, code, "", "")

    def person(self, username: str) -> PersonInfo | None:
        return self.people.get(username)

    def role_holders(self, role: str) -> list[str]:
        return ["hr.bench"] if role == "hr" else []


class NoApprovals:
    def start(self, request: object) -> str:
        raise RuntimeError("no approvals in the benchmark")


def seed(db: Database, people: int, total: int, start: datetime, days: int) -> float:
    rng = random.Random(16)
    kinds = [kind for kind, _ in KINDS]
    weights = [w for _, w in KINDS]
    began = time.perf_counter()
    batch: list[dict[str, object]] = []
    with db.engine.begin() as conn:
        for n in range(total):
            kind = rng.choices(kinds, weights)[0]
            person = n % people
            value = (
                float(rng.randint(60, 100))
                if kind == k.MEETING_SATISFACTION
                else float(rng.random() < 0.9)
            )
            batch.append(
                {
                    "id": str(uuid.uuid4()),
                    "kind": kind,
                    "username": f"p{person:05d}",
                    "department_code": f"D{person % 40:02d}",
                    "occurred_at": start + timedelta(seconds=rng.randrange(days * 86400)),
                    "value": value,
                    "source_event_id": str(uuid.uuid4()),
                    "source_event_type": "bench",
                    "detail": "",
                    "ref": str(n % 50_000) if kind == k.ACTION_ITEM else "",
                    "struck_by_appeal": "",
                    "recorded_at": start,
                }
            )
            if len(batch) == 20_000:
                _insert_seed(conn, batch)
                batch = []
        if batch:
            _insert_seed(conn, batch)
        ratings = []
        for person in range(people):
            for group, rater in (("superior", "boss"), ("peer", "a"), ("peer", "b"), ("peer", "c")):
                ratings.append(
                    {
                        "id": str(uuid.uuid4()),
                        "cycle_id": "",
                        "subject": f"p{person:05d}",
                        "rater": f"{rater}{person}",
                        "group": group,
                        "score": float(rng.randint(60, 100)),
                        "comment": "",
                        "created_at": start,
                    }
                )
    return time.perf_counter() - began, ratings  # type: ignore[return-value]


def _insert_seed(conn: Any, rows: list[dict[str, object]]) -> None:
    """Seed facts: COPY on PostgreSQL (a million rows in seconds, not minutes),
    a multi-row INSERT elsewhere."""
    if conn.dialect.name != "postgresql":
        conn.execute(insert(orm.facts), rows)
        return
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY facts ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def bench_event(n: int, people: int, moment: datetime) -> tuple[str, bytes]:
    """The n-th event of the mix performance consumes, as its service sends it."""
    who = f"p{n % people:05d}"
    dept = f"D{n % people % 40:02d}"
    pick = n % 20
    payload: object
    if pick < 8:
        event_type = "documents.step.completed"
        payload = documents.StepCompleted(
            document_id=f"d{n}",
            step_id=f"s{n}",
            step_kind="circulation",
            completed_by=who,
            met_deadline=n % 7 != 0,
        )
    elif pick < 12:
        event_type = "documents.step.assigned"
        payload = documents.StepAssigned(
            document_id=f"d{n}", step_id=f"s{n}", step_kind="circulation", assignee_username=who
        )
    elif pick < 15:
        event_type = "documents.approval.step_approved"
        payload = documents.ApprovalStepApproved(
            approval=documents.ApprovalRef(approval_id=f"a{n}", template="leave"),
            approver=who,
            met_deadline=n % 5 != 0,
            step_closed=True,
        )
    elif pick < 17:
        event_type = "meetings.action_item.updated"
        payload = meetings.ActionItemUpdated(
            action_item_id=f"i{n}",
            owner=who,
            owner_department=dept,
            status="completed",
            completed_on_time=n % 9 != 0,
            cross_department=True,
        )
    elif pick < 19:
        event_type = "meetings.survey.closed"
        payload = meetings.SurveyClosed(
            meeting=meetings.MeetingRef(
                meeting_id=f"m{n}", topic="例会", organiser=who, department_code=dept
            ),
            responses=5,
            satisfaction=80 + n % 20,
        )
    else:
        event_type = "career.training.completed"
        payload = career.TrainingCompleted(
            completion_id=f"c{n}",
            username=who,
            course_id=f"k{n % 30}",
            course_title="保密培训",
            course_kind="mandatory",
            hours=4,
            completed_on=moment.date().isoformat(),
            mandatory=True,
        )
    envelope = make_envelope(event_type, event_type.split(".")[0], "s", payload, moment)  # type: ignore[arg-type]
    return event_type, envelope.SerializeToString()


class Ingestion:
    """The service's consumer with the fact handlers, on one bus namespace."""

    def __init__(
        self, db: Database, bus_url: str, intake: FactIntake, batch: int, declare: bool = True
    ) -> None:
        self.db = db
        self.bus_url = bus_url
        self.prefix = f"bench{uuid.uuid4().hex[:8]}."
        self.consumer = EventConsumer(
            bus_url,
            BusTopology(prefix=self.prefix),
            "performance",
            db,
            platform,
            intake.ctx.uow_factory,
            clock=intake.ctx.clock,
            batch_size=batch,
            poll_interval=0.05,
        )
        for event_type, handler in intake.handlers().items():
            self.consumer.subscribe(event_type, f"performance.fact.{event_type}", handler)
        if declare:
            self.consumer.declare()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def processed(self) -> int:
        with self.db.reading() as session:
            return int(
                session.execute(
                    select(func.count()).select_from(platform.processed_events)
                ).scalar_one()
            )

    def start(self) -> None:
        self.thread = threading.Thread(target=self.consumer.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=30)
        else:
            self.consumer.close()
        if self.bus_url.startswith("amqp"):
            connection = connect(self.bus_url)
            try:
                channel = connection.channel()
                for name in ("performance.events", "performance.events.dead"):
                    channel.queue_delete(f"{self.prefix}{name}")
                topology = BusTopology(prefix=self.prefix)
                channel.exchange_delete(topology.exchange_name)
                channel.exchange_delete(topology.dead_letter_exchange_name)
            finally:
                connection.release()


def publishers(
    bus_url: str,
    prefix: str,
    first: int,
    count: int,
    people: int,
    rate: float,
    moment: datetime,
    processes: int,
) -> PacedPublishers:
    """Publisher processes offering the bench's events (0: as fast as they can)."""
    source = functools.partial(bench_event, people=people, moment=moment)
    return PacedPublishers(bus_url, prefix, source, first, count, rate, processes)


class _Delivered:
    """A message as the consumer gets it from kombu, for the in-process path."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.headers: dict[str, Any] = {}

    def ack(self) -> None:
        pass


def in_process(
    db: Database, intake: FactIntake, count: int, people: int, batch: int, first: int
) -> tuple[float, float]:
    """The consumer's own work without a transport: messages handed to it as
    kombu would, applied in batches (dedupe rows, handlers, recomputation,
    commits): events per second of wall time and per second of this
    process's CPU (the second does not depend on what else the machine runs).
    Separates the database path from the bus."""
    ingestion = Ingestion(db, "memory://", intake, batch, declare=False)
    moment = intake.ctx.clock.now()
    messages = [_Delivered(bench_event(n, people, moment)[1]) for n in range(first, first + count)]
    began, cpu = time.perf_counter(), time.process_time()
    for message in messages:
        ingestion.consumer._on_message(message)
    ingestion.consumer._flush_batch()
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    return count / wall, count / cpu


def wait_settled(ingestion: Ingestion, target: int, timeout: float) -> float:
    """When the consumer had settled ``target`` messages (or the timeout passed).

    Counted by the consumer in memory, so that waiting costs the database
    nothing; what was applied is counted in ``processed_events`` afterwards."""
    deadline = time.time() + timeout
    while ingestion.consumer.settled < target and time.time() < deadline:
        time.sleep(0.01)
    return time.time()


class CpuMeter:
    """CPU seconds spent by the consumer's thread, the broker (every beam.smp on
    the machine: other users of the broker count too) and the PostgreSQL
    backends connected to the bench's database."""

    def __init__(self, db: Database, thread: threading.Thread | None) -> None:
        self.db = db
        self.tid = thread.native_id if thread is not None else None
        self.broker = process_cpu.named("beam.smp")
        self.before = self.read()

    def _backends(self) -> dict[int, float]:
        if self.db.dialect != "postgresql":
            return {}
        url = self.db.engine.url
        with psycopg.connect(
            host=url.host, port=url.port, user=url.username, dbname=url.database
        ) as connection:
            pids = process_cpu.postgres_backends(connection, str(url.database))
        return {pid: process_cpu.cpu_seconds(pid) for pid in pids}

    def read(self) -> dict[str, Any]:
        return {
            "consumer": process_cpu.cpu_seconds(os.getpid(), self.tid)
            if self.tid
            else time.process_time(),
            "broker": process_cpu.total(self.broker),
            "backends": self._backends(),
        }

    def spent(self) -> dict[str, float]:
        after = self.read()
        backends = sum(
            cpu - self.before["backends"].get(pid, 0.0) for pid, cpu in after["backends"].items()
        )
        return {
            "consumer": after["consumer"] - self.before["consumer"],
            "rabbitmq_beam_smp": after["broker"] - self.before["broker"],
            "postgresql_backends": backends,
        }


def per_event_us(seconds: float, events: int) -> int:
    return round(seconds * 1e6 / max(events, 1))


def sustained(
    db: Database,
    bus_url: str,
    intake: FactIntake,
    rate: float,
    seconds: float,
    people: int,
    processes: int,
) -> dict[str, Any]:
    """Events at ``rate``/s for ``seconds`` while the consumer runs: how many
    were applied per second from the first publication to the last one
    applied, and the CPU each process spent per event."""
    count = int(rate * seconds)
    ingestion = Ingestion(db, bus_url, intake, CONSUMER_BATCH)
    base = ingestion.processed()
    ingestion.start()
    moment = intake.ctx.clock.now()
    try:
        offer = publishers(
            bus_url, ingestion.prefix, 10_000_000, count, people, rate, moment, processes
        )
        meter = CpuMeter(db, ingestion.thread)
        started = offer.start()
        load = os.getloadavg()[0]
        done = wait_settled(ingestion, count, seconds * 10 + 60)
        cpu = meter.spent()
        published = offer.join()
        load = max(load, os.getloadavg()[0])
    finally:
        ingestion.close()
    applied = ingestion.processed() - base
    cpu["publishers"] = published.cpu_seconds
    return {
        "events": count,
        "applied": applied,
        "load_average_1m": round(load, 1),
        "publisher_processes": processes,
        "offered_events_per_second": rate,
        "published_events_per_second": round(published.rate),
        "applied_events_per_second": round(applied / (done - started)),
        "last_applied_after_last_published_seconds": round(done - published.finished, 2),
        "cpu_us_per_event": {name: per_event_us(value, count) for name, value in cpu.items()},
    }


def backlog(
    db: Database,
    bus_url: str,
    intake: FactIntake,
    count: int,
    people: int,
    batch: int,
    first: int,
    moment: datetime,
    processes: int,
) -> float:
    """Publish ``count`` events, then start the consumer: events/s applied."""
    ingestion = Ingestion(db, bus_url, intake, batch)
    base = ingestion.processed()
    try:
        offer = publishers(bus_url, ingestion.prefix, first, count, people, 0, moment, processes)
        offer.start()
        offer.join()
        began = time.time()
        ingestion.start()
        done = wait_settled(ingestion, count, count / 20 + 60)
    finally:
        ingestion.close()
    return (ingestion.processed() - base) / (done - began)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--bus-url", default="", help="amqp://… ; default: the embedded transport")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument(
        "--facts",
        type=int,
        default=1_000_000,
        help="facts in the database; with --only ingestion, only those missing are seeded "
        "(0: none), so a database seeded once serves every later run",
    )
    parser.add_argument(
        "--publishers", type=int, default=2, help="publisher processes sharing the offered rate"
    )
    parser.add_argument("--rate", type=float, default=1000.0, help="offered events/s")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long events are offered")
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument(
        "--only", choices=("all", "quarter", "ingestion"), default="all", help="what to measure"
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{scratch}/performance-bench.db"
    bus_url = args.bus_url or f"filesystem://{scratch / 'bus'}"
    if bus_url.startswith("filesystem://"):
        (scratch / "bus").mkdir(exist_ok=True)
    upgrade(MIGRATIONS, url)
    db = Database(url)
    clock = ManualClock(datetime(2027, 1, 4, 2, 0, tzinfo=UTC))
    directory = BenchDirectory(args.people)
    ctx = Context(
        lambda: UnitOfWork(db, platform, "performance", clock),
        db,
        clock,
        BusinessCalendar.from_overrides_json("", "Asia/Shanghai"),
        directory,
        NoApprovals(),
    )
    appraisals = Appraisals(ctx)
    intake = FactIntake(ctx, appraisals)
    dialect = db.engine.dialect.name
    out = ROOT / "bench" / "results" / f"{date.today().isoformat()}-performance-{dialect}.json"
    results: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
    results.update({"date": date.today().isoformat(), "dialect": dialect})
    if args.only in ("all", "quarter"):
        quarter(db, appraisals, args.people, args.facts, results)
    else:
        prepare_ingestion(db, appraisals, args.people, args.facts)
    if args.only in ("all", "ingestion"):
        transport = "rabbitmq" if bus_url.startswith("amqp") else "filesystem"
        present = fact_count(db)
        print(f"ingestion on {dialect} + {transport}, {present:,} facts kept …", flush=True)
        clock.advance(timedelta(days=10).total_seconds())
        direct, direct_cpu = in_process(
            db, intake, args.backlog, args.people, CONSUMER_BATCH, 50_000_000
        )
        single_wall, single_cpu = in_process(
            db, intake, min(2000, args.backlog), args.people, 1, 60_000_000
        )
        print(
            f"  consumer path without transport: {direct:,.0f} events/s ({direct_cpu:,.0f} per "
            f"CPU second) in batches of {CONSUMER_BATCH}; {single_wall:,.0f} events/s "
            f"({single_cpu:,.0f} per CPU second) one per transaction",
            flush=True,
        )
        run = sustained(db, bus_url, intake, args.rate, args.seconds, args.people, args.publishers)
        print(f"  sustained: {run}", flush=True)
        drain = backlog(
            db,
            bus_url,
            intake,
            args.backlog,
            args.people,
            CONSUMER_BATCH,
            20_000_000,
            clock.now(),
            args.publishers,
        )
        print(f"  backlog of {args.backlog:,} drained at {drain:,.0f} events/s", flush=True)
        single = backlog(
            db,
            bus_url,
            intake,
            min(2000, args.backlog),
            args.people,
            1,
            30_000_000,
            clock.now(),
            args.publishers,
        )
        print(f"  one event per transaction: {single:,.0f} events/s", flush=True)
        # Late facts: dated inside the published quarter; each batch recomputes
        # the published results it touches, once each.
        late_moment = datetime(2026, 12, 30, 2, 0, tzinfo=UTC)
        late = backlog(
            db,
            bus_url,
            intake,
            min(2000, args.backlog),
            args.people,
            CONSUMER_BATCH,
            40_000_000,
            late_moment,
            args.publishers,
        )
        print(f"  late facts (recomputing published results): {late:,.0f} events/s", flush=True)
        results.update(
            {
                "ingestion_consumer_path_events_per_second": round(direct),
                "ingestion_consumer_path_events_per_cpu_second": round(direct_cpu),
                "ingestion_consumer_path_one_per_transaction_events_per_second": round(single_wall),
                "ingestion_consumer_path_one_per_transaction_events_per_cpu_second": round(
                    single_cpu
                ),
                "ingestion_load_average_1m": round(os.getloadavg()[0], 1),
                "ingestion_transport": transport,
                "ingestion_facts_present": present,
                "ingestion_consumer_batch": CONSUMER_BATCH,
                "ingestion_sustained": run,
                "ingestion_events_per_second": run["applied_events_per_second"],
                "ingestion_target_events_per_second": 1000,
                "ingestion_backlog_events_per_second": round(drain),
                "ingestion_one_per_transaction_events_per_second": round(single),
                "late_fact_events_per_second": round(late),
            }
        )
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


def fact_count(db: Database) -> int:
    with db.reading() as session:
        return int(session.execute(select(func.count()).select_from(orm.facts)).scalar_one())


def prepare_ingestion(db: Database, appraisals: Appraisals, people: int, facts: int) -> None:
    """``--only ingestion``: seed the facts missing up to ``facts`` and publish the
    quarter that late facts recompute, once per database."""
    missing = facts - fact_count(db)
    if missing > 0:
        print(f"seeding {missing:,} facts …", flush=True)
        seconds, _ = seed(db, people, missing, datetime(2026, 9, 30, 16, 0, tzinfo=UTC), 92)  # type: ignore[misc]
        print(f"  seeded in {seconds:.1f} s", flush=True)
    with db.reading() as session:
        if repo.find_cycle(session, "quarterly", "2026-Q4") is not None:
            return
    cycle = appraisals.create_cycle(HR, "quarterly", "2026-Q4")
    with db.engine.begin() as conn:
        seed_small(conn, people)
    appraisals.publish(HR, cycle.id)


def seed_small(conn: Any, people: int) -> None:
    """A published quarter to recompute late facts against (``--only ingestion``)."""
    start = datetime(2026, 10, 8, 2, 0, tzinfo=UTC)
    conn.execute(
        insert(orm.facts),
        [
            {
                "id": str(uuid.uuid4()),
                "kind": k.DOCUMENT_STEP,
                "username": f"p{person:05d}",
                "department_code": f"D{person % 40:02d}",
                "occurred_at": start,
                "value": 1.0,
                "source_event_id": str(uuid.uuid4()),
                "source_event_type": "bench",
                "detail": "",
                "ref": "",
                "struck_by_appeal": "",
                "recorded_at": start,
            }
            for person in range(people)
        ],
    )


def quarter(
    db: Database, appraisals: Appraisals, people: int, facts: int, results: dict[str, Any]
) -> None:
    quarter_start = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)  # 2026-10-01 00:00 Beijing
    print(
        f"seeding {facts:,} facts for {people:,} people on {db.engine.dialect.name} …", flush=True
    )
    seconds, ratings = seed(db, people, facts, quarter_start, 92)  # type: ignore[misc]
    print(f"  seeded in {seconds:.1f} s", flush=True)
    cycle = appraisals.create_cycle(HR, "quarterly", "2026-Q4")
    for r in ratings:
        r["cycle_id"] = cycle.id
    with db.engine.begin() as conn:
        conn.execute(insert(orm.ratings), ratings)
    began = time.perf_counter()
    published = appraisals.publish(HR, cycle.id)
    quarter_seconds = time.perf_counter() - began
    print(
        f"  quarter computed and published for {published.results:,} people in {quarter_seconds:.1f} s",
        flush=True,
    )
    results.update(
        {
            "people": people,
            "facts": facts,
            "seed_seconds": round(seconds, 1),
            "quarter_seconds": round(quarter_seconds, 2),
            "quarter_target_seconds": 30,
        }
    )


if __name__ == "__main__":
    raise SystemExit(main())
