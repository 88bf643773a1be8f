"""Failed logins, kept in the database so every gunicorn worker sees them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from gateway.adapters.tables import login_failures


class SqlLoginFailures:
    def __init__(self, session: Session) -> None:
        self.session = session

    def since(self, username: str, start: datetime) -> list[datetime]:
        return list(
            self.session.execute(
                select(login_failures.c.failed_at).where(
                    login_failures.c.username == username, login_failures.c.failed_at > start
                )
            ).scalars()
        )

    def record(self, username: str, at: datetime, forget_before: datetime) -> None:
        self.session.execute(
            delete(login_failures).where(
                login_failures.c.username == username, login_failures.c.failed_at <= forget_before
            )
        )
        self.session.execute(insert(login_failures).values(username=username, failed_at=at))

    def clear(self, username: str) -> None:
        self.session.execute(delete(login_failures).where(login_failures.c.username == username))
