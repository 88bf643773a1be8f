"""Cuttable network links: a small TCP forwarder per link, which a test cuts and restores.

Each :class:`Link` listens on a free port of 127.0.0.1 and forwards every
connection to one upstream (PostgreSQL, RabbitMQ). A service given the
link's address instead of the server's (:meth:`Link.proxied`) talks to
the server as before, until the test calls :meth:`Link.cut`: every live
connection is reset at once and every new one is reset on accept, as when
a network partition or a firewall change ends the service's sessions.
:meth:`Link.restore` lets connections through again; nothing is replayed,
so clients must reconnect on their own.

All links of a :class:`Network` share one asyncio event loop on a
background thread, so a cut takes effect between two reads of any pump.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy.engine import make_url

CONNECT_TIMEOUT = 5.0
_CHUNK = 65536


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0): the peer sees ECONNRESET at once."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class Link:
    """One forwarded TCP path 127.0.0.1:<port> → upstream, which can be cut."""

    def __init__(self, network: Network, name: str, host: str, port: int) -> None:
        self.name = name
        self.upstream = (host, port)
        self.port = 0
        self.up = True
        self.accepted = 0
        self.refused = 0
        self._network = network
        self._server: asyncio.AbstractServer | None = None
        self._live: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()

    # -- what a test calls (any thread) ---------------------------------------

    def cut(self) -> None:
        """Reset every live connection and refuse new ones until :meth:`restore`."""
        self._network.call(self._cut)

    def restore(self) -> None:
        """Let connections through again."""
        self._network.call(self._restore)

    @contextmanager
    def down(self) -> Iterator[None]:
        """The link cut for the ``with`` block."""
        self.cut()
        try:
            yield
        finally:
            self.restore()

    def proxied(self, url: str) -> str:
        """``url`` (a database or AMQP URL) pointed at this link instead of the server."""
        if url.startswith(("amqp://", "amqps://", "pyamqp://")):
            parts = urllib.parse.urlsplit(url)
            credentials = parts.netloc.rpartition("@")[0]
            netloc = (
                f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
            )
            return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
        return (
            make_url(url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    # -- the event loop's side -------------------------------------------------

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _stop(self) -> None:
        self._cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def _cut(self) -> None:
        self.up = False
        for client, upstream in list(self._live):
            _reset(client)
            _reset(upstream)
        self._live.clear()

    def _restore(self) -> None:
        self.up = True

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            self.refused += 1
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(*self.upstream), CONNECT_TIMEOUT
            )
        except (OSError, TimeoutError):
            _reset(writer)
            return
        if not self.up:  # cut while the upstream connection was being opened
            self.refused += 1
            _reset(writer)
            _reset(up_writer)
            return
        self.accepted += 1
        pair = (writer, up_writer)
        self._live.add(pair)
        try:
            await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))
        finally:
            self._live.discard(pair)

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copy one direction until either side ends, then close the other side."""
        try:
            while data := await reader.read(_CHUNK):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()


class Network:
    """The links of one test system and the event loop thread that serves them."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="links", daemon=True)
        self._thread.start()
        self.links: dict[str, Link] = {}

    def call(self, fn: Any, *args: Any) -> None:
        """Run ``fn`` on the event loop and wait for it."""
        done: Future[None] = Future()

        def run() -> None:
            try:
                fn(*args)
            except BaseException as exc:
                done.set_exception(exc)
            else:
                done.set_result(None)

        self._loop.call_soon_threadsafe(run)
        done.result(timeout=10)

    def link(self, name: str, url: str) -> Link:
        """A new link to the server of ``url`` (a database or AMQP URL)."""
        if url.startswith(("amqp://", "amqps://", "pyamqp://")):
            parts = urllib.parse.urlsplit(url)
            host, port = parts.hostname or "127.0.0.1", parts.port or 5672
        else:
            parsed = make_url(url)
            host, port = parsed.host or "127.0.0.1", parsed.port or 5432
        link = Link(self, name, host, port)
        asyncio.run_coroutine_threadsafe(link._start(), self._loop).result(timeout=10)
        self.links[name] = link
        return link

    def close(self) -> None:
        for link in self.links.values():
            asyncio.run_coroutine_threadsafe(link._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
