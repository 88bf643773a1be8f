"""Durable timers: a deadline is a row with a due time (SPEC X-05, rule 8).

A use case schedules a timer with :class:`TimerStore` in its own
transaction, so the deadline exists exactly when the change that needs it
was committed. The owning service's :class:`TimerScheduler` sweeps the
``timers`` table and fires each due timer once, even with several
schedulers on the same database and across restarts:

1. *Claim* a batch of due rows in one short transaction: select up to
   ``batch_size`` candidate ids (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
   so concurrent schedulers take disjoint batches; SQLite serialises
   writers with ``BEGIN IMMEDIATE``), then stamp them with one conditional
   ``UPDATE`` setting ``claimed_by``/``claimed_until`` (a lease).
2. *Fire* each claimed row in its own :class:`UnitOfWork`: a conditional
   ``UPDATE`` sets ``fired_at`` only if the row is still unfired, not
   cancelled, due and claimed by this worker (on PostgreSQL that update
   also holds the row lock), then the handler runs with the same unit of
   work and it commits. The handler's effects and the fired mark commit
   together: a crash before the commit leaves the row to be claimed again
   once the lease runs out; a commit means it never fires again.

A handler that raises is rolled back; the row records the attempt and the
error and is leased out of reach for an exponential, capped backoff. A
handler only writes through the unit of work it is given and never commits
it: the scheduler commits, so the effect and the fired mark stay one.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import Row, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.tables import PlatformTables
from secretariat_shared.uow import UnitOfWork

log = logging.getLogger(__name__)

TIMERS_FIRED = Counter(
    "secretariat_timers_fired_total",
    "Timers fired (handler committed), by kind",
    ["service", "kind"],
)
TIMER_FAILURES = Counter(
    "secretariat_timer_failures_total",
    "Timer firings that failed (handler error or no handler) and will be retried",
    ["service", "kind"],
)
TIMER_LAG = Histogram(
    "secretariat_timer_lag_seconds",
    "Seconds from a timer's due time to its firing",
    ["service", "kind"],
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600),
)
TIMERS_DUE = Gauge(
    "secretariat_timers_due",
    "Timers due and unfired at the end of the last sweep (backlog and timers in backoff)",
    ["service"],
)

_MAX_ERROR_CHARS = 4000


@dataclass(frozen=True)
class TimerFiring:
    """What a handler learns about the timer it is firing."""

    id: int
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]
    fired_at: datetime


TimerHandler = Callable[[UnitOfWork, TimerFiring], None]
"""Applies a timer's effect inside the given unit of work; must not commit it."""


class TimerStore:
    """Schedule and cancel timers inside the caller's transaction."""

    def __init__(self, tables: PlatformTables) -> None:
        self._timers = tables.timers
        self._statements: dict[str, Any] = {}

    def schedule(
        self,
        session: Session,
        kind: str,
        key: str,
        due_at: datetime,
        payload: Mapping[str, Any],
    ) -> None:
        """Create the timer ``key``, or move it if it has not fired yet.

        Idempotent on ``key``: an unfired timer (pending or cancelled) gets
        the new kind, due time and payload, is un-cancelled and its retry
        state is reset; a timer that already fired is left as it is. One
        ``INSERT … ON CONFLICT`` statement, so concurrent calls cannot race.
        """
        if due_at.tzinfo is None:
            raise ValueError("due_at must be timezone-aware")
        dialect = session.get_bind().dialect.name
        session.execute(
            self._upsert(dialect),
            {"kind": kind, "key": key, "due_at": due_at, "payload": dict(payload)},
        )

    def schedule_many(
        self,
        session: Session,
        timers: Iterable[tuple[str, str, datetime, Mapping[str, Any]]],
    ) -> None:
        """:meth:`schedule` for many ``(kind, key, due_at, payload)`` at once, in one
        executemany instead of a round trip each (a publication starts a clock
        per person). A key given twice keeps its last values, as two calls would."""
        rows: dict[str, dict[str, Any]] = {}
        for kind, key, due_at, payload in timers:
            if due_at.tzinfo is None:
                raise ValueError("due_at must be timezone-aware")
            rows.pop(key, None)
            rows[key] = {"kind": kind, "key": key, "due_at": due_at, "payload": dict(payload)}
        if rows:
            dialect = session.get_bind().dialect.name
            session.execute(self._upsert(dialect), list(rows.values()))

    def _upsert(self, dialect: str) -> Any:
        """The schedule statement, built once per dialect (building it costs more than running it)."""
        cached = self._statements.get(dialect)
        if cached is not None:
            return cached
        t = self._timers
        insert_fn: Any
        if dialect == "postgresql":
            insert_fn = postgresql.insert
        elif dialect == "sqlite":
            insert_fn = sqlite.insert
        else:
            raise NotImplementedError(f"timers are not supported on {dialect!r}")
        stmt = insert_fn(t).values(
            kind=bindparam("kind", type_=t.c.kind.type),
            key=bindparam("key", type_=t.c.key.type),
            due_at=bindparam("due_at", type_=t.c.due_at.type),
            payload=bindparam("payload", type_=t.c.payload.type),
            attempts=0,
        )
        upsert = stmt.on_conflict_do_update(
            index_elements=[t.c.key],
            set_={
                "kind": stmt.excluded.kind,
                "due_at": stmt.excluded.due_at,
                "payload": stmt.excluded.payload,
                "cancelled_at": None,
                "claimed_by": None,
                "claimed_until": None,
                "attempts": 0,
                "last_error": None,
            },
            where=t.c.fired_at.is_(None),
        )
        self._statements[dialect] = upsert
        return upsert

    def cancel(self, session: Session, key: str, now: datetime) -> bool:
        """Cancel the timer ``key`` unless it fired; True if a pending timer was cancelled."""
        t = self._timers
        result = session.connection().execute(
            update(t)
            .where(t.c.key == key, t.c.fired_at.is_(None), t.c.cancelled_at.is_(None))
            .values(cancelled_at=now)
        )
        return result.rowcount > 0

    def cancel_many(self, session: Session, keys: Sequence[str], now: datetime) -> None:
        """:meth:`cancel` for several keys in one statement; how many were pending is
        not read, so it may go in a pipeline (``Database.pipelined``)."""
        statement = self._statements.get("cancel_many")
        if statement is None:
            t = self._timers
            statement = self._statements["cancel_many"] = (
                update(t)
                .where(
                    t.c.key.in_(bindparam("keys", expanding=True)),
                    t.c.fired_at.is_(None),
                    t.c.cancelled_at.is_(None),
                )
                .values(cancelled_at=bindparam("now", type_=t.c.cancelled_at.type))
            )
        session.execute(statement, {"keys": list(keys), "now": now})

    def pending(self, session: Session, key: str) -> Row[Any] | None:
        """The timer ``key`` if it is neither fired nor cancelled."""
        t = self._timers
        return session.execute(
            select(t).where(t.c.key == key, t.c.fired_at.is_(None), t.c.cancelled_at.is_(None))
        ).first()


@dataclass(frozen=True)
class _Claimed:
    id: int
    kind: str
    attempts: int


def _default_worker_id(service: str) -> str:
    return f"{service}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:100]


class TimerScheduler:
    """Fires due timers once; a background worker of a service process."""

    def __init__(
        self,
        db: Database,
        tables: PlatformTables,
        clock: Clock,
        handlers: Mapping[str, TimerHandler],
        uow_factory: Callable[[], UnitOfWork],
        service: str,
        worker_id: str | None = None,
        interval: float = 1.0,
        batch_size: int = 500,
        lease_seconds: float = 60,
        max_backoff_seconds: float = 300,
        base_backoff_seconds: float = 1.0,
        group_size: int = 100,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.name = f"timer-scheduler:{service}"
        self._db = db
        self._timers = tables.timers
        self._clock = clock
        self._handlers = dict(handlers)
        self._uow_factory = uow_factory
        self._service = service
        self.worker_id = (worker_id or _default_worker_id(service))[:100]
        self._interval = interval
        self._batch_size = batch_size
        self._lease = timedelta(seconds=lease_seconds)
        self._max_backoff = max_backoff_seconds
        self._base_backoff = base_backoff_seconds
        self._group_size = max(1, group_size)
        t = self._timers
        self._mark_fired = (
            update(t)
            .where(
                t.c.id == bindparam("timer_id"),
                t.c.fired_at.is_(None),
                t.c.cancelled_at.is_(None),
                t.c.claimed_by == bindparam("worker"),
                t.c.due_at <= bindparam("now"),
            )
            .values(fired_at=bindparam("now"), claimed_until=None, last_error=None)
            .returning(t.c.kind, t.c.key, t.c.due_at, t.c.payload)
        )

    def run(self, stop: threading.Event) -> None:
        """Sweep every ``interval`` seconds until ``stop`` is set."""
        log.info("timer scheduler %s started", self.worker_id)
        while not stop.is_set():
            try:
                self._sweep(stop)
            except Exception:
                log.exception("timer sweep failed; retrying in %.1fs", self._interval)
            stop.wait(self._interval)
        log.info("timer scheduler %s stopped", self.worker_id)

    def run_once(self) -> int:
        """Fire every timer due now; return how many fired."""
        return self._sweep(None)

    def backoff_seconds(self, attempts: int) -> float:
        """Delay before retry number ``attempts`` (1 = the first retry)."""
        exponent = min(max(attempts - 1, 0), 62)
        return float(min(self._max_backoff, self._base_backoff * (2**exponent)))

    def _sweep(self, stop: threading.Event | None) -> int:
        fired = 0
        while stop is None or not stop.is_set():
            batch = self._claim_batch()
            for start in range(0, len(batch), self._group_size):
                if stop is not None and stop.is_set():
                    self._release(batch[start:])
                    break
                group = list(batch[start : start + self._group_size])
                fast, failed = self._fire_group_at_once(group)
                if fast is not None:
                    fired += fast
                    continue
                if failed is not None:
                    self._record_failure(*failed)
                    group = [c for c in group if c.id != failed[0].id]
                fired += self._fire_group(group, stop)
            if len(batch) < self._batch_size:
                break
        self._update_due_gauge()
        return fired

    def _due_condition(self, now: datetime) -> ColumnElement[bool]:
        t = self._timers
        return and_(
            t.c.fired_at.is_(None),
            t.c.cancelled_at.is_(None),
            t.c.due_at <= now,
            or_(t.c.claimed_until.is_(None), t.c.claimed_until < now),
        )

    def _claim_batch(self) -> list[_Claimed]:
        """Lease up to ``batch_size`` due rows to this worker: two statements, one transaction.

        The candidate ids are read first (``FOR UPDATE SKIP LOCKED`` on
        PostgreSQL) and then updated by id. An ``UPDATE … WHERE id IN
        (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`` in one statement is not
        safe: PostgreSQL may rescan the subquery, and each rescan skips the
        rows it has just locked, so the update claims far more than ``n``.
        """
        t = self._timers
        now = self._clock.now()
        due = self._due_condition(now)
        with self._db.engine.begin() as conn:
            ids = list(
                conn.execute(
                    select(t.c.id)
                    .where(due)
                    .order_by(t.c.due_at, t.c.id)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                ).scalars()
            )
            if not ids:
                return []
            rows = list(
                conn.execute(
                    update(t)
                    .where(t.c.id.in_(ids), due)
                    .values(claimed_by=self.worker_id, claimed_until=now + self._lease)
                    .returning(t.c.id, t.c.kind, t.c.attempts, t.c.due_at)
                ).all()
            )
        rows.sort(key=lambda r: (r.due_at, r.id))
        return [_Claimed(id=r.id, kind=r.kind, attempts=r.attempts) for r in rows]

    def _fire_group_at_once(
        self, group: Sequence[_Claimed]
    ) -> tuple[int | None, tuple[_Claimed, str] | None]:
        """The common case: mark the whole group fired in one statement and run
        every handler in one transaction. If a handler is missing or fails,
        nothing changes and the result is (None, the failed timer and its
        error); the caller records that failure and fires the rest one
        savepoint at a time, so no failing handler runs twice in one sweep.
        """
        if any(c.kind not in self._handlers for c in group):
            return None, None
        by_id = {c.id: c for c in group}
        current: _Claimed | None = None
        t = self._timers
        now = self._clock.now()
        fired: list[TimerFiring] = []
        try:
            with self._uow_factory() as uow:
                rows = uow.session.execute(
                    update(t)
                    .where(
                        t.c.id.in_([c.id for c in group]),
                        t.c.fired_at.is_(None),
                        t.c.cancelled_at.is_(None),
                        t.c.claimed_by == self.worker_id,
                        t.c.due_at <= now,
                    )
                    .values(fired_at=now, claimed_until=None, last_error=None)
                    .returning(t.c.id, t.c.kind, t.c.key, t.c.due_at, t.c.payload)
                ).all()
                for row in sorted(rows, key=lambda r: (r.due_at, r.id)):
                    current = by_id[row.id]
                    firing = TimerFiring(
                        id=row.id,
                        kind=row.kind,
                        key=row.key,
                        due_at=row.due_at,
                        payload=dict(row.payload or {}),
                        fired_at=now,
                    )
                    self._handlers[row.kind](uow, firing)
                    fired.append(firing)
                uow.commit()
        except Exception as exc:
            if current is None:
                log.exception("firing a group of %d timers failed", len(group))
                return None, None
            log.exception(
                "timer %d (%s) failed",
                current.id,
                current.kind,
                extra={"fields": {"timer_id": current.id, "timer_kind": current.kind}},
            )
            return None, (current, f"{type(exc).__name__}: {exc}")
        for firing in fired:
            TIMERS_FIRED.labels(self._service, firing.kind).inc()
            TIMER_LAG.labels(self._service, firing.kind).observe(
                max((firing.fired_at - firing.due_at).total_seconds(), 0.0)
            )
        return len(fired), None

    def _fire_group(self, group: Sequence[_Claimed], stop: threading.Event | None = None) -> int:
        """Fire claimed timers in one transaction, each handler in its own savepoint.

        One commit per group instead of per timer is what makes a sweep of
        thousands of due timers fast; the savepoint keeps one failing
        handler from undoing the others. A timer's effects and its fired
        mark still commit together or not at all.
        """
        failures: list[tuple[_Claimed, str]] = []
        fired: list[TimerFiring] = []
        unfired: list[_Claimed] = []
        try:
            with self._uow_factory() as uow:
                for position, claimed in enumerate(group):
                    if stop is not None and stop.is_set():
                        unfired = list(group[position:])
                        break
                    handler = self._handlers.get(claimed.kind)
                    if handler is None:
                        log.error(
                            "timer %d has kind %r, which no handler fires", claimed.id, claimed.kind
                        )
                        failures.append((claimed, f"no handler for timer kind {claimed.kind!r}"))
                        continue
                    now = self._clock.now()
                    firing: TimerFiring | None = None
                    try:
                        with uow.savepoint():
                            row = (
                                uow.session.connection()
                                .execute(
                                    self._mark_fired,
                                    {"timer_id": claimed.id, "worker": self.worker_id, "now": now},
                                )
                                .first()
                            )
                            if row is None:
                                continue
                            firing = TimerFiring(
                                id=claimed.id,
                                kind=row.kind,
                                key=row.key,
                                due_at=row.due_at,
                                payload=dict(row.payload or {}),
                                fired_at=now,
                            )
                            handler(uow, firing)
                    except Exception as exc:
                        key = firing.key if firing is not None else str(claimed.id)
                        log.exception(
                            "timer %s (%s) failed",
                            key,
                            claimed.kind,
                            extra={"fields": {"timer_key": key, "timer_kind": claimed.kind}},
                        )
                        failures.append((claimed, f"{type(exc).__name__}: {exc}"))
                        continue
                    fired.append(firing)
                uow.commit()
        except Exception:
            log.exception(
                "committing %d timer firings failed; their leases will expire", len(group)
            )
            return 0
        self._release(unfired)
        for claimed, error in failures:
            self._record_failure(claimed, error)
        for firing in fired:
            TIMERS_FIRED.labels(self._service, firing.kind).inc()
            TIMER_LAG.labels(self._service, firing.kind).observe(
                max((firing.fired_at - firing.due_at).total_seconds(), 0.0)
            )
        return len(fired)

    def _record_failure(self, claimed: _Claimed, error: str) -> None:
        """Count the attempt and lease the row out of reach until its backoff ends."""
        TIMER_FAILURES.labels(self._service, claimed.kind).inc()
        attempts = claimed.attempts + 1
        delay = self.backoff_seconds(attempts)
        t = self._timers
        now = self._clock.now()
        try:
            with self._db.engine.begin() as conn:
                conn.execute(
                    update(t)
                    .where(
                        t.c.id == claimed.id,
                        t.c.fired_at.is_(None),
                        t.c.claimed_by == self.worker_id,
                    )
                    .values(
                        attempts=attempts,
                        last_error=error[:_MAX_ERROR_CHARS],
                        claimed_until=now + timedelta(seconds=delay),
                    )
                )
        except Exception:
            log.exception("could not record the failure of timer %d", claimed.id)

    def _release(self, rest: Sequence[_Claimed]) -> None:
        """Hand back claimed rows not fired because the worker is stopping."""
        if not rest:
            return
        t = self._timers
        with self._db.engine.begin() as conn:
            conn.execute(
                update(t)
                .where(
                    t.c.id.in_([c.id for c in rest]),
                    t.c.fired_at.is_(None),
                    t.c.claimed_by == self.worker_id,
                )
                .values(claimed_by=None, claimed_until=None)
            )

    def _update_due_gauge(self) -> None:
        t = self._timers
        now = self._clock.now()
        with self._db.reading() as session:
            due = session.execute(
                select(func.count())
                .select_from(t)
                .where(t.c.fired_at.is_(None), t.c.cancelled_at.is_(None), t.c.due_at <= now)
            ).scalar_one()
        TIMERS_DUE.labels(self._service).set(due)
