"""The outbox relay: publishes committed outbox rows to the bus (ENGINEERING rule 4).

Each round claims up to ``batch_size`` unsent rows in id order with
``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL; on SQLite the write
transaction's lock serialises relays), publishes them as one confirmed
batch, and marks them all sent with one UPDATE in the same transaction.
Several replicas on one PostgreSQL database therefore never claim the same
row at once, and a row is published twice only if the commit after a
confirmed publish fails (consumers deduplicate; rule 5).

If publishing fails, the claimed rows get ``attempts + 1`` and
``last_error`` and stay unsent; the relay backs off (exponentially, up to
``max_backoff``) and tries again until they go out. The connection is
opened before the claim, so a broker that is down costs no lock time.

Order: rows go out in id order within a relay; with replicas, batches
interleave, so consumers must not rely on order across aggregates.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from prometheus_client import Counter, Gauge
from sqlalchemy import Integer, bindparam, delete, func, select, update

from secretariat.common.v1 import envelope_pb2
from secretariat_shared.bus import EventPublisher, OutgoingEvent, PublishFailed
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.tables import PlatformTables

log = logging.getLogger(__name__)

OUTBOX_UNSENT = Gauge(
    "secretariat_outbox_unsent",
    "Outbox rows not yet published",
    ["service"],
)
OUTBOX_LAG = Gauge(
    "secretariat_outbox_lag_seconds",
    "Age of the oldest unpublished outbox row",
    ["service"],
)
OUTBOX_PUBLISHED = Counter(
    "secretariat_outbox_published_total",
    "Outbox rows published to the bus",
    ["service"],
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "secretariat_outbox_publish_failures_total",
    "Outbox batches that could not be published",
    ["service"],
)

_MAX_ERROR_LENGTH = 2000


def _traceparent(envelope: bytes) -> str:
    parsed = envelope_pb2.EventEnvelope()
    try:
        parsed.ParseFromString(envelope)
    except Exception:
        return ""
    return parsed.traceparent


class OutboxRelay:
    """A background worker that drains one service's outbox to the bus.

    Pass :meth:`wake` as the unit of work's ``on_commit`` so a commit is
    published at once rather than at the next poll.
    """

    def __init__(
        self,
        db: Database,
        tables: PlatformTables,
        publisher: EventPublisher,
        clock: Clock,
        service: str,
        batch_size: int = 200,
        idle_interval: float = 0.2,
        *,
        retry_backoff: float = 0.5,
        max_backoff: float = 30.0,
        metrics_interval: float = 1.0,
        sent_retention: timedelta = timedelta(days=7),
        purge_interval: float = 600.0,
        linger: float = 0.005,
    ) -> None:
        self.name = f"{service}-outbox-relay"
        self._db = db
        self._outbox = tables.outbox
        self._publisher = publisher
        self._clock = clock
        self._service = service
        self._batch_size = batch_size
        self._idle_interval = idle_interval
        self._retry_backoff = retry_backoff
        self._max_backoff = max_backoff
        self._metrics_interval = metrics_interval
        self._sent_retention = sent_retention
        self._purge_interval = purge_interval
        self._linger = linger
        self._wakeup = threading.Event()
        self._consecutive_failures = 0
        self._published = OUTBOX_PUBLISHED.labels(service)
        self._failures = OUTBOX_PUBLISH_FAILURES.labels(service)
        self._unsent = OUTBOX_UNSENT.labels(service)
        self._lag = OUTBOX_LAG.labels(service)
        outbox = tables.outbox
        self._claim = (
            select(outbox.c.id, outbox.c.event_id, outbox.c.event_type, outbox.c.envelope)
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.id)
            .limit(bindparam("limit", type_=Integer()))
            .with_for_update(skip_locked=True)
        )
        self._mark_sent = (
            update(outbox)
            .where(outbox.c.id.in_(bindparam("ids", expanding=True)))
            .values(
                sent_at=bindparam("now", type_=outbox.c.sent_at.type),
                attempts=outbox.c.attempts + 1,
            )
        )

    def _connect(self) -> PublishFailed | None:
        try:
            self._publisher.connect(max_retries=0)
        except PublishFailed as exc:
            return exc
        return None

    @property
    def consecutive_failures(self) -> int:
        return self._consecutive_failures

    def wake(self) -> None:
        """Ask the relay to run now (called after a commit that wrote events)."""
        self._wakeup.set()

    def run_once(self) -> int:
        """Publish one batch of unsent rows; return how many were published.

        A failed publish is recorded on the rows and returns 0.
        """
        outbox = self._outbox
        look_first = self._db.dialect != "postgresql"
        connect_error: PublishFailed | None = None
        if look_first:
            # SQLite: the claim's write transaction locks the whole file, so look
            # with a read first and connect before taking it.
            with self._db.reading() as session:
                pending = session.execute(
                    select(outbox.c.id).where(outbox.c.sent_at.is_(None)).limit(1)
                ).first()
            if pending is None:
                return 0
            connect_error = self._connect()
        session = self._db.write_session()
        try:
            rows = session.execute(self._claim, {"limit": self._batch_size}).all()
            if not rows:
                session.commit()
                return 0
            if not look_first:
                # PostgreSQL: the claim skips rows other relays hold, so holding
                # these while connecting blocks nobody.
                connect_error = self._connect()
            ids = [row.id for row in rows]
            error = connect_error
            if error is None:
                batch = [
                    OutgoingEvent(
                        row.envelope, row.event_type, row.event_id, _traceparent(row.envelope)
                    )
                    for row in rows
                ]
                try:
                    self._publisher.publish_batch(batch, retry=False)
                except PublishFailed as exc:
                    error = exc
            if error is not None:
                session.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(ids))
                    .values(
                        attempts=outbox.c.attempts + 1,
                        last_error=str(error)[:_MAX_ERROR_LENGTH],
                    )
                )
                session.commit()
                self._consecutive_failures += 1
                self._failures.inc()
                log.warning(
                    "%s: %d outbox row(s) not published, will retry: %s",
                    self._service,
                    len(ids),
                    error,
                )
                return 0
            with self._db.pipelined(session, commit=True):
                session.execute(self._mark_sent, {"ids": ids, "now": self._clock.now()})
            session.commit()
        finally:
            session.close()
        self._consecutive_failures = 0
        self._published.inc(len(ids))
        return len(ids)

    def refresh_metrics(self) -> tuple[int, float]:
        """Update the unsent and lag gauges; return (unsent rows, lag in seconds)."""
        outbox = self._outbox
        with self._db.reading() as session:
            count, oldest = session.execute(
                select(func.count(), func.min(outbox.c.created_at)).where(
                    outbox.c.sent_at.is_(None)
                )
            ).one()
        oldest_at: datetime | None = oldest
        lag = 0.0
        if oldest_at is not None:
            lag = max(0.0, (self._clock.now() - oldest_at).total_seconds())
        self._unsent.set(count)
        self._lag.set(lag)
        return int(count), lag

    def _backoff(self) -> float:
        exponent = min(self._consecutive_failures - 1, 30)
        return float(min(self._max_backoff, self._retry_backoff * 2**exponent))

    def purge_sent(self, batch: int = 5000) -> int:
        """Delete rows published longer ago than the retention; return how many.

        Sent rows are kept a while for inspection and replay, then removed so
        the outbox does not grow without bound. Deletes go in batches to keep
        each transaction short.
        """
        outbox = self._outbox
        cutoff = self._clock.now() - self._sent_retention
        removed = 0
        while True:
            with self._db.engine.begin() as conn:
                ids = list(
                    conn.execute(
                        select(outbox.c.id)
                        .where(outbox.c.sent_at.is_not(None), outbox.c.sent_at < cutoff)
                        .order_by(outbox.c.id)
                        .limit(batch)
                    ).scalars()
                )
                if ids:
                    conn.execute(delete(outbox).where(outbox.c.id.in_(ids)))
            removed += len(ids)
            if len(ids) < batch:
                return removed

    def run(self, stop: threading.Event) -> None:
        """Publish until ``stop`` is set: at once when woken, else every ``idle_interval``."""
        last_metrics = 0.0
        last_purge = time.monotonic()
        try:
            while not stop.is_set():
                self._wakeup.clear()
                published = 0
                try:
                    published = self.run_once()
                except Exception:
                    self._consecutive_failures += 1
                    log.exception("%s: outbox relay round failed", self._service)
                if time.monotonic() - last_metrics >= self._metrics_interval:
                    try:
                        self.refresh_metrics()
                    except Exception:
                        log.warning("%s: cannot read outbox metrics", self._service, exc_info=True)
                    last_metrics = time.monotonic()
                if time.monotonic() - last_purge >= self._purge_interval:
                    try:
                        self.purge_sent()
                    except Exception:
                        log.warning(
                            "%s: cannot purge sent outbox rows", self._service, exc_info=True
                        )
                    last_purge = time.monotonic()
                if self._consecutive_failures:
                    stop.wait(self._backoff())
                elif published < self._batch_size and self._wakeup.wait(self._idle_interval):
                    # Woken by a commit: linger a moment so a burst of commits
                    # goes out as one batch and one write transaction.
                    stop.wait(self._linger)
        finally:
            self._publisher.close()
