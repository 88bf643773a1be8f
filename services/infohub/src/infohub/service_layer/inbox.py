"""Use cases of the notification inbox (SPEC X-06)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

from google.protobuf.timestamp_pb2 import Timestamp
from prometheus_client import Counter

from infohub.adapters.repository import InboxRepository
from infohub.domain.notices import InboxItem, step_assigned_notice, step_overdue_notice
from infohub.service_layer.channels import DeliveryChannel
from infohub.service_layer.mail import MailQueue
from secretariat.common.v1 import notice_pb2
from secretariat.documents.v1 import events_pb2 as documents_events
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.errors import FieldError, NotFound, ValidationFailed
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.identity import Identity
from secretariat_shared.uow import UnitOfWork

NOTICES = Counter(
    "secretariat_inbox_notices_total", "Inbox items created (X-06), by kind", ["kind"]
)
ZONE_NOTE = "Asia/Shanghai"


class Inbox:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        db: Database,
        clock: Clock,
        channels: Sequence[DeliveryChannel] = (),
        timezone: str = ZONE_NOTE,
        mail: MailQueue | None = None,
    ) -> None:
        self._mail = mail
        self.on_read: list[Callable[[UnitOfWork, InboxItem], None]] = []
        self._uow = uow_factory
        self._db = db
        self._clock = clock
        self._channels = list(channels)
        self._zone = ZoneInfo(timezone)

    def _local(self, ts: object) -> str:
        if not isinstance(ts, Timestamp) or (ts.seconds == 0 and ts.nanos == 0):
            return ""
        return ts.ToDatetime(tzinfo=UTC).astimezone(self._zone).strftime("%Y-%m-%d %H:%M")

    def _add(self, uow: UnitOfWork, item: InboxItem) -> None:
        InboxRepository(uow.session).add(item)
        NOTICES.labels(item.kind).inc()
        if self._mail is not None:
            self._mail.enqueue(uow, item)
        for channel in self._channels:
            uow.after_commit(partial(channel.deliver, item))

    def notify(
        self,
        uow: UnitOfWork,
        recipient: str,
        kind: str,
        title: str,
        body: str,
        subject_ref: str,
        due_at: datetime | None = None,
    ) -> None:
        """An inbox item raised by the hub itself (SPEC I-02, I-05)."""
        self._add(
            uow,
            InboxItem(
                id=str(uuid.uuid4()),
                recipient=recipient,
                kind=kind,
                title=title,
                body=body,
                subject_ref=subject_ref,
                created_at=self._clock.now(),
                source_event_id=str(uuid.uuid4()),
                due_at=due_at,
            ),
        )

    # -- event handlers -----------------------------------------------------

    def on_document_step_assigned(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        payload = event.payload_as(documents_events.StepAssigned)
        assert isinstance(payload, documents_events.StepAssigned)
        title, body = step_assigned_notice(
            payload.step_kind, payload.number, payload.title, self._local(payload.due_at)
        )
        self._add(
            uow,
            InboxItem(
                id=str(uuid.uuid4()),
                recipient=payload.assignee_username,
                kind="document_step_assigned",
                title=title,
                body=body,
                subject_ref=f"documents/{payload.document_id}",
                created_at=self._clock.now(),
                source_event_id=event.id,
                due_at=payload.due_at.ToDatetime(tzinfo=UTC)
                if payload.HasField("due_at")
                else None,
            ),
        )

    def on_document_step_overdue(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        payload = event.payload_as(documents_events.StepOverdue)
        assert isinstance(payload, documents_events.StepOverdue)
        title, body = step_overdue_notice(
            payload.step_kind, payload.number, payload.title, self._local(payload.due_at)
        )
        for owner in payload.owners:
            self._add(
                uow,
                InboxItem(
                    id=str(uuid.uuid4()),
                    recipient=owner,
                    kind="document_step_overdue",
                    title=title,
                    body=body,
                    subject_ref=f"documents/{payload.document_id}",
                    created_at=self._clock.now(),
                    source_event_id=event.id,
                    due_at=payload.due_at.ToDatetime(tzinfo=UTC)
                    if payload.HasField("due_at")
                    else None,
                ),
            )

    def on_notification_requested(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """Any service's notice (X-06): one item per recipient, deduplicated by event."""
        payload = event.payload_as(notice_pb2.Notice)
        assert isinstance(payload, notice_pb2.Notice)
        due = payload.due_at.ToDatetime(tzinfo=UTC) if payload.HasField("due_at") else None
        for recipient in dict.fromkeys(payload.recipients):
            if not recipient:
                continue
            self._add(
                uow,
                InboxItem(
                    id=str(uuid.uuid4()),
                    recipient=recipient,
                    kind=payload.kind or f"{event.source}_notice",
                    title=payload.title,
                    body=payload.body,
                    subject_ref=payload.subject_ref,
                    created_at=self._clock.now(),
                    source_event_id=event.id,
                    due_at=due,
                ),
            )

    # -- queries and commands ----------------------------------------------

    def list_for(
        self, caller: Identity, unread_only: bool, page: int, page_size: int
    ) -> tuple[list[InboxItem], int, int]:
        errors = []
        if page < 1:
            errors.append(FieldError("page", "must be 1 or more"))
        if not 1 <= page_size <= 100:
            errors.append(FieldError("page_size", "must be between 1 and 100"))
        if errors:
            raise ValidationFailed(errors)
        with self._db.reading() as session:
            return InboxRepository(session).for_recipient(
                caller.username, unread_only, page, page_size
            )

    def mark_read(self, caller: Identity, item_id: str) -> InboxItem:
        with self._uow() as uow:
            repo = InboxRepository(uow.session)
            item = repo.get(item_id)
            if item is None or item.recipient != caller.username:
                raise NotFound(f"inbox item {item_id} not found")
            if item.read_at is None:
                now = self._clock.now()
                repo.mark_read(item_id, now)
                uow.audit(caller.username, "read_notice", "inbox_item", item_id, None, None)
                item.read_at = now
                for hook in self.on_read:
                    hook(uow, item)
            uow.commit()
            return item
