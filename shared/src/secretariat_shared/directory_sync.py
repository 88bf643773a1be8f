"""Dropping cached directory answers when the directory changes (SPEC X-01, issue 21).

Several processes cache what the gateway's Directory answers: every
:class:`~secretariat_shared.directory.GrpcDirectory` (department heads,
people, role holders; 30 s) and the gateway's caller records (5 s). When a
person or a department changes, the gateway writes
``directory.person.changed`` / ``directory.department.changed`` to its
outbox in the same transaction, and the Directory server's relay publishes
it on the events exchange, beside ``directory.calendar.updated``.

A service's durable queue hands an event to *one* of its replicas, which is
not enough here: *every* process must drop its entries. So each process
runs one :class:`DirectoryChangeListener`, which consumes an exclusive,
auto-deleted queue of its own (``<prefix><service>.directory-changes.<host>.<pid>.<random>``),
bound to both routing keys: a broadcast. It hands each change to every
cache registered in the process (:func:`register`). Nothing is written to a
database, so no dedupe row is needed; dropping an entry twice is harmless.

How stale an answer may be:

- normally the relay's poll (0.2 s) plus one delivery: well under a second
  after the change commits;
- when the listener is disconnected from the bus, changes during the gap are
  lost with the queue, so on every (re)connect it drops *everything*; the
  caches' own TTL bounds staleness when an event is missed any other way.

The embedded filesystem transport has neither exclusive nor auto-delete
queues: the listener deletes its queue (binding and messages) when it
stops, and on start removes the queues of processes on this host that are
gone, so a crashed process does not leave messages piling up for it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import uuid
import weakref
from dataclasses import dataclass
from typing import Any, Protocol

from secretariat.directory.v1 import events_pb2
from secretariat_shared.bus import (
    BusTopology,
    Queue,
    binding,
    close_quietly,
    connect,
    is_filesystem_url,
)
from secretariat_shared.bus import Consumer as KombuConsumer
from secretariat_shared.events import ReceivedEvent

log = logging.getLogger(__name__)

PERSON_CHANGED = "directory.person.changed"
DEPARTMENT_CHANGED = "directory.department.changed"
ROUTING_KEYS = (PERSON_CHANGED, DEPARTMENT_CHANGED)

PERSON = "person"
DEPARTMENT = "department"
EVERYTHING = "everything"


@dataclass(frozen=True)
class DirectoryChange:
    """What a cache must forget.

    ``kind`` is :data:`PERSON` (``key`` a username, ``roles`` and
    ``departments`` what the person held before or after),
    :data:`DEPARTMENT` (``key`` a department code, ``people`` its heads and
    leaders before or after) or :data:`EVERYTHING`.
    """

    kind: str
    key: str = ""
    roles: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    people: frozenset[str] = frozenset()


FORGET_EVERYTHING = DirectoryChange(EVERYTHING)


def change_of(event: ReceivedEvent) -> DirectoryChange | None:
    """The change a directory event announces, or None for another event."""
    if event.type == PERSON_CHANGED:
        person = event.payload_as(events_pb2.PersonChanged)
        return DirectoryChange(
            PERSON,
            person.username,  # type: ignore[attr-defined]
            roles=frozenset(person.roles),  # type: ignore[attr-defined]
            departments=frozenset(person.department_codes),  # type: ignore[attr-defined]
        )
    if event.type == DEPARTMENT_CHANGED:
        department = event.payload_as(events_pb2.DepartmentChanged)
        return DirectoryChange(
            DEPARTMENT,
            department.code,  # type: ignore[attr-defined]
            people=frozenset(department.usernames),  # type: ignore[attr-defined]
        )
    return None


class DirectoryCache(Protocol):
    """Anything that keeps directory answers and can drop them."""

    def forget(self, change: DirectoryChange) -> None: ...


_caches: weakref.WeakSet[Any] = weakref.WeakSet()
_caches_lock = threading.Lock()


def register(cache: DirectoryCache) -> None:
    """Have ``cache`` told of every change this process hears of (held weakly)."""
    with _caches_lock:
        _caches.add(cache)


def forget(change: DirectoryChange) -> int:
    """Tell every registered cache of ``change``; return how many were told."""
    with _caches_lock:
        caches = list(_caches)
    for cache in caches:
        try:
            cache.forget(change)
        except Exception:
            log.exception("directory cache %r could not forget %s", cache, change)
    return len(caches)


def _host() -> str:
    return "".join(c if c.isalnum() or c == "-" else "-" for c in socket.gethostname())[:40]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DirectoryChangeListener:
    """A background worker: this process's broadcast subscription to directory changes."""

    def __init__(
        self,
        bus_url: str,
        topology: BusTopology,
        service: str,
        *,
        poll_interval: float = 0.25,
    ) -> None:
        self.name = f"{service}-directory-changes"
        self._bus_url = bus_url
        self._topology = topology
        self._poll_interval = poll_interval
        self._marker = f"{topology.prefix}{service}.directory-changes."
        self.queue_name = f"{self._marker}{_host()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        self._connection: Any = None
        self._queue: Any = None
        self.heard = 0
        self.connected = threading.Event()

    def _declare(self) -> None:
        connection = connect(self._bus_url, confirm_publish=False, heartbeat=30.0)
        if is_filesystem_url(self._bus_url):
            connection.transport_options["polling_interval"] = self._poll_interval
        try:
            connection.ensure_connection(max_retries=0)
            channel = connection.channel()
            exchange = self._topology.events_exchange()
            exchange(channel).declare()
            if is_filesystem_url(self._bus_url):
                self._remove_orphans(channel)
            queue = Queue(
                self.queue_name,
                bindings=[binding(exchange, routing_key=key) for key in ROUTING_KEYS],
                durable=False,
                exclusive=True,
                auto_delete=True,
            )(channel)
            queue.declare()
            consumer = KombuConsumer(
                channel,
                queues=[queue],
                no_ack=True,
                auto_declare=False,
                on_message=self._on_message,
            )
            consumer.consume()
        except Exception:
            close_quietly(connection)
            raise
        self._connection = connection
        self._queue = queue
        # Whatever changed while no queue of ours existed is unknown.
        forget(FORGET_EVERYTHING)
        self.connected.set()

    def _remove_orphans(self, channel: Any) -> None:
        """Filesystem bus: unbind and purge the queues of this host's dead processes."""
        exchange = self._topology.exchange_name
        prefix = f"{self._marker}{_host()}."
        for entry in channel.get_table(exchange):
            if not entry.queue.startswith(prefix):
                continue
            pid = entry.queue[len(prefix) :].partition(".")[0]
            if not pid.isdigit() or _pid_alive(int(pid)):
                continue
            with contextlib.suppress(Exception):
                channel._delete(entry.queue, exchange, entry.routing_key, entry.pattern)
                log.info("directory changes: removed the queue of gone process %s", pid)

    def _on_message(self, message: Any) -> None:
        try:
            change = change_of(ReceivedEvent.from_bytes(message.body))
        except Exception as exc:
            log.warning("directory changes: undecodable message dropped: %r", exc)
            return
        if change is not None:
            self.heard += 1
            forget(change)

    def _drop(self, delete_queue: bool) -> None:
        connection, self._connection = self._connection, None
        queue, self._queue = self._queue, None
        self.connected.clear()
        if connection is None:
            return
        if delete_queue and queue is not None and is_filesystem_url(self._bus_url):
            with contextlib.suppress(Exception):
                queue.delete()
        close_quietly(connection)

    def run(self, stop: threading.Event) -> None:
        """Listen until ``stop`` is set, reconnecting with backoff when the bus fails."""
        delay = 0.5
        try:
            while not stop.is_set():
                try:
                    if self._connection is None:
                        self._declare()
                    with contextlib.suppress(TimeoutError, socket.timeout):
                        self._connection.drain_events(timeout=1.0)
                    self._connection.heartbeat_check()
                    delay = 0.5
                except Exception as exc:
                    log.warning(
                        "%s: bus connection failed, reconnecting in %.1fs: %r",
                        self.name,
                        delay,
                        exc,
                    )
                    self._drop(delete_queue=False)
                    stop.wait(delay)
                    delay = min(delay * 2, 30.0)
        finally:
            self._drop(delete_queue=True)


def start_listener(
    bus_url: str, topology: BusTopology, service: str
) -> tuple[DirectoryChangeListener, threading.Event]:
    """Run a listener in a daemon thread (processes without a worker list: the
    gateway's HTTP workers); set the returned event to stop it."""
    listener = DirectoryChangeListener(bus_url, topology, service)
    stop = threading.Event()
    threading.Thread(target=listener.run, args=(stop,), name=listener.name, daemon=True).start()
    return listener, stop


def listeners_for(
    bus_url: str, directory_address: str, topology: BusTopology, service: str
) -> list[DirectoryChangeListener]:
    """The listener a process needs when it talks to the Directory, else none
    (a process built with a test directory caches nothing)."""
    if not directory_address:
        return []
    return [DirectoryChangeListener(bus_url, topology, service)]
