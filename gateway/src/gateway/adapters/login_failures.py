"""Failed logins, kept in the database so every gunicorn worker sees them.

An attempt is written as a failure *before* its password is checked and
deleted again when the password was right: an attempt in flight counts,
so 30 concurrent guesses cannot all pass a check made before any of them
failed. The read-decide-insert runs in one write transaction that holds
the login lock (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an advisory
transaction lock), so reservations follow each other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from directory.domain.login_throttling import LoginHistory
from gateway.adapters.tables import login_failures

# Any constant: the advisory lock that queues login reservations on PostgreSQL.
LOGIN_LOCK_KEY = 7_420_131


class SqlLoginFailures:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self) -> None:
        """Queue behind other reservations until this transaction ends."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOGIN_LOCK_KEY}
            )

    def history(
        self, username: str, client: str, start: datetime, ceiling_start: datetime
    ) -> LoginHistory:
        on_username = self.session.execute(
            select(login_failures.c.failed_at, login_failures.c.client).where(
                login_failures.c.username == username, login_failures.c.failed_at > start
            )
        ).all()
        by_client = self.session.execute(
            select(login_failures.c.failed_at)
            .where(login_failures.c.client == client, login_failures.c.failed_at > start)
            .order_by(login_failures.c.failed_at.desc())
            .limit(200)
        ).scalars()
        everywhere = self.session.execute(
            select(func.count())
            .select_from(login_failures)
            .where(login_failures.c.failed_at > ceiling_start)
        ).scalar_one()
        return LoginHistory(
            username_failures=tuple(row.failed_at for row in on_username),
            client_failures_on_username=sum(1 for row in on_username if row.client == client),
            client_failures=tuple(by_client),
            recent_failures_everywhere=int(everywhere),
        )

    def reserve(self, username: str, client: str, at: datetime) -> int:
        """Count this attempt as a failure until :meth:`forget` says it succeeded."""
        return int(
            self.session.execute(
                insert(login_failures)
                .values(username=username, client=client, failed_at=at)
                .returning(login_failures.c.id)
            ).scalar_one()
        )

    def forget(self, attempt_id: int) -> None:
        self.session.execute(delete(login_failures).where(login_failures.c.id == attempt_id))

    def forget_before(self, start: datetime) -> None:
        self.session.execute(delete(login_failures).where(login_failures.c.failed_at <= start))

    def clear(self, username: str, client: str | None = None) -> None:
        """Forget a username's failures (only those from ``client`` when given)."""
        condition = login_failures.c.username == username
        if client is not None:
            condition = condition & (login_failures.c.client == client)
        self.session.execute(delete(login_failures).where(condition))
