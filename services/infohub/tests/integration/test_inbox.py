"""The inbox applies document events once and shows each person only their own items."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from infohub.adapters.orm import platform
from infohub.bootstrap import MIGRATIONS
from infohub.domain.notices import InboxItem
from infohub.service_layer.inbox import Inbox
from secretariat.documents.v1 import events_pb2
from secretariat_shared.clock import ManualClock
from secretariat_shared.db import Database
from secretariat_shared.errors import NotFound, ValidationFailed
from secretariat_shared.events import ReceivedEvent, make_envelope
from secretariat_shared.identity import Identity
from secretariat_shared.test_databases import migrate_test_database
from secretariat_shared.uow import UnitOfWork

pytestmark = pytest.mark.integration

ALICE = Identity("alice", department_code="HR")
BOB = Identity("bob", department_code="FIN")


class Delivered:
    def __init__(self) -> None:
        self.items: list[InboxItem] = []
        self.name = "memory"

    def deliver(self, item: InboxItem) -> None:
        self.items.append(item)


@pytest.fixture
def setup(database_url: str) -> Iterator[tuple[Inbox, Database, ManualClock, Delivered]]:
    migrate_test_database(MIGRATIONS, database_url)
    db = Database(database_url)
    clock = ManualClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    channel = Delivered()
    inbox = Inbox(lambda: UnitOfWork(db, platform, "infohub", clock), db, clock, [channel])
    yield inbox, db, clock, channel
    db.dispose()


def assigned(assignee: str, clock: ManualClock) -> ReceivedEvent:
    payload = events_pb2.StepAssigned(
        document_id="doc-1",
        number="HR-2026-04-001",
        title="考勤通知",
        step_id="s1",
        step_kind="proposed_handling",
        assignee_username=assignee,
        priority="routine",
    )
    payload.due_at.FromDatetime(datetime(2026, 3, 3, 1, 0, tzinfo=UTC))
    envelope = make_envelope("documents.step.assigned", "documents", "doc-1", payload, clock.now())
    return ReceivedEvent.from_bytes(envelope.SerializeToString())


def apply(inbox: Inbox, db: Database, clock: ManualClock, event: ReceivedEvent) -> None:
    with UnitOfWork(db, platform, "infohub", clock) as uow:
        inbox.on_document_step_assigned(uow, event)
        uow.commit()


def test_x06_assignment_becomes_an_inbox_item_for_that_person_only(setup) -> None:  # type: ignore[no-untyped-def]
    inbox, db, clock, channel = setup
    apply(inbox, db, clock, assigned("alice", clock))
    items, total, unread = inbox.list_for(ALICE, False, 1, 20)
    assert (total, unread) == (1, 1)
    assert items[0].title == "待拟办：HR-2026-04-001 考勤通知"
    assert items[0].subject_ref == "documents/doc-1"
    assert "2026-03-03 09:00" in items[0].body  # Beijing time
    assert inbox.list_for(BOB, False, 1, 20)[1] == 0
    assert [i.recipient for i in channel.items] == ["alice"]


def test_x06_marking_read_only_for_the_recipient(setup) -> None:  # type: ignore[no-untyped-def]
    inbox, db, clock, _ = setup
    apply(inbox, db, clock, assigned("alice", clock))
    item = inbox.list_for(ALICE, False, 1, 20)[0][0]
    with pytest.raises(NotFound):
        inbox.mark_read(BOB, item.id)
    read = inbox.mark_read(ALICE, item.id)
    assert read.read_at == clock.now()
    assert inbox.list_for(ALICE, True, 1, 20)[1] == 0


def test_x06_same_event_twice_gives_one_item(setup) -> None:  # type: ignore[no-untyped-def]
    inbox, db, clock, _ = setup
    event = assigned("alice", clock)
    apply(inbox, db, clock, event)
    with pytest.raises(IntegrityError):
        apply(inbox, db, clock, event)
    assert inbox.list_for(ALICE, False, 1, 20)[1] == 1


def test_inbox_paging_is_validated(setup) -> None:  # type: ignore[no-untyped-def]
    inbox, *_ = setup
    with pytest.raises(ValidationFailed):
        inbox.list_for(ALICE, False, 0, 20)


def test_x06_any_service_notice_reaches_each_recipient_once(setup) -> None:  # type: ignore[no-untyped-def]
    from secretariat.common.v1 import notice_pb2

    inbox, db, clock, channel = setup
    notice = notice_pb2.Notice(
        recipients=["alice", "bob", "alice"],
        kind="meeting_notice",
        title="会议通知：季度工作会",
        body="请于3月5日9:00到第一会议室参加季度工作会。",
        subject_ref="meetings/m-1",
    )
    envelope = make_envelope(
        "meetings.notification.requested", "meetings", "m-1", notice, clock.now()
    )
    with UnitOfWork(db, platform, "infohub", clock) as uow:
        inbox.on_notification_requested(uow, ReceivedEvent.from_bytes(envelope.SerializeToString()))
        uow.commit()
    alice_items, total, _ = inbox.list_for(ALICE, False, 1, 20)
    assert total == 1
    assert alice_items[0].kind == "meeting_notice"
    assert alice_items[0].subject_ref == "meetings/m-1"
    assert inbox.list_for(BOB, False, 1, 20)[1] == 1
    assert sorted(i.recipient for i in channel.items) == ["alice", "bob"]
