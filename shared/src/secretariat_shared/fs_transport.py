"""The embedded message transport: kombu's filesystem transport made safe to share.

kombu's ``filesystem`` channel stores each message as one file,
``<ms>_<uuid>.<queue>.msg``, in a folder every process shares. Its stock
implementation has three problems that this module's channel fixes, keeping
the same folder layout and file names:

- **Torn reads.** The publisher creates the message file under its final
  name and then writes into it; a consumer listing the folder in between
  claims an empty or half-written file, fails to decode it and the message
  is lost (seen once in 10,000 in the performance bench). Here the
  publisher writes a hidden temporary file (``.tmp-…``, which readers never
  look at) in the same folder and renames it into place with
  ``os.replace``, so a message file is always complete.
- **Non-atomic claims.** A consumer claimed a message by moving it to the
  system's temporary folder; on another filesystem that is a copy and a
  delete, so two competing consumers could both take it. Here the claim is
  a rename into ``.claimed/`` inside the message folder: one filesystem, one
  winner.
- **A listing per message.** Each read listed and sorted the whole folder,
  so reading a backlog of n messages cost n² (63 events/s applied while 736
  were published in the performance bench). Here one listing serves the
  queue's following reads, oldest first, until it runs out; a name another
  consumer took in the meantime is skipped. The exchange's binding table is
  likewise read again only when its file changed, not on every publish.
- **Lost bindings.** The stock bind tested whether the exchange's table
  file existed and, if not, created it with ``open("wb")``: two processes
  binding to a new exchange at once both truncated it and one binding was
  lost, so that queue never heard a message (a directory-change listener
  of two starting together, once in CI). Here the bind opens or creates the
  file in one call and reads, changes and rewrites it under the lock.

A consumer that dies between claiming a message and acknowledging it still
loses that message (TOOLING.md): the outbox side redelivers idempotently.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections import deque
from queue import Empty
from time import monotonic, time_ns
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

TEMPORARY_PREFIX = ".tmp-"
"""Messages being written; readers skip every name starting with a dot."""
CLAIMED_FOLDER = ".claimed"
"""Where a consumer moves the message it takes, inside the message folder."""
SETTLED_NS = 50_000_000
"""How old a table file's mtime must be before its cached reading is trusted.
File times come from a coarse clock (a kernel tick, 1–10 ms), so two writes
within one tick that leave the size alike share a signature."""


# kombu's classes are handled as Any, as in bus.py: strict mypy rejects its
# unannotated API call by call.
_StockChannel: Any = filesystem.Channel
_StockTransport: Any = filesystem.Transport


class Channel(_StockChannel):  # type: ignore[misc]
    """A filesystem channel with atomic writes and claims and a cached listing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listed: dict[str, deque[str]] = {}
        self._tables: dict[str, tuple[tuple[int, int, int], list[Any]]] = {}
        self._claimed: str | None = None

    # -- publishing ------------------------------------------------------

    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        """Write the message to a hidden file, then rename it into the queue."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        folder = self.data_folder_out
        temporary = os.path.join(folder, f"{TEMPORARY_PREFIX}{name}")
        try:
            with open(temporary, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, os.path.join(folder, name))
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc

    def get_table(self, exchange: str) -> list[Any]:
        """The exchange's bindings, read again only when its file changed."""
        file = self._exchange_file(exchange)
        try:
            st = os.stat(file)
        except FileNotFoundError:
            self._tables.pop(exchange, None)
            return []
        signature = (st.st_ino, st.st_size, st.st_mtime_ns)
        cached = self._tables.get(exchange)
        settled = time_ns() - st.st_mtime_ns > SETTLED_NS
        if settled and cached is not None and cached[0] == signature:
            return cached[1]
        table = self._read_table(file)
        if settled:
            self._tables[exchange] = (signature, table)
        return table

    @staticmethod
    def _read_table(file: Any) -> list[Any]:
        """The table under a shared lock; a file a bind has just created is empty."""
        try:
            with open(file, "rb") as f:
                filesystem.lock(f, filesystem.LOCK_SH)
                try:
                    raw = bytes_to_str(f.read())
                finally:
                    filesystem.unlock(f)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc
        return [filesystem.exchange_queue_t(*q) for q in loads(raw)] if raw else []

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        """Add a binding to the exchange's table: create, read and write under one lock."""
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(exist_ok=True)
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        try:
            fd = os.open(file, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc
        with os.fdopen(fd, "rb+", buffering=0) as f:
            filesystem.lock(f, filesystem.LOCK_EX)
            try:
                raw = bytes_to_str(f.read())
                table = [filesystem.exchange_queue_t(*q) for q in loads(raw)] if raw else []
                if entry not in table:
                    table.insert(0, entry)
                    f.seek(0)
                    f.write(str_to_bytes(dumps(table)))
                    f.truncate()
            finally:
                filesystem.unlock(f)

    # -- consuming -------------------------------------------------------

    def _claimed_folder(self) -> str:
        folder = self._claimed
        if folder is None:
            folder = os.path.join(self.data_folder_in, CLAIMED_FOLDER)
            os.makedirs(folder, exist_ok=True)
            self._claimed = folder
        return folder

    def _list(self, queue: str) -> deque[str]:
        suffix = f".{queue}.msg"
        names = sorted(
            n
            for n in os.listdir(self.data_folder_in)
            if not n.startswith(".") and n.partition(".")[2] == suffix[1:]
        )
        return deque(names)

    def _get(self, queue: str) -> Any:
        """Claim the oldest message of ``queue`` by renaming it, then read it."""
        listed = self._listed.get(queue)
        if not listed:
            listed = self._listed[queue] = self._list(queue)
        claimed = self._claimed_folder()
        while listed:
            name = listed.popleft()
            target = os.path.join(claimed, name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), target)
            except FileNotFoundError:
                continue  # another consumer took it
            try:
                with open(target, "rb") as f:
                    payload = f.read()
                os.remove(target)
            except OSError as exc:
                raise ChannelError(f"Cannot read file {target!r} from queue.") from exc
            return loads(bytes_to_str(payload))
        raise Empty()

    def _purge(self, queue: str) -> int:
        self._listed.pop(queue, None)
        count = 0
        for name in self._list(queue):
            try:
                os.remove(os.path.join(self.data_folder_in, name))
                count += 1
            except OSError:
                pass  # taken by a consumer meanwhile
        return count

    def _size(self, queue: str) -> int:
        return len(self._list(queue))


class Transport(_StockTransport):  # type: ignore[misc]
    """kombu's filesystem transport with :class:`Channel`."""

    Channel = Channel
