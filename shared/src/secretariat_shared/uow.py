"""Unit of work: one transaction that carries its events and audit entries.

A use case changes state, calls :meth:`UnitOfWork.emit` and
:meth:`UnitOfWork.audit`, then :meth:`UnitOfWork.commit`. The outbox rows
and audit rows are written in the same transaction as the change
(ENGINEERING rule 4, SPEC X-04): a rolled-back change emits nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

from google.protobuf.message import Message
from sqlalchemy import Executable, insert
from sqlalchemy.orm import Session

from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.events import make_envelope
from secretariat_shared.tables import PlatformTables

log = logging.getLogger(__name__)


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


class UnitOfWork:
    def __init__(
        self,
        db: Database,
        tables: PlatformTables,
        source: str,
        clock: Clock,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._tables = tables
        self._source = source
        self.clock = clock
        self._on_commit = on_commit
        self._session: Session | None = None
        self._outbox_rows: list[dict[str, Any]] = []
        self._audit_rows: list[dict[str, Any]] = []
        self._commit_writes: list[tuple[Executable, dict[str, Any]]] = []
        self._after_commit: list[Callable[[], None]] = []
        self._before_commit: dict[str, Callable[[], None]] = {}
        self.emitted: list[tuple[str, str]] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._session

    def __enter__(self) -> Self:
        self._session = self._db.write_session()
        self._outbox_rows = []
        self._audit_rows = []
        self._commit_writes = []
        self._after_commit = []
        self._before_commit = {}
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._session is not None:
                self._session.rollback()
                self._session.close()
        finally:
            self._session = None

    def emit(self, event_type: str, subject: str, payload: Message) -> str:
        """Queue a domain event for the outbox; returns its id."""
        now = self.clock.now()
        envelope = make_envelope(event_type, self._source, subject, payload, now)
        self._outbox_rows.append(
            {
                "event_id": envelope.id,
                "event_type": event_type,
                "envelope": envelope.SerializeToString(),
                "created_at": now,
                "attempts": 0,
            }
        )
        self.emitted.append((envelope.id, event_type))
        return envelope.id

    def audit(
        self,
        actor: str,
        action: str,
        entity_type: str,
        entity_id: str,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Record who changed what (SPEC X-04)."""
        self._audit_rows.append(
            {
                "at": self.clock.now(),
                "actor": actor,
                "action": action,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "before": _jsonable(before),
                "after": _jsonable(after),
            }
        )

    def write_with_commit(self, statement: Executable, params: dict[str, Any]) -> None:
        """Execute a write whose result nobody reads just before the commit, with the
        outbox and audit rows: on PostgreSQL they and the ``COMMIT`` share one round trip."""
        self._commit_writes.append((statement, params))

    def flush_side_records(self) -> None:
        session = self.session
        for statement, params in self._commit_writes:
            session.execute(statement, params)
        self._commit_writes = []
        if self._outbox_rows:
            session.execute(insert(self._tables.outbox).inline(), self._outbox_rows)
            self._outbox_rows = []
        if self._audit_rows:
            session.execute(insert(self._tables.audit_log).inline(), self._audit_rows)
            self._audit_rows = []

    def commit(self) -> None:
        while self._before_commit:
            key = next(iter(self._before_commit))
            self._before_commit.pop(key)()
        had_events = bool(self._outbox_rows)
        if self._outbox_rows or self._audit_rows or self._commit_writes:
            with self._db.pipelined(self.session, commit=True):
                self.flush_side_records()
        self.session.commit()
        if had_events and self._on_commit is not None:
            self._on_commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback failed; the committed change stands")

    def before_commit(self, key: str, callback: Callable[[], None]) -> None:
        """Run ``callback`` in the transaction just before it commits, once per ``key``.

        Lets work that many changes of one transaction share (e.g. recomputing
        what a batch of consumed events touched) run once; the callback may
        write, emit and audit. Registering a key already waiting is a no-op;
        a rollback forgets every waiting callback.
        """
        self._before_commit.setdefault(key, callback)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this unit of work has committed (never on rollback)."""
        self._after_commit.append(callback)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Run a block that may fail without spoiling the rest of the transaction.

        On an exception the block's database writes and the events, audit
        rows and callbacks it queued are all undone, and the exception
        propagates; the unit of work stays usable. Lets a scheduler fire many
        timers in one commit and still isolate a failing handler.
        """
        marks = (
            len(self._outbox_rows),
            len(self._audit_rows),
            len(self._after_commit),
            len(self.emitted),
            len(self._commit_writes),
        )
        waiting = set(self._before_commit)
        nested = self.session.begin_nested()
        try:
            yield
        except BaseException:
            if nested.is_active:
                nested.rollback()
            del self._outbox_rows[marks[0] :]
            del self._audit_rows[marks[1] :]
            del self._after_commit[marks[2] :]
            del self.emitted[marks[3] :]
            del self._commit_writes[marks[4] :]
            for key in set(self._before_commit) - waiting:
                del self._before_commit[key]
            raise
        else:
            if nested.is_active:
                nested.commit()

    def rollback(self) -> None:
        self._outbox_rows = []
        self._audit_rows = []
        self._commit_writes = []
        self._after_commit = []
        self._before_commit = {}
        self.session.rollback()


UnitOfWorkFactory = Callable[[], UnitOfWork]
