"""Engines and sessions that behave the same on SQLite and PostgreSQL.

SQLite: WAL journal, foreign keys on, a busy timeout, and write
transactions opened with ``BEGIN IMMEDIATE`` so two writers queue on the
lock instead of failing when one upgrades from reading to writing.
Read-only sessions use a second engine with plain ``BEGIN``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, TypeDecorator, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always returned timezone-aware.

    SQLite keeps no zone, so values are normalised to UTC on the way in and
    tagged UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use the clock's aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class _WriteGate:
    """Queues this process's SQLite writers on a lock instead of SQLite's busy loop.

    SQLite allows one writer; a second ``BEGIN IMMEDIATE`` waits in SQLite's
    busy handler, which sleeps in steps of up to 100 ms. Taking a Python
    lock first lets writers follow each other at once. Other processes
    writing the same file still meet the busy timeout as before.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: int | None = None

    def enter(self, dbapi_conn: Any) -> None:
        self._lock.acquire()
        self._holder = id(dbapi_conn)

    def leave(self, dbapi_conn: Any) -> None:
        if self._holder is not None and self._holder == id(dbapi_conn):
            self._holder = None
            self._lock.release()


WAL_SWITCH_SECONDS = 60.0


def _switch_to_wal(cursor: Any) -> None:
    """``PRAGMA journal_mode=WAL``, waiting while another connection holds the file.

    Leaving rollback-journal mode (a file a migration tool just created) needs the
    file to itself, and SQLite answers "database is locked" at once, without its
    busy handler, while another connection reads; so wait here instead."""
    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot answer now, not that the request is
    wrong: the connection was refused or lost, the pool had no connection to give,
    or the server gave up the transaction (a deadlock, a serialisation failure,
    SQLite's lock timeout). The same request may succeed when asked again."""
    if isinstance(exc, OperationalError | PoolTimeout | DisconnectionError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _make_engine(url: str, immediate: bool, **kwargs: Any) -> Engine:
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 60},
            pool_size=kwargs.pop("pool_size", 8),
            max_overflow=kwargs.pop("max_overflow", 16),
            **kwargs,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA busy_timeout=60000")
            _switch_to_wal(cursor)
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        if not immediate:

            @event.listens_for(engine, "begin")
            def _on_begin_read(conn: Any) -> None:
                conn.exec_driver_sql("BEGIN")

            return engine

        gate = _WriteGate()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            gate.enter(conn.connection.dbapi_connection)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                gate.leave(conn.connection.dbapi_connection)
                raise

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _on_end(conn: Any) -> None:
            gate.leave(conn.connection.dbapi_connection)

        @event.listens_for(engine, "checkin")
        def _on_checkin(dbapi_conn: Any, _record: Any) -> None:
            gate.leave(dbapi_conn)

        return engine
    engine = create_engine(
        url,
        pool_size=kwargs.pop("pool_size", 10),
        max_overflow=kwargs.pop("max_overflow", 20),
        **kwargs,
    )
    _ping_when_idle(engine, IDLE_PING_SECONDS)
    return engine


IDLE_PING_SECONDS = 1.0


def _ping_when_idle(engine: Engine, seconds: float) -> None:
    """``pool_pre_ping`` for connections that sat in the pool ``seconds`` or more.

    Pinging on every checkout cost a round trip per request (issue 20: a quarter
    of a document read). A connection that was in use a moment ago is trusted; if
    the server went away since, its statement fails, the call answers UNAVAILABLE
    (:func:`is_unavailable`) and SQLAlchemy empties the pool, so the next request
    connects afresh.
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise DisconnectionError(str(exc)) from exc


class Database:
    """One service's database: a write engine and (on SQLite) a read engine."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = _make_engine(url, immediate=True, **engine_kwargs)
        self.read_engine = (
            _make_engine(url, immediate=False, **engine_kwargs) if is_sqlite(url) else self.engine
        )
        self._write_sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def write_session(self) -> Session:
        return self._write_sessions()

    def read_session(self) -> Session:
        return self._read_sessions()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        session = self.read_session()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    @contextmanager
    def connected(self, one_statement: bool = False) -> Iterator[Connection]:
        """A read-only Core connection: for hot read paths, it skips the ORM session's cost.

        ``one_statement``: the caller runs a single statement, consistent by itself, so
        on PostgreSQL it runs without a transaction (autocommit), saving the BEGIN and
        ROLLBACK round trips (issue 20).
        """
        with self.read_engine.connect() as connection:
            if one_statement and self.dialect == "postgresql":
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            try:
                yield connection
            finally:
                connection.rollback()

    @contextmanager
    def pipelined(self, session: Session, *, commit: bool = False) -> Iterator[None]:
        """Send the block's writes without waiting for each answer; wait once at its end.

        On PostgreSQL this is psycopg's pipeline mode: a registration's dozen
        inserts cost one round trip instead of one each. Inside the block a
        statement's result is not there yet, so the block must only write
        (no ``RETURNING``, no reads, no ``rowcount``); an error in one of its
        statements is raised by a later one or at the end, always as
        SQLAlchemy's exception (so ``is_unavailable`` still knows it). With
        ``commit`` the transaction's ``COMMIT`` goes in the same round trip; the
        caller's ``session.commit()`` must follow (it finds nothing left to do
        on PostgreSQL, and commits on SQLite, where the statements run one by
        one as without the block).
        """
        if self.dialect != "postgresql":
            yield
            return
        import psycopg  # here: a SQLite deployment never loads the PostgreSQL driver

        raw = session.connection().connection.dbapi_connection
        try:
            with raw.pipeline():  # type: ignore[union-attr]
                yield
                if commit:
                    raw.commit()  # type: ignore[union-attr]
        except psycopg.Error as exc:
            raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
