"""Performance service benchmark (issue 16): compute a quarter for 2,000 people
from 1,000,000 facts (target ≤ 30 s) and ingest facts from events (target
≥ 1,000 events/s).

Run by hand: ``.venv/bin/python bench/performance_bench.py [--database-url URL]``
(default: a throwaway SQLite file; give a PostgreSQL URL for the other stack).
Writes ``bench/results/<date>-performance-<dialect>.json``.

The quarter is computed by the real use case (``Appraisals.publish``: load the
facts, indicators, 360, grades, results, timers, events) with an in-memory
Directory. Ingestion drives the real fact handlers one event per transaction
(the consumer's unit of work), with the ``processed_events`` record the
consumer adds, for events in a period that is not yet published (the normal
case) and, separately, late facts that recompute a published result.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "performance" / "tests"))

from performance.adapters import orm  # noqa: E402
from performance.adapters.orm import platform  # noqa: E402
from performance.bootstrap import MIGRATIONS  # noqa: E402
from performance.domain import facts as k  # noqa: E402
from performance.service_layer.appraisal import Appraisals  # noqa: E402
from performance.service_layer.context import Context  # noqa: E402
from performance.service_layer.intake import FactIntake  # noqa: E402
from secretariat.documents.v1 import events_pb2 as documents  # noqa: E402
from secretariat_shared.calendar import BusinessCalendar  # noqa: E402
from secretariat_shared.clock import ManualClock  # noqa: E402
from secretariat_shared.db import Database  # noqa: E402
from secretariat_shared.directory import DepartmentInfo, PersonInfo  # noqa: E402
from secretariat_shared.events import ReceivedEvent, make_envelope  # noqa: E402
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
                conn.execute(insert(orm.facts), batch)
                batch = []
        if batch:
            conn.execute(insert(orm.facts), batch)
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


def ingest(db: Database, clock: ManualClock, intake: FactIntake, events: int, people: int) -> float:
    handler = intake.on_step_completed
    prepared = []
    for n in range(events):
        payload = documents.StepCompleted(
            document_id="d",
            step_id=f"s{n}",
            step_kind="circulation",
            completed_by=f"p{n % people:05d}",
            met_deadline=n % 7 != 0,
        )
        envelope = make_envelope("documents.step.completed", "documents", "d", payload, clock.now())
        prepared.append(ReceivedEvent.from_bytes(envelope.SerializeToString()))
    began = time.perf_counter()
    for event in prepared:
        with UnitOfWork(db, platform, "performance", clock) as uow:
            uow.session.execute(
                insert(platform.processed_events).values(
                    event_id=event.id, handler="bench", processed_at=clock.now()
                )
            )
            handler(uow, event)
            uow.commit()
    return events / (time.perf_counter() - began)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=3000)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/performance-bench.db"
    upgrade(MIGRATIONS, url)
    db = Database(url)
    quarter_start = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)  # 2026-10-01 00:00 Beijing
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
    print(
        f"seeding {args.facts:,} facts for {args.people:,} people on {db.engine.dialect.name} …",
        flush=True,
    )
    seconds, ratings = seed(db, args.people, args.facts, quarter_start, 92)  # type: ignore[misc]
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
    # Ingestion: facts of the next quarter (nothing published there yet).
    clock.advance(timedelta(days=10).total_seconds())
    rate = ingest(db, clock, intake, args.events, args.people)
    print(f"  ingestion {rate:,.0f} events/s (period not yet published)", flush=True)
    # Late facts: dated inside the published quarter, each recomputes a result.
    late_clock = ManualClock(datetime(2026, 12, 30, 2, 0, tzinfo=UTC))
    late_ctx = Context(ctx.uow_factory, db, late_clock, ctx.calendar, directory, NoApprovals())
    late_intake = FactIntake(late_ctx, Appraisals(late_ctx))
    late_rate = ingest(db, late_clock, late_intake, min(300, args.events), args.people)
    print(
        f"  late facts {late_rate:,.0f} events/s (each recomputes a published result)", flush=True
    )
    results = {
        "date": date.today().isoformat(),
        "dialect": db.engine.dialect.name,
        "people": args.people,
        "facts": args.facts,
        "seed_seconds": round(seconds, 1),
        "quarter_seconds": round(quarter_seconds, 2),
        "quarter_target_seconds": 30,
        "ingestion_events_per_second": round(rate),
        "ingestion_target_events_per_second": 1000,
        "late_fact_events_per_second": round(late_rate),
    }
    out = (
        ROOT
        / "bench"
        / "results"
        / f"{date.today().isoformat()}-performance-{db.engine.dialect.name}.json"
    )
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
