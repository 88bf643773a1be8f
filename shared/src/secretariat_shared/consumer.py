"""The idempotent event consumer (ENGINEERING rules 5 and 6).

One durable queue per consuming service, bound with every pattern a
handler subscribed to. For each message and each matching handler, one
unit of work inserts ``(event_id, handler)`` into ``processed_events`` and
runs the handler; both commit together, so a redelivered event finds its
row and changes nothing. The message is acked only after every matching
handler has committed (or had already been applied).

Retries: a failed message is not requeued at once and does not block the
consumer. It stays unacked (so a crash still gets it redelivered) in an
in-process list until its backoff, ``base_backoff * 2 ** (attempt - 1)``,
has passed; then a copy with ``x-attempts`` incremented is published
(confirmed) to the service's own queue through the default exchange, and
the original is acked. After ``max_attempts`` failures the copy goes to the
dead-letter queue instead, with ``x-attempts``, ``x-last-error`` and
``x-failed-handler`` headers. The delay lives in the consumer rather than
in broker TTL queues because the embedded filesystem transport has no
TTL. A waiting message holds one prefetch slot; handlers already applied
are skipped on the retry. When the consumer stops, waiting retries are
republished at once so their attempt counts survive a restart.

Retries and dead letters go out on a second connection: waiting for a
publish confirm on the consuming connection would dispatch new deliveries
re-entrantly.

Batches (opt-in, ``batch_size`` > 1): messages are gathered until the batch
is full or ``batch_linger`` seconds passed since its first one (or the
queue went quiet), then every matching handler of every message runs in
one unit of work — still one ``processed_events`` row per (event, handler),
so each event is applied once — and the messages are acked after that one
commit: on RabbitMQ with one ``basic.ack`` (``multiple``) for the whole
batch, unless a retry is waiting (it would ack the retry's message too);
the filesystem transport acks them one by one. If anything in the batch
fails, the transaction is rolled back and the batch's messages go through
the one-message path above, so a failing event is retried and
dead-lettered alone. Handlers may use ``UnitOfWork.before_commit`` to do
once per transaction what many events share. With the default
``batch_size=1`` nothing changes.

Handlers receive the open unit of work and must not commit it themselves.
The handler runs inside a CONSUMER span whose parent is the message's
``traceparent``, so events it emits continue the trace.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from opentelemetry import propagate, trace
from prometheus_client import Counter, Histogram
from sqlalchemy import delete, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from secretariat_shared.bus import (
    HEADER_TRACEPARENT,
    PERSISTENT,
    BusTopology,
    Consumer,
    Producer,
    close_quietly,
    connect,
    is_amqp_url,
)
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.tables import PlatformTables
from secretariat_shared.uow import UnitOfWork

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

HEADER_ATTEMPTS = "x-attempts"
HEADER_LAST_ERROR = "x-last-error"
HEADER_FAILED_HANDLER = "x-failed-handler"
HEADER_DEAD_LETTERED_FROM = "x-dead-lettered-from"

EVENTS_CONSUMED = Counter(
    "secretariat_events_consumed_total",
    "Event messages handled and acked (duplicates included)",
    ["service", "event_type"],
)
EVENTS_DUPLICATES = Counter(
    "secretariat_events_duplicates_total",
    "Event messages every matching handler had already applied",
    ["service"],
)
CONSUMER_FAILURES = Counter(
    "secretariat_consumer_failures_total",
    "Handler attempts that failed (each is retried or dead-lettered)",
    ["service", "event_type"],
)
EVENTS_DEAD_LETTERED = Counter(
    "secretariat_events_dead_lettered_total",
    "Event messages moved to the dead-letter queue",
    ["service"],
)
EVENT_DELIVERY = Histogram(
    "secretariat_event_delivery_seconds",
    "Time from the event's envelope time to its handling by a consumer",
    ["service", "event_type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)

_MAX_ERROR_LENGTH = 1000

EventHandler = Callable[[UnitOfWork, ReceivedEvent], None]


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: ``*`` is exactly one word, ``#`` zero or more."""
    words = tuple(pattern.split("."))
    key = tuple(routing_key.split("."))

    @cache
    def match(i: int, j: int) -> bool:
        if i == len(words):
            return j == len(key)
        if words[i] == "#":
            return match(i + 1, j) or (j < len(key) and match(i, j + 1))
        if j == len(key):
            return False
        return words[i] in ("*", key[j]) and match(i + 1, j + 1)

    return match(0, 0)


@dataclass(frozen=True)
class _Subscription:
    pattern: str
    name: str
    handler: EventHandler


@dataclass
class _PendingRetry:
    due: float
    message: Any
    attempts: int
    error: str
    handler: str


class HandlerFailed(Exception):
    def __init__(self, handler: str, cause: BaseException) -> None:
        super().__init__(f"{handler}: {cause!r}")
        self.handler = handler


class EventConsumer:
    """A background worker consuming one service's queue with idempotent handlers."""

    def __init__(
        self,
        bus_url: str,
        topology: BusTopology,
        service: str,
        db: Database,
        tables: PlatformTables,
        uow_factory: Callable[[], UnitOfWork],
        max_attempts: int = 5,
        base_backoff: float = 0.5,
        prefetch: int = 50,
        *,
        max_backoff: float = 60.0,
        poll_interval: float = 0.5,
        heartbeat: float = 30.0,
        clock: Clock,
        processed_retention: timedelta = timedelta(days=30),
        purge_interval: float = 3600.0,
        batch_size: int = 1,
        batch_linger: float = 0.05,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.name = f"{service}-event-consumer"
        self._bus_url = bus_url
        self._topology = topology
        self._service = service
        self._db = db
        self._processed = tables.processed_events
        self._uow_factory = uow_factory
        self._max_attempts = max_attempts
        self._base_backoff = base_backoff
        self._max_backoff = max_backoff
        self._prefetch = max(prefetch, 2 * batch_size) if batch_size > 1 else prefetch
        self._batch_size = batch_size
        self._batch_linger = batch_linger
        self._batch: list[tuple[Any, ReceivedEvent, dict[str, Any]]] = []
        self._batch_started = 0.0
        self._acks_together = is_amqp_url(bus_url)
        self._record_statement: Any = None
        self._record_statement_pg: str | None = None
        self._matching: dict[str, list[_Subscription]] = {}
        self._poll_interval = poll_interval
        self._heartbeat = heartbeat
        self._clock = clock
        self._processed_retention = processed_retention
        self._purge_interval = purge_interval
        self._last_purge = time.monotonic()
        self._subscriptions: list[_Subscription] = []
        self._connection: Any = None
        self._consumer: Any = None
        self._outbound: Any = None
        self._outbound_producer: Any = None
        self._pending: list[_PendingRetry] = []
        self._settled = 0
        self._duplicates = EVENTS_DUPLICATES.labels(service)
        self._dead_lettered = EVENTS_DEAD_LETTERED.labels(service)

    @property
    def queue_name(self) -> str:
        return self._topology.queue_name(self._service)

    @property
    def settled(self) -> int:
        """Messages acked (applied, duplicates, dead-lettered) since the consumer was made."""
        return self._settled

    @property
    def pending_retries(self) -> int:
        """Messages waiting for their retry backoff."""
        return len(self._pending)

    def subscribe(self, event_type_pattern: str, handler_name: str, handler: EventHandler) -> None:
        """Register a handler for events whose type matches a routing-key pattern.

        ``handler_name`` is the deduplication key: keep it stable across releases.
        Subscribe before the consumer connects.
        """
        if any(s.name == handler_name for s in self._subscriptions):
            raise ValueError(f"handler name {handler_name!r} already subscribed")
        if self._connection is not None:
            raise RuntimeError("subscribe before the consumer connects")
        self._subscriptions.append(_Subscription(event_type_pattern, handler_name, handler))
        self._matching.clear()

    # -- connection -------------------------------------------------------

    def declare(self) -> None:
        """Connect and declare the exchanges and this service's queues."""
        self._ensure_connected()

    def _ensure_connected(self) -> Any:
        if self._consumer is not None:
            return self._consumer
        if not self._subscriptions:
            raise RuntimeError(f"{self.name} has no subscriptions")
        connection = connect(self._bus_url, confirm_publish=True, heartbeat=self._heartbeat)
        try:
            connection.ensure_connection(max_retries=0)
            channel = connection.channel()
            queue = self._topology.declare_service(
                channel, self._service, [s.pattern for s in self._subscriptions]
            )
            consumer = Consumer(
                channel,
                queues=[queue],
                no_ack=False,
                auto_declare=False,
                on_message=self._on_message,
                prefetch_count=self._prefetch,
            )
            consumer.consume()
        except Exception:
            close_quietly(connection)
            raise
        self._connection = connection
        self._consumer = consumer
        return consumer

    def _producer(self) -> Any:
        if self._outbound_producer is None:
            connection = connect(self._bus_url, confirm_publish=True)
            try:
                connection.ensure_connection(max_retries=0)
                producer = Producer(connection.channel(), auto_declare=True)
                producer.maybe_declare(self._topology.dead_letter_exchange())
            except Exception:
                close_quietly(connection)
                raise
            self._outbound = connection
            self._outbound_producer = producer
        return self._outbound_producer

    def _drop_outbound(self) -> None:
        connection, self._outbound = self._outbound, None
        self._outbound_producer = None
        if connection is not None:
            close_quietly(connection)

    def _drop_connection(self) -> None:
        """Forget the consuming connection; unacked messages return to the queue."""
        self._pending.clear()
        self._batch.clear()
        connection, self._connection = self._connection, None
        self._consumer = None
        if connection is not None:
            close_quietly(connection)

    def close(self) -> None:
        """Apply a gathered batch, republish waiting retries at once, then close
        both connections."""
        try:
            self._flush_batch()
        except Exception:
            log.warning("%s: could not apply the last batch", self.name, exc_info=True)
        try:
            self._flush_retries(force=True)
        except Exception:
            log.warning("%s: could not hand back waiting retries", self.name, exc_info=True)
        self._drop_connection()
        self._drop_outbound()

    # -- consuming -------------------------------------------------------

    def consume_once(self, timeout: float = 1.0) -> int:
        """Handle what arrives within ``timeout`` seconds; return messages settled.

        Returns early once at least one message was settled and the queue
        has been quiet for a short poll. Meant for tests and scripts.
        """
        self._ensure_connected()
        assert self._connection is not None
        start = self._settled
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            idle = False
            try:
                self._connection.drain_events(timeout=min(remaining, 0.1, self._drain_timeout()))
            except TimeoutError:
                idle = True
            self._flush_batch_if_due(idle)
            self._flush_retries()
            if idle and self._settled > start and not self._pending and not self._batch:
                break
        return self._settled - start

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set, reconnecting with backoff when the bus fails."""
        if not self._subscriptions:
            raise RuntimeError(f"{self.name} has no subscriptions")
        delay = 0.5
        try:
            while not stop.is_set():
                try:
                    self._ensure_connected()
                    assert self._connection is not None
                    idle = False
                    try:
                        self._connection.drain_events(timeout=self._drain_timeout())
                    except TimeoutError:
                        idle = True
                    self._flush_batch_if_due(idle)
                    self._flush_retries()
                    self._connection.heartbeat_check()
                    self._purge_if_due()
                    delay = 0.5
                except Exception as exc:
                    log.warning(
                        "%s: bus connection failed, reconnecting in %.1fs: %r",
                        self.name,
                        delay,
                        exc,
                    )
                    self._drop_connection()
                    self._drop_outbound()
                    stop.wait(delay)
                    delay = min(delay * 2, 30.0)
        finally:
            self.close()

    def purge_processed(self) -> int:
        """Forget applied events older than the retention; return how many rows went.

        Redeliveries come within minutes or hours (broker redelivery, outbox
        retries), so dedupe rows far older than that only cost space.
        """
        table = self._processed
        cutoff = self._clock.now() - self._processed_retention
        with self._db.engine.begin() as conn:
            result = conn.execute(delete(table).where(table.c.processed_at < cutoff))
        return int(result.rowcount or 0)

    def _purge_if_due(self) -> None:
        if time.monotonic() - self._last_purge < self._purge_interval:
            return
        self._last_purge = time.monotonic()
        try:
            self.purge_processed()
        except Exception:
            log.warning("%s: cannot purge old dedupe rows", self.name, exc_info=True)

    def _drain_timeout(self) -> float:
        timeout = self._poll_interval
        if self._batch:
            until_due = self._batch_started + self._batch_linger - time.monotonic()
            timeout = min(timeout, max(until_due, 0.001))
        if self._pending:
            until_due = min(p.due for p in self._pending) - time.monotonic()
            timeout = min(timeout, max(until_due, 0.01))
        return timeout

    def _on_message(self, message: Any) -> None:
        headers: dict[str, Any] = dict(message.headers or {})
        attempts = int(headers.get(HEADER_ATTEMPTS, 0) or 0)
        try:
            event = ReceivedEvent.from_bytes(message.body)
            if not event.id or not event.type:
                raise ValueError("envelope without id or type")
        except Exception as exc:
            log.error("%s: undecodable message, dead-lettering: %r", self.name, exc)
            self._dead_letter(message, attempts + 1, f"undecodable envelope: {exc!r}", "")
            return
        if self._batch_size > 1:
            if not self._batch:
                self._batch_started = time.monotonic()
            self._batch.append((message, event, headers))
            if len(self._batch) >= self._batch_size:
                self._flush_batch()
            return
        self._handle(message, event, headers)

    def _handle(self, message: Any, event: ReceivedEvent, headers: dict[str, Any]) -> None:
        """One message in its own unit of work: ack, or retry later, or dead-letter."""
        attempts = int(headers.get(HEADER_ATTEMPTS, 0) or 0)
        try:
            applied = self._apply(event, headers)
        except HandlerFailed as exc:
            CONSUMER_FAILURES.labels(self._service, event.type).inc()
            attempts += 1
            error = str(exc)
            if attempts >= self._max_attempts:
                log.error(
                    "%s: event %s (%s) failed %d times, dead-lettering: %s",
                    self.name,
                    event.id,
                    event.type,
                    attempts,
                    error,
                )
                self._dead_letter(message, attempts, error, exc.handler)
            else:
                backoff = min(self._max_backoff, self._base_backoff * 2 ** (attempts - 1))
                log.warning(
                    "%s: event %s (%s) failed (attempt %d), retrying in %.2fs: %s",
                    self.name,
                    event.id,
                    event.type,
                    attempts,
                    backoff,
                    error,
                )
                self._pending.append(
                    _PendingRetry(time.monotonic() + backoff, message, attempts, error, exc.handler)
                )
            return
        self._settle(message, event, applied)

    def _settle(self, message: Any, event: ReceivedEvent, applied: bool, ack: bool = True) -> None:
        if ack:
            message.ack()
        self._settled += 1
        EVENTS_CONSUMED.labels(self._service, event.type).inc()
        if applied:
            EVENT_DELIVERY.labels(self._service, event.type).observe(
                max(0.0, (self._clock.now() - event.time).total_seconds())
            )
        else:
            self._duplicates.inc()

    # -- batches ---------------------------------------------------------

    def _flush_batch_if_due(self, idle: bool) -> None:
        if self._batch and (idle or time.monotonic() - self._batch_started >= self._batch_linger):
            self._flush_batch()

    def _flush_batch(self) -> None:
        """Apply the gathered messages in one transaction, then ack them; on any
        failure fall back to one transaction per message."""
        batch, self._batch = self._batch, []
        if not batch:
            return
        try:
            applied = self._apply_batch(batch)
        except Exception as exc:
            log.info(
                "%s: a batch of %d failed (%r); applying its messages one by one",
                self.name,
                len(batch),
                exc,
            )
            for message, event, headers in batch:
                self._handle(message, event, headers)
            return
        together = self._acks_together and not self._pending
        for (message, event, _), did in zip(batch, applied, strict=True):
            self._settle(message, event, did, ack=not together)
        if together:
            batch[-1][0].ack(multiple=True)

    def _apply_batch(self, batch: list[tuple[Any, ReceivedEvent, dict[str, Any]]]) -> list[bool]:
        """Every matching handler of every message in one unit of work; the dedupe
        rows of the whole batch go in with one statement."""
        applied: list[bool] = []
        with self._uow_factory() as uow:
            wanted = [
                (event.id, s.name)
                for _, event, _ in batch
                for s in self._subscriptions_for(event.type)
            ]
            new = self._record_many(uow, wanted)
            for _, event, headers in batch:
                subscriptions = self._subscriptions_for(event.type)
                if not subscriptions:
                    applied.append(True)
                    continue
                did = False
                with self._span(event, headers):
                    for subscription in subscriptions:
                        key = (event.id, subscription.name)
                        if key not in new:
                            continue
                        new.discard(key)
                        subscription.handler(uow, event)
                        did = True
                applied.append(did)
            uow.commit()
        return applied

    def _record_many(self, uow: UnitOfWork, pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Insert the dedupe rows of a batch; return the (event, handler) pairs that
        were not there yet."""
        unique = list(dict.fromkeys(pairs))
        if not unique:
            return set()
        dialect = self._db.dialect
        if dialect == "postgresql":
            return self._record_many_postgresql(uow, unique)
        if dialect != "sqlite":
            return {p for p in unique if self._record(uow, *p)}
        now = uow.clock.now()
        table = self._processed
        new: set[tuple[str, str]] = set()
        for start in range(0, len(unique), 500):
            statement = (
                sqlite.insert(table)
                .values(
                    [
                        {"event_id": e, "handler": h, "processed_at": now}
                        for e, h in unique[start : start + 500]
                    ]
                )
                .on_conflict_do_nothing()
                .returning(table.c.event_id, table.c.handler)
            )
            rows = uow.session.connection().execute(statement)
            new.update((row.event_id, row.handler) for row in rows)
        return new

    def _record_many_postgresql(
        self, uow: UnitOfWork, unique: list[tuple[str, str]]
    ) -> set[tuple[str, str]]:
        """One statement of fixed text whatever the batch's size: the pairs go as
        two arrays that ``unnest`` turns into rows, so psycopg prepares it once
        per connection, and neither SQLAlchemy compiles nor psycopg splits a
        statement of hundreds of placeholders per batch. Runs on the unit of
        work's own connection, inside its transaction."""
        connection = uow.session.connection()
        if self._record_statement_pg is None:
            table = connection.dialect.identifier_preparer.format_table(self._processed)
            self._record_statement_pg = (
                f"INSERT INTO {table} (event_id, handler, processed_at)"
                " SELECT e, h, %s::timestamptz FROM unnest(%s::varchar[], %s::varchar[]) AS u(e, h)"
                " ON CONFLICT DO NOTHING RETURNING event_id, handler"
            )
        driver = connection.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor:
            cursor.execute(
                self._record_statement_pg,
                (uow.clock.now(), [e for e, _ in unique], [h for _, h in unique]),
                prepare=True,
            )
            return {(e, h) for e, h in cursor.fetchall()}

    def _subscriptions_for(self, event_type: str) -> list[_Subscription]:
        """The subscriptions an event type matches, worked out once per type."""
        found = self._matching.get(event_type)
        if found is None:
            found = [s for s in self._subscriptions if topic_matches(s.pattern, event_type)]
            self._matching[event_type] = found
        return found

    def _span(self, event: ReceivedEvent, headers: dict[str, Any]) -> Any:
        traceparent = str(headers.get(HEADER_TRACEPARENT) or event.traceparent)
        parent = propagate.extract({"traceparent": traceparent}) if traceparent else None
        return _tracer.start_as_current_span(
            f"{event.type} process",
            context=parent,
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.destination.name": self.queue_name,
                "messaging.message.id": event.id,
                "messaging.operation.type": "process",
            },
        )

    def _apply(self, event: ReceivedEvent, headers: dict[str, Any]) -> bool:
        """Run every matching handler once; return whether any of them did work."""
        subscriptions = self._subscriptions_for(event.type)
        if not subscriptions:
            log.debug("%s: no handler for %s", self.name, event.type)
            return True
        traceparent = str(headers.get(HEADER_TRACEPARENT) or event.traceparent)
        parent = propagate.extract({"traceparent": traceparent}) if traceparent else None
        applied = False
        with _tracer.start_as_current_span(
            f"{event.type} process",
            context=parent,
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.destination.name": self.queue_name,
                "messaging.message.id": event.id,
                "messaging.operation.type": "process",
            },
        ):
            for subscription in subscriptions:
                try:
                    with self._uow_factory() as uow:
                        if not self._record(uow, event.id, subscription.name):
                            continue
                        subscription.handler(uow, event)
                        uow.commit()
                        applied = True
                except Exception as exc:
                    raise HandlerFailed(subscription.name, exc) from exc
        return applied

    def _record(self, uow: UnitOfWork, event_id: str, handler: str) -> bool:
        """Insert the dedupe row in the handler's transaction; False if already there."""
        values = {"event_id": event_id, "handler": handler, "processed_at": uow.clock.now()}
        dialect = self._db.dialect
        if dialect in ("postgresql", "sqlite"):
            if self._record_statement is None:
                insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
                self._record_statement = (
                    insert_fn(self._processed)
                    .on_conflict_do_nothing()
                    .returning(self._processed.c.event_id)
                )
            connection = uow.session.connection()
            return connection.execute(self._record_statement, values).first() is not None
        try:
            with uow.session.begin_nested():
                uow.session.execute(insert(self._processed).values(values))
        except IntegrityError:
            return False
        return True

    # -- retries and dead letters ----------------------------------------

    def _republish(self, message: Any, headers: dict[str, Any], dead: bool) -> None:
        producer = self._producer()
        properties = message.properties or {}
        try:
            if dead:
                name = self._topology.dead_letter_queue_name(self._service)
                exchange: Any = self._topology.dead_letter_exchange()
            else:
                name = self.queue_name
                exchange = ""
            producer.publish(
                message.body,
                exchange=exchange,
                routing_key=name,
                delivery_mode=PERSISTENT,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                headers=headers,
                message_id=properties.get("message_id"),
                retry=False,
            )
        except Exception:
            self._drop_outbound()
            raise

    def _dead_letter(self, message: Any, attempts: int, error: str, handler: str) -> None:
        headers = dict(message.headers or {})
        headers.update(
            {
                HEADER_ATTEMPTS: attempts,
                HEADER_LAST_ERROR: error[:_MAX_ERROR_LENGTH],
                HEADER_FAILED_HANDLER: handler,
                HEADER_DEAD_LETTERED_FROM: self.queue_name,
            }
        )
        self._republish(message, headers, dead=True)
        message.ack()
        self._settled += 1
        self._dead_lettered.inc()

    def _flush_retries(self, force: bool = False) -> None:
        if not self._pending:
            return
        now = time.monotonic()
        due = [p for p in self._pending if force or p.due <= now]
        for retry in due:
            headers = dict(retry.message.headers or {})
            headers[HEADER_ATTEMPTS] = retry.attempts
            headers[HEADER_LAST_ERROR] = retry.error[:_MAX_ERROR_LENGTH]
            headers[HEADER_FAILED_HANDLER] = retry.handler
            self._republish(retry.message, headers, dead=False)
            retry.message.ack()
            self._pending.remove(retry)
