"""SPEC X-05 / ENGINEERING rule 8: durable timers fire once, survive restarts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from secretariat_shared.clock import ManualClock
from secretariat_shared.db import Database
from secretariat_shared.tables import PlatformTables
from secretariat_shared.timers import (
    TimerFiring,
    TimerHandler,
    TimerScheduler,
    TimerStore,
)
from secretariat_shared.uow import UnitOfWork

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Env:
    url: str
    db: Database
    tables: PlatformTables
    effects: Table
    clock: ManualClock
    store: TimerStore
    fired: list[TimerFiring] = field(default_factory=list)
    extra_dbs: list[Database] = field(default_factory=list)

    def uow(self, db: Database | None = None) -> UnitOfWork:
        return UnitOfWork(db or self.db, self.tables, "test", self.clock)

    def record(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        uow.session.execute(insert(self.effects).values(timer_key=firing.key))
        uow.audit("scheduler", "timer.fired", "timer", firing.key)
        self.fired.append(firing)

    def scheduler(
        self,
        handlers: dict[str, TimerHandler] | None = None,
        db: Database | None = None,
        **kwargs: Any,
    ) -> TimerScheduler:
        target = db or self.db
        return TimerScheduler(
            target,
            self.tables,
            self.clock,
            handlers if handlers is not None else {"reminder": self.record},
            lambda: self.uow(target),
            kwargs.pop("service", "test"),
            **kwargs,
        )

    def new_database(self) -> Database:
        db = Database(self.url)
        self.extra_dbs.append(db)
        return db

    def schedule(
        self,
        key: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
        kind: str = "reminder",
    ) -> None:
        with self.uow() as uow:
            self.store.schedule(uow.session, kind, key, due_at, payload or {})
            uow.commit()

    def timer(self, key: str) -> Any:
        with self.db.reading() as session:
            return session.execute(
                select(self.tables.timers).where(self.tables.timers.c.key == key)
            ).one()

    def effect_keys(self) -> list[str]:
        with self.db.reading() as session:
            return list(session.execute(select(self.effects.c.timer_key)).scalars())

    def audit_count(self) -> int:
        with self.db.reading() as session:
            return session.execute(
                select(func.count()).select_from(self.tables.audit_log)
            ).scalar_one()


@pytest.fixture
def env(database_url: str) -> Iterator[Env]:
    metadata = MetaData()
    tables = PlatformTables(metadata)
    effects = Table(
        "timer_effects",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("timer_key", String(200), nullable=False),
    )
    db = Database(database_url)
    metadata.create_all(db.engine)
    environment = Env(database_url, db, tables, effects, ManualClock(T0), TimerStore(tables))
    yield environment
    for extra in environment.extra_dbs:
        extra.dispose()
    db.dispose()


def test_x05_timer_fires_when_due_and_not_before(env: Env) -> None:
    env.schedule("doc-1:remind", T0 + timedelta(minutes=10), {"document": "doc-1"})
    scheduler = env.scheduler()

    assert scheduler.run_once() == 0
    env.clock.advance(599)
    assert scheduler.run_once() == 0
    assert env.effect_keys() == []

    env.clock.advance(1)
    assert scheduler.run_once() == 1
    assert env.effect_keys() == ["doc-1:remind"]
    [firing] = env.fired
    assert firing.kind == "reminder"
    assert firing.payload == {"document": "doc-1"}
    assert firing.due_at == T0 + timedelta(minutes=10)
    assert firing.fired_at == env.clock.now()
    row = env.timer("doc-1:remind")
    assert row.fired_at == env.clock.now()
    assert row.attempts == 0

    env.clock.advance(3600)
    assert scheduler.run_once() == 0
    assert env.effect_keys() == ["doc-1:remind"]
    with env.db.reading() as session:
        assert env.store.pending(session, "doc-1:remind") is None


def test_x05_fires_exactly_once_with_racing_schedulers(env: Env) -> None:
    count = 200
    with env.uow() as uow:
        for i in range(count):
            env.store.schedule(uow.session, "reminder", f"t{i}", T0 + timedelta(seconds=i), {})
        uow.commit()
    env.clock.advance(count)

    schedulers = [
        env.scheduler(db=env.new_database(), worker_id=f"worker-{n}", batch_size=7)
        for n in range(3)
    ]
    barrier = threading.Barrier(len(schedulers))
    totals = [0] * len(schedulers)
    errors: list[BaseException] = []

    def race(index: int) -> None:
        try:
            barrier.wait()
            for _ in range(20):
                totals[index] += schedulers[index].run_once()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(len(schedulers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    keys = env.effect_keys()
    assert len(keys) == count
    assert len(set(keys)) == count
    assert sum(totals) == count
    assert env.audit_count() == count


def test_x05_timer_survives_a_restart(env: Env) -> None:
    env.schedule("loan-7:overdue", T0 + timedelta(days=14))
    env.db.dispose()

    restarted_db = env.new_database()
    scheduler = env.scheduler(db=restarted_db)
    env.clock.advance(14 * 86400)
    assert scheduler.run_once() == 1
    assert env.effect_keys() == ["loan-7:overdue"]


class Crash(BaseException):
    """Stands in for the process dying in the middle of a handler."""


def test_x05_crash_mid_firing_fires_again_after_the_lease_never_twice(env: Env) -> None:
    env.schedule("step-3:escalate", T0)

    def crash(uow: UnitOfWork, firing: TimerFiring) -> None:
        env.record(uow, firing)
        raise Crash

    dying = env.scheduler({"reminder": crash}, worker_id="dying", lease_seconds=60)
    with pytest.raises(Crash):
        dying.run_once()
    assert env.effect_keys() == []
    assert env.timer("step-3:escalate").claimed_by == "dying"

    successor = env.scheduler(db=env.new_database(), worker_id="successor", lease_seconds=60)
    assert successor.run_once() == 0, "the dead worker's lease still holds"
    env.clock.advance(61)
    assert successor.run_once() == 1
    assert successor.run_once() == 0
    assert env.effect_keys() == ["step-3:escalate"]


def test_x05_failing_handler_is_rolled_back_and_retried_after_backoff(env: Env) -> None:
    env.schedule("meeting-1:warn", T0)
    calls: list[datetime] = []

    def flaky(uow: UnitOfWork, firing: TimerFiring) -> None:
        calls.append(env.clock.now())
        env.record(uow, firing)
        if len(calls) <= 2:
            raise RuntimeError(f"mail server down (try {len(calls)})")

    failures_before = (
        REGISTRY.get_sample_value(
            "secretariat_timer_failures_total", {"service": "flaky-svc", "kind": "reminder"}
        )
        or 0.0
    )
    scheduler = env.scheduler(
        {"reminder": flaky}, service="flaky-svc", base_backoff_seconds=10, max_backoff_seconds=15
    )

    assert scheduler.run_once() == 0
    row = env.timer("meeting-1:warn")
    assert row.fired_at is None
    assert row.attempts == 1
    assert "mail server down (try 1)" in row.last_error
    assert row.claimed_until == T0 + timedelta(seconds=10)
    assert env.effect_keys() == []
    assert env.audit_count() == 0

    env.clock.advance(9)
    assert scheduler.run_once() == 0
    assert len(calls) == 1, "not retried before the backoff ends"

    env.clock.advance(2)
    assert scheduler.run_once() == 0
    row = env.timer("meeting-1:warn")
    assert row.attempts == 2
    assert row.claimed_until == env.clock.now() + timedelta(seconds=15), "backoff is capped"

    env.clock.advance(16)
    assert scheduler.run_once() == 1
    assert len(calls) == 3
    assert env.effect_keys() == ["meeting-1:warn"]
    row = env.timer("meeting-1:warn")
    assert row.fired_at == env.clock.now()
    assert row.last_error is None
    failures_after = REGISTRY.get_sample_value(
        "secretariat_timer_failures_total", {"service": "flaky-svc", "kind": "reminder"}
    )
    assert failures_after == failures_before + 2


def test_x05_backoff_grows_exponentially_and_is_capped(env: Env) -> None:
    scheduler = env.scheduler(base_backoff_seconds=1, max_backoff_seconds=300)
    assert [scheduler.backoff_seconds(n) for n in range(1, 6)] == [1, 2, 4, 8, 16]
    assert scheduler.backoff_seconds(40) == 300
    assert scheduler.backoff_seconds(10**6) == 300


def test_x05_unknown_kind_is_an_error_not_dropped(env: Env) -> None:
    env.schedule("x:1", T0, kind="mystery")
    scheduler = env.scheduler()
    assert scheduler.run_once() == 0
    row = env.timer("x:1")
    assert row.fired_at is None
    assert row.attempts == 1
    assert "mystery" in row.last_error

    fixed = env.scheduler({"mystery": env.record}, db=env.new_database())
    env.clock.advance(3600)
    assert fixed.run_once() == 1
    assert env.effect_keys() == ["x:1"]


def test_x05_cancelled_timer_never_fires(env: Env) -> None:
    env.schedule("req-9:remind", T0 + timedelta(hours=1))
    with env.uow() as uow:
        assert env.store.cancel(uow.session, "req-9:remind", env.clock.now())
        uow.commit()
    with env.uow() as uow:
        assert not env.store.cancel(uow.session, "req-9:remind", env.clock.now())
        assert env.store.pending(uow.session, "req-9:remind") is None
        assert not env.store.cancel(uow.session, "no-such-timer", env.clock.now())

    env.clock.advance(7200)
    assert env.scheduler().run_once() == 0
    assert env.effect_keys() == []
    assert env.timer("req-9:remind").cancelled_at == T0


def test_x05_cancel_rolled_back_with_its_transaction(env: Env) -> None:
    env.schedule("req-10:remind", T0)
    with env.uow() as uow:
        env.store.cancel(uow.session, "req-10:remind", env.clock.now())
    assert env.scheduler().run_once() == 1


def test_x05_schedule_is_idempotent_on_key(env: Env) -> None:
    due = T0 + timedelta(hours=2)
    env.schedule("doc-2:remind", due, {"n": 1})
    env.schedule("doc-2:remind", due, {"n": 1})
    with env.db.reading() as session:
        assert session.execute(select(func.count()).select_from(env.tables.timers)).scalar() == 1
        pending = env.store.pending(session, "doc-2:remind")
    assert pending is not None
    assert pending.due_at == due

    env.clock.set(due)
    assert env.scheduler().run_once() == 1
    fired_at = env.timer("doc-2:remind").fired_at

    env.schedule("doc-2:remind", due + timedelta(days=1), {"n": 2})
    row = env.timer("doc-2:remind")
    assert row.fired_at == fired_at
    assert row.due_at == due
    assert row.payload == {"n": 1}
    env.clock.advance(2 * 86400)
    assert env.scheduler().run_once() == 0
    assert env.effect_keys() == ["doc-2:remind"]


def test_x05_rescheduled_timer_fires_at_the_new_time(env: Env) -> None:
    env.schedule("step-4:remind", T0 + timedelta(minutes=1), {"v": "old"})
    env.schedule("step-4:remind", T0 + timedelta(minutes=2), {"v": "new"})
    scheduler = env.scheduler()

    env.clock.advance(60)
    assert scheduler.run_once() == 0
    env.clock.advance(60)
    assert scheduler.run_once() == 1
    assert [f.payload for f in env.fired] == [{"v": "new"}]
    assert env.fired[0].due_at == T0 + timedelta(minutes=2)


def test_x05_schedule_after_cancel_revives_the_timer(env: Env) -> None:
    env.schedule("step-5:remind", T0)
    with env.uow() as uow:
        env.store.cancel(uow.session, "step-5:remind", env.clock.now())
        uow.commit()
    env.schedule("step-5:remind", T0 + timedelta(minutes=5))
    env.clock.advance(300)
    assert env.scheduler().run_once() == 1
    assert env.timer("step-5:remind").cancelled_at is None


def test_x05_metrics_count_firings_lag_and_backlog(env: Env) -> None:
    labels = {"service": "metrics-svc", "kind": "reminder"}

    def sample(name: str, lab: dict[str, str]) -> float:
        return REGISTRY.get_sample_value(name, lab) or 0.0

    fired_before = sample("secretariat_timers_fired_total", labels)
    lag_count_before = sample("secretariat_timer_lag_seconds_count", labels)
    lag_sum_before = sample("secretariat_timer_lag_seconds_sum", labels)

    env.schedule("m:1", T0)
    env.schedule("m:2", T0, kind="mystery")
    env.clock.advance(30)
    scheduler = env.scheduler(service="metrics-svc")
    assert scheduler.run_once() == 1

    assert sample("secretariat_timers_fired_total", labels) == fired_before + 1
    assert sample("secretariat_timer_lag_seconds_count", labels) == lag_count_before + 1
    assert sample("secretariat_timer_lag_seconds_sum", labels) == pytest.approx(lag_sum_before + 30)
    assert sample("secretariat_timers_due", {"service": "metrics-svc"}) == 1
    assert (
        sample("secretariat_timer_failures_total", {"service": "metrics-svc", "kind": "mystery"})
        >= 1
    )


def test_x05_worker_runs_until_stopped(env: Env) -> None:
    env.schedule("loop:1", T0)
    scheduler = env.scheduler(interval=0.01)
    stop = threading.Event()
    thread = threading.Thread(target=scheduler.run, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not env.effect_keys() and time.monotonic() < deadline:
            time.sleep(0.01)
        env.schedule("loop:2", T0 + timedelta(seconds=5))
        env.clock.advance(5)
        while len(env.effect_keys()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert sorted(env.effect_keys()) == ["loop:1", "loop:2"]
    assert scheduler.name.startswith("timer-scheduler")


def test_x05_stopping_mid_batch_hands_back_unfired_claims(env: Env) -> None:
    with env.uow() as uow:
        for i in range(5):
            env.store.schedule(uow.session, "reminder", f"s{i}", T0, {})
        uow.commit()
    stop = threading.Event()

    def fire_then_stop(uow: UnitOfWork, firing: TimerFiring) -> None:
        env.record(uow, firing)
        stop.set()

    # Stop is honoured between groups of firings; one timer per group here.
    stopping = env.scheduler(
        {"reminder": fire_then_stop}, worker_id="stopping", interval=0, group_size=1
    )
    stopping.run(stop)
    assert env.effect_keys() == ["s0"]
    assert all(env.timer(f"s{i}").claimed_by is None for i in range(1, 5))

    assert env.scheduler(worker_id="next").run_once() == 4
    assert sorted(env.effect_keys()) == [f"s{i}" for i in range(5)]


def _bulk_timers(env: Env, total: int, due: int) -> None:
    rows = [
        {
            "kind": "reminder",
            "key": f"bulk-{i}",
            "due_at": T0 + timedelta(seconds=i) if i < due else T0 + timedelta(days=30, seconds=i),
            "payload": {"i": i},
            "attempts": 0,
        }
        for i in range(total)
    ]
    with env.db.engine.begin() as conn:
        for start in range(0, total, 10_000):
            conn.execute(insert(env.tables.timers), rows[start : start + 10_000])


def test_x05_a_sweep_fires_every_due_timer_once_oldest_first_among_many_not_due(
    env: Env,
) -> None:
    """1,200 due among 12,000: more than two batches, the last one short. How
    fast a sweep of 10,000 among 100,000 runs is measured in ``bench/`` (Timers)."""
    _bulk_timers(env, total=12_000, due=1_200)
    env.clock.advance(10_000)
    fired: list[str] = []

    def note_key(_uow: UnitOfWork, firing: TimerFiring) -> None:
        fired.append(firing.key)

    scheduler = env.scheduler({"reminder": note_key})

    assert scheduler.run_once() == 1_200
    assert len(set(fired)) == 1_200
    assert fired[0] == "bulk-0", "oldest first"
    assert scheduler.run_once() == 0


def test_x05_a_claim_takes_at_most_one_batch(env: Env) -> None:
    with env.uow() as uow:
        for i in range(60):
            env.store.schedule(uow.session, "reminder", f"b{i}", T0, {})
        uow.commit()
    claimed_when_firing: list[int] = []

    def count_claims(uow: UnitOfWork, firing: TimerFiring) -> None:
        timers = env.tables.timers
        claimed_when_firing.append(
            uow.session.execute(
                select(func.count())
                .select_from(timers)
                .where(timers.c.claimed_by == "w", timers.c.claimed_until.is_not(None))
            ).scalar_one()
        )

    scheduler = env.scheduler({"reminder": count_claims}, worker_id="w", batch_size=25)
    assert scheduler.run_once() == 60
    assert max(claimed_when_firing) <= 25


def test_x05_one_failing_timer_does_not_hold_back_its_group(env: Env) -> None:
    with env.uow() as uow:
        for i in range(10):
            env.store.schedule(uow.session, "reminder", f"g{i}", T0, {})
        uow.commit()
    calls: list[str] = []

    def fail_on_g3(uow: UnitOfWork, firing: TimerFiring) -> None:
        calls.append(firing.key)
        if firing.key == "g3":
            raise RuntimeError("bad payload")
        env.record(uow, firing)

    scheduler = env.scheduler({"reminder": fail_on_g3}, worker_id="w", group_size=10)
    assert scheduler.run_once() == 9
    assert sorted(env.effect_keys()) == sorted(f"g{i}" for i in range(10) if i != 3)
    assert calls.count("g3") == 1
    row = env.timer("g3")
    assert row.fired_at is None
    assert row.attempts == 1
