"""Per-operation cost of the write path on PostgreSQL (issue 20), by hand.

    .venv/bin/python bench/write_path.py [--count 400] [--amqp-url amqp://…]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Makes a fresh database, migrates it, and calls the documents service's use
cases in this process (no gRPC, no gateway): ``count`` registrations
(``DocumentRegister.register``, the bench's document of ``run.py``) and
``count`` decisions (``ApprovalEngine.decide``, approving the first step of
a two-step ``general`` approval, which closes it, cancels its timers and
opens the next). For each it records statements sent (a
``before_cursor_execute`` listener; an executemany counts once), CPU ms per
operation in this process (``time.process_time``) and in the PostgreSQL
backends serving it (``/proc/<pid>/stat`` of the backends of the bench's
database), and wall ms. With ``--amqp-url`` it then drains the outbox with
the real relay, publishing with confirms into a queue of its own, in
batches of what two operations emit (the relay's 5 ms linger at ~400/s),
and records the relay's CPU per event and RabbitMQ's (``beam.smp``).

Writes ``bench/results/<date>-write-path-postgresql.json``. CPU figures
are what the machine's load leaves them; wall figures are not comparable
between runs on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import create_engine, event, text

from documents.adapters.orm import platform
from documents.adapters.seal_signer import SealSigner
from documents.bootstrap import MIGRATIONS
from documents.service_layer.approval_commands import Decide, StartApproval
from documents.service_layer.approvals import ApprovalEngine
from documents.service_layer.commands import RegisterDocument
from documents.service_layer.register import DocumentRegister
from documents.service_layer.unit_of_work import DocumentsUnitOfWork
from secretariat_shared.bus import BusTopology, EventPublisher, connect
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.clock import ManualClock
from secretariat_shared.db import Database
from secretariat_shared.identity import Identity
from secretariat_shared.migrations import upgrade
from secretariat_shared.relay import OutboxRelay
from secretariat_shared.testing import FakeDirectory

RESULTS = Path(__file__).resolve().parent / "results"
MONDAY_9AM = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CLERK = Identity(
    username="hr.clerk",
    name="hr.clerk",
    department_code="HR",
    roles=frozenset({"employee"}),
)
HEAD = Identity(
    username="hr.head",
    name="hr.head",
    department_code="HR",
    roles=frozenset({"employee"}),
    headed_departments=frozenset({"HR"}),
)


def registration() -> RegisterDocument:
    return RegisterDocument(
        title="关于做好年终总结工作的通知",
        type_code="04",
        department_code="HR",
        security_class="internal",
        retention="10y",
        priority="routine",
        body="各部门：请于12月20日前提交年度总结。",
    )


class Meter:
    """Statements, this process's CPU and the database backends' CPU over a block."""

    def __init__(self, db: Database, database: str) -> None:
        self.statements = 0
        self._database = database
        self._admin = db.engine
        event.listen(db.engine, "before_cursor_execute", self._count)

    def _count(self, *_: Any) -> None:
        self.statements += 1

    def backend_cpu(self) -> float:
        with self._admin.connect() as c:
            pids = c.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": self._database}
            ).scalars()
            total = 0.0
            for pid in pids:
                try:
                    times = psutil.Process(pid).cpu_times()
                except psutil.Error:
                    continue
                total += times.user + times.system
        return total

    @contextmanager
    def measure(self, operations: int, into: dict[str, Any]) -> Iterator[None]:
        backends = self.backend_cpu()
        statements = self.statements
        cpu = time.process_time()
        wall = time.perf_counter()
        yield
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        sent = self.statements - statements
        backends = self.backend_cpu() - backends
        into.update(
            operations=operations,
            statements_per_op=round(sent / operations, 2),
            service_cpu_ms_per_op=round(1000 * cpu / operations, 3),
            postgres_cpu_ms_per_op=round(1000 * backends / operations, 3),
            wall_ms_per_op=round(1000 * wall / operations, 3),
        )


def make_database(admin_url: str) -> tuple[str, str]:
    name = f"bench_write_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name, admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_url: str, name: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def broker_cpu() -> float:
    total = 0.0
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] == "beam.smp":
            try:
                times = proc.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
    return total


def relay_cost(
    db: Database, meter: Meter, clock: ManualClock, amqp_url: str, per_batch: int
) -> dict[str, Any]:
    """Drain the outbox in batches of ``per_batch`` rows; the relay's, the database's and
    the broker's CPU per event."""
    topology = BusTopology(prefix=f"benchwp-{uuid.uuid4().hex[:6]}.")
    connection = connect(amqp_url)
    channel = connection.channel()
    queue = topology.declare_service(channel, "sink", ["#"])
    publisher = EventPublisher(amqp_url, topology)
    relay = OutboxRelay(db, platform, publisher, clock, "documents", batch_size=per_batch)
    relay.run_once()
    events = 0
    broker = broker_cpu()
    backends = meter.backend_cpu()
    cpu = time.process_time()
    while published := relay.run_once():
        events += published
    cpu = time.process_time() - cpu
    backends = meter.backend_cpu() - backends
    broker = broker_cpu() - broker
    publisher.close()
    queue.delete()
    topology.dead_letter_queue("sink")(channel).delete()
    connection.release()
    return {
        "events": events,
        "batch": per_batch,
        "relay_cpu_ms_per_event": round(1000 * cpu / max(events, 1), 3),
        "postgres_cpu_ms_per_event": round(1000 * backends / max(events, 1), 3),
        "broker_cpu_ms_per_event": round(1000 * broker / max(events, 1), 3),
    }


def outbox_rows(db: Database) -> int:
    with db.engine.connect() as c:
        return int(
            c.execute(
                text(f"SELECT count(*) FROM {platform.outbox.name} WHERE sent_at IS NULL")
            ).scalar_one()
        )


def run(args: argparse.Namespace) -> dict[str, Any]:
    name, url = make_database(args.database_url)
    try:
        upgrade(MIGRATIONS, url)
        db = Database(url)
        clock = ManualClock(MONDAY_9AM)
        directory = FakeDirectory()
        directory.add_person("hr.head", "HR", superior="leader.li")

        def uow() -> DocumentsUnitOfWork:
            return DocumentsUnitOfWork(db, platform, "documents", clock)

        calendar = BusinessCalendar()
        register = DocumentRegister(uow, directory, calendar, clock, db)
        engine = ApprovalEngine(uow, directory, calendar, clock, db, SealSigner.ephemeral())
        meter = Meter(db, name)
        result: dict[str, Any] = {
            "date": date.today().isoformat(),
            "database": "postgresql",
            "load_average": os.getloadavg(),
            "count": args.count,
        }

        def tick() -> None:
            clock.set(clock.now() + timedelta(milliseconds=50))

        for _ in range(args.warmup):
            tick()
            register.register(CLERK, registration())
        registrations: dict[str, Any] = {}
        with meter.measure(args.count, registrations):
            for _ in range(args.count):
                tick()
                register.register(CLERK, registration())
        result["registration"] = registrations
        events_per_registration = outbox_rows(db) / (args.count + args.warmup)
        registrations["events_per_op"] = round(events_per_registration, 2)
        if args.amqp_url:
            result["relay_registration"] = relay_cost(
                db, meter, clock, args.amqp_url, max(1, round(2 * events_per_registration))
            )

        ids = []
        for i in range(args.count + args.warmup):
            approval = engine.start(
                CLERK,
                StartApproval(
                    template="general",
                    subject=f"压测审批{i}",
                    payload_json='{"description": "压测"}',
                ),
            )
            ids.append(approval.id)
        if args.amqp_url:
            relay_cost(db, meter, clock, args.amqp_url, 200)
        before = outbox_rows(db)
        for approval_id in ids[: args.warmup]:
            tick()
            engine.decide(HEAD, Decide(approval_id, "approve", "同意"))
        decisions: dict[str, Any] = {}
        with meter.measure(args.count, decisions):
            for approval_id in ids[args.warmup :]:
                tick()
                engine.decide(HEAD, Decide(approval_id, "approve", "同意"))
        result["decision"] = decisions
        events_per_decision = (outbox_rows(db) - before) / (args.count + args.warmup)
        decisions["events_per_op"] = round(events_per_decision, 2)
        if args.amqp_url:
            result["relay_decision"] = relay_cost(
                db, meter, clock, args.amqp_url, max(1, round(2 * events_per_decision))
            )
        db.dispose()
        return result
    finally:
        drop_database(args.database_url, name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "SECRETARIAT_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--amqp-url", default=os.environ.get("SECRETARIAT_AMQP_URL", ""))
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--out", default="", help="results file (default: bench/results/…)")
    parser.add_argument("--label", default="", help="what this run measures, kept in the file")
    args = parser.parse_args()
    result = run(args)
    result["label"] = args.label
    print(json.dumps(result, indent=2, ensure_ascii=False))
    out = Path(args.out) if args.out else RESULTS / f"{date.today()}-write-path-postgresql.json"
    runs = json.loads(out.read_text()) if out.exists() else []
    runs.append(result)
    out.write_text(json.dumps(runs, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
