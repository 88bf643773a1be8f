"""E-mail delivery of notices with per-person preferences.

Every inbox item is queued for mail in the same transaction that writes it
(when its recipient gave an address), so a notice is never lost: the
sender worker sends due rows and, on failure, keeps them with a later due
time (exponential backoff). Immediate notices are due at once; the others
are gathered into one daily digest per person, due at ``DIGEST_AT`` local.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from prometheus_client import Counter

from infohub.adapters.mail_repository import MailQueueRepository, PreferencesRepository
from infohub.domain.notices import InboxItem
from infohub.domain.preferences import DIGEST, IMMEDIATE
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.uow import UnitOfWork

log = logging.getLogger(__name__)

DIGEST_AT = time(18, 0)
CLAIM_LEASE = timedelta(minutes=5)  # a sender that dies mid-send frees its rows after this
MAIL_SENT = Counter("secretariat_mail_sent_total", "E-mails sent, by delivery", ["delivery"])
MAIL_FAILED = Counter("secretariat_mail_failures_total", "E-mail send attempts that failed")


class MailTransport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    """Sends through the SMTP server named by the environment."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        user: str = "",
        password: str = "",
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls, self.timeout = user, password, starttls, timeout

    def send(self, message: EmailMessage) -> None:
        message["From"] = self.sender
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


def next_digest_time(created: datetime, zone: ZoneInfo) -> datetime:
    local = created.astimezone(zone)
    at = datetime.combine(local.date(), DIGEST_AT, tzinfo=zone)
    return at if at > local else at + timedelta(days=1)


class MailQueue:
    """Queues an inbox item for e-mail inside the inbox item's transaction.

    The address is the one in the person's preferences, else their e-mail in
    the Directory (``directory_email``; issue 15)."""

    def __init__(self, zone: ZoneInfo, directory_email: Callable[[str], str] | None = None) -> None:
        self._zone = zone
        self._directory_email = directory_email

    def _address(self, username: str, chosen: str) -> str:
        if chosen or self._directory_email is None:
            return chosen
        try:
            return self._directory_email(username)
        except Exception:
            # The inbox item stands; only its e-mail copy is skipped.
            log.warning("no e-mail address for %s: the Directory did not answer", username)
            return ""

    def enqueue(self, uow: UnitOfWork, item: InboxItem) -> None:
        prefs = PreferencesRepository(uow.session).get(item.recipient)
        address = self._address(item.recipient, prefs.email)
        if not address:
            return
        delivery = prefs.delivery_for(item.kind, item.due_at is not None)
        MailQueueRepository(uow.session).add(
            recipient=item.recipient,
            address=address,
            kind=item.kind,
            subject=item.title,
            body=item.body,
            delivery=delivery,
            created_at=item.created_at,
            due_at=item.created_at
            if delivery == IMMEDIATE
            else next_digest_time(item.created_at, self._zone),
        )


class MailSender:
    """Worker: sends due mail on the service clock; failures retry later."""

    name = "mail-sender"

    def __init__(
        self,
        db: Database,
        clock: Clock,
        transport: MailTransport | None,
        interval: float = 1.0,
        backoff: Callable[[int], float] = lambda attempts: min(60.0 * 2**attempts, 3600.0),
    ) -> None:
        self._db, self._clock, self._transport = db, clock, transport
        self._interval, self._backoff = interval, backoff

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:  # pragma: no cover - logged and retried next round
                log.exception("mail sender round failed")
            stop.wait(self._interval)

    def run_once(self) -> int:
        """Send every due message; returns how many e-mails went out."""
        if self._transport is None:
            return 0
        now = self._clock.now()
        with self._db.reading() as reading:
            rows = MailQueueRepository(reading).due(now)
        immediate = [r for r in rows if r["delivery"] != DIGEST]
        digests: dict[tuple[str, str], list[Any]] = defaultdict(list)
        for r in rows:
            if r["delivery"] == DIGEST:
                digests[(r["recipient"], r["address"])].append(r)
        sent = 0
        for r in immediate:
            sent += self._send([r], r["address"], r["subject"], r["body"], IMMEDIATE)
        for (_, address), group in digests.items():
            body = "\n\n".join(f"【{r['subject']}】\n{r['body']}" for r in group)
            subject = f"每日通知摘要（{len(group)} 条）"
            sent += self._send(group, address, subject, body, DIGEST)
        return sent

    def _send(self, rows: list[Any], address: str, subject: str, body: str, kind: str) -> int:
        assert self._transport is not None
        ids = [r["id"] for r in rows]
        now = self._clock.now()
        with self._db.write_session() as session:
            claimed = MailQueueRepository(session).claim(ids, now, now + CLAIM_LEASE)
            if not claimed:
                session.rollback()
                return 0
            session.commit()
        message = EmailMessage()
        message["To"] = address
        message["Subject"] = subject
        message.set_content(body)
        try:
            self._transport.send(message)
        except Exception as exc:  # any failure: keep the rows, retry later
            MAIL_FAILED.inc()
            attempts = max(r["attempts"] for r in rows) + 1
            with self._db.write_session() as session:
                MailQueueRepository(session).postpone(
                    ids, now + timedelta(seconds=self._backoff(attempts)), repr(exc)
                )
                session.commit()
            return 0
        with self._db.write_session() as session:
            MailQueueRepository(session).mark_sent(ids, now)
            session.commit()
        MAIL_SENT.labels(kind).inc()
        return 1
