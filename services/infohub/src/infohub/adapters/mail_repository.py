"""Notification preferences and the durable mail queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from infohub.adapters.orm import mail_queue, notification_preferences
from infohub.domain.preferences import IMMEDIATE, Preferences


class PreferencesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, username: str) -> Preferences:
        row = (
            self.session.execute(
                select(notification_preferences).where(
                    notification_preferences.c.username == username
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return Preferences(username)
        return Preferences(
            username, row["email"], row["default_delivery"] or IMMEDIATE, dict(row["kinds"])
        )

    def put(self, prefs: Preferences) -> None:
        self.session.execute(
            delete(notification_preferences).where(
                notification_preferences.c.username == prefs.username
            )
        )
        self.session.execute(
            insert(notification_preferences).values(
                username=prefs.username,
                email=prefs.email,
                default_delivery=prefs.default_delivery,
                kinds=prefs.kinds,
            )
        )


class MailQueueRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> None:
        self.session.execute(insert(mail_queue).values(attempts=0, **values))

    def due(self, now: datetime, limit: int = 200) -> list[Any]:
        return list(
            self.session.execute(
                select(mail_queue)
                .where(mail_queue.c.sent_at.is_(None), mail_queue.c.due_at <= now)
                .order_by(mail_queue.c.id)
                .limit(limit)
            ).mappings()
        )

    def claim(self, ids: list[int], now: datetime, until: datetime) -> bool:
        """Lease due rows to this sender until ``until``; False when another replica
        took any of them first (so no e-mail goes out twice)."""
        result = self.session.execute(
            update(mail_queue)
            .where(
                mail_queue.c.id.in_(ids),
                mail_queue.c.sent_at.is_(None),
                mail_queue.c.due_at <= now,
            )
            .values(due_at=until)
        )
        return bool(result.rowcount == len(ids))  # type: ignore[attr-defined]

    def mark_sent(self, ids: list[int], at: datetime) -> None:
        self.session.execute(
            update(mail_queue).where(mail_queue.c.id.in_(ids)).values(sent_at=at, last_error=None)
        )

    def postpone(self, ids: list[int], until: datetime, error: str) -> None:
        self.session.execute(
            update(mail_queue)
            .where(mail_queue.c.id.in_(ids))
            .values(due_at=until, attempts=mail_queue.c.attempts + 1, last_error=error[:2000])
        )
