"""A gunicorn worker a slow client cannot hold (issue 13).

gunicorn's ``gthread`` worker hands a connection to a thread as soon as its
first bytes arrive; the thread then blocks until the whole request is in.
Three half-sent requests were enough to keep ``/livez`` waiting. This
worker reads each request's head, and its body when it is small and has a
``Content-Length``, in the worker's event loop, without a thread, and
hands the connection to a thread only once that much is complete. A client
that takes longer than ``REQUEST_READ_SECONDS`` is disconnected. Bodies too
large to pre-read (or chunked), and answers, are read and written by the
thread with a per-operation socket timeout.

Built on gunicorn 27's ``ThreadWorker`` (``TConn``, its poller and deques);
``gateway/tests/integration/test_slow_clients.py`` runs it for real.

Draining (issue 21): on SIGTERM a worker first keeps serving for
``SECRETARIAT_HTTP_DRAIN_SECONDS`` while ``/readyz`` answers 503
(:data:`gateway.draining.DRAINING`), so the load balancer takes the pod out
of rotation before it stops accepting; then gunicorn's graceful shutdown
finishes the requests in flight. A second SIGTERM stops at once.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import socket
import threading
import time
from collections import deque
from functools import partial
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

from gateway.draining import DRAINING

REQUEST_READ_SECONDS = float(os.environ.get("SECRETARIAT_HTTP_READ_TIMEOUT", "10"))
"""Time a client has to send a request's head (and small body) once it starts."""

SOCKET_SECONDS = float(os.environ.get("SECRETARIAT_HTTP_SOCKET_TIMEOUT", "30"))
"""Longest a thread waits on one read or write of a large body or an answer."""

DRAIN_SECONDS = float(os.environ.get("SECRETARIAT_HTTP_DRAIN_SECONDS", "0"))
"""Seconds a worker keeps serving after SIGTERM with /readyz failing (0: stop at once)."""

PREREAD_LIMIT = 256 * 1024
# Above the longest head gunicorn_conf's limits allow (50 fields of 8190 bytes and
# a 4094-byte request line): any valid head is read whole here, and a longer one
# is refused by the parser from what is buffered.
HEAD_LIMIT = 512 * 1024
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d{1,12})[ \t]*\r\n", re.IGNORECASE)
CHUNKED = re.compile(rb"\r\ntransfer-encoding:", re.IGNORECASE)
# Such a client sends its body only after "100 Continue", which the thread answers.
EXPECT_CONTINUE = re.compile(rb"\r\nexpect:[ \t]*100-continue", re.IGNORECASE)


def wanted_bytes(head: bytes) -> int | None:
    """How many bytes make the request complete enough for a thread, or None while the
    head is still arriving."""
    end = head.find(b"\r\n\r\n")
    if end < 0:
        return None if len(head) < HEAD_LIMIT else len(head)
    head_length = end + 4
    if CHUNKED.search(head, 0, head_length) or EXPECT_CONTINUE.search(head, 0, head_length):
        return head_length
    found = CONTENT_LENGTH.search(head, 0, head_length)
    if found is None:
        return head_length
    body = int(found.group(1))
    return head_length + body if body <= PREREAD_LIMIT else head_length


class SlowClientSafeWorker(ThreadWorker):  # type: ignore[misc]
    """gthread whose threads only ever see requests that have arrived."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arriving: deque[Any] = deque()

    def accept(self, listener: socket.socket) -> None:
        try:
            client_sock, client_addr = listener.accept()
        except OSError:
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, client_sock, client_addr, listener.getsockname())
        self._await_request(conn)

    def on_client_socket_readable(self, conn: Any, client: Any) -> None:
        """A kept-alive connection's next request starts: read it without a thread too."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._await_request(conn)

    def _await_request(self, conn: Any) -> None:
        conn.sock.setblocking(False)
        conn.arrived = bytearray()
        conn.timeout = time.monotonic() + REQUEST_READ_SECONDS
        self.arriving.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_request_bytes, conn))

    def _on_request_bytes(self, conn: Any, client: Any) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(conn)
            return
        conn.arrived += data
        wanted = wanted_bytes(bytes(conn.arrived))
        if wanted is None or len(conn.arrived) < wanted:
            return
        self.poller.unregister(conn.sock)
        self.arriving.remove(conn)
        conn.data_ready = True
        self.enqueue_req(conn)

    def _drop(self, conn: Any) -> None:
        with contextlib.suppress(OSError, KeyError, ValueError):
            self.poller.unregister(conn.sock)
        with contextlib.suppress(ValueError):
            self.arriving.remove(conn)
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        while self.arriving and self.arriving[0].timeout <= now:
            self._drop(self.arriving[0])

    def handle(self, conn: Any) -> Any:
        arrived = getattr(conn, "arrived", None)
        if arrived:
            conn.arrived = None
            conn.sock.setblocking(True)
            conn.init()
            conn.parser.unreader.unread(bytes(arrived))
        return super().handle(conn)

    def handle_exit(self, sig: Any, frame: Any) -> None:
        if DRAIN_SECONDS <= 0 or DRAINING.is_set():
            super().handle_exit(sig, frame)
            return
        DRAINING.set()
        self.log.info("draining: /readyz fails for %.1fs before shutting down", DRAIN_SECONDS)
        later = threading.Timer(DRAIN_SECONDS, super().handle_exit, args=(sig, frame))
        later.daemon = True
        later.start()

    def handle_request(self, req: Any, conn: Any) -> Any:
        # Whatever the thread still reads (a large body) or writes waits this long at most.
        conn.sock.settimeout(SOCKET_SECONDS)
        return super().handle_request(req, conn)
