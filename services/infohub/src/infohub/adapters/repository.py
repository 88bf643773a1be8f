"""Inbox items by recipient."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from infohub.adapters.orm import inbox_items
from infohub.domain.notices import InboxItem


def _item(row: Any) -> InboxItem:
    return InboxItem(
        id=row["id"],
        recipient=row["recipient"],
        kind=row["kind"],
        title=row["title"],
        body=row["body"],
        subject_ref=row["subject_ref"],
        created_at=row["created_at"],
        source_event_id=row["source_event_id"],
        due_at=row["due_at"],
        read_at=row["read_at"],
    )


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: InboxItem) -> None:
        self.session.execute(
            insert(inbox_items).values(
                id=item.id,
                recipient=item.recipient,
                kind=item.kind,
                title=item.title,
                body=item.body,
                subject_ref=item.subject_ref,
                created_at=item.created_at,
                due_at=item.due_at,
                read_at=item.read_at,
                source_event_id=item.source_event_id,
            )
        )

    def get(self, item_id: str) -> InboxItem | None:
        row = (
            self.session.execute(select(inbox_items).where(inbox_items.c.id == item_id))
            .mappings()
            .first()
        )
        return None if row is None else _item(row)

    def mark_read(self, item_id: str, when: datetime) -> None:
        self.session.execute(
            update(inbox_items)
            .where(inbox_items.c.id == item_id, inbox_items.c.read_at.is_(None))
            .values(read_at=when)
        )

    def for_recipient(
        self, recipient: str, unread_only: bool, page: int, page_size: int
    ) -> tuple[list[InboxItem], int, int]:
        base = inbox_items.c.recipient == recipient
        unread_cond = inbox_items.c.read_at.is_(None)
        stmt = select(inbox_items).where(base)
        total_stmt = select(func.count()).select_from(inbox_items).where(base)
        if unread_only:
            stmt = stmt.where(unread_cond)
            total_stmt = total_stmt.where(unread_cond)
        rows = (
            self.session.execute(
                stmt.order_by(inbox_items.c.created_at.desc(), inbox_items.c.id)
                .limit(page_size)
                .offset((page - 1) * page_size)
            )
            .mappings()
            .all()
        )
        total = int(self.session.execute(total_stmt).scalar_one())
        unread = int(
            self.session.execute(
                select(func.count()).select_from(inbox_items).where(base, unread_cond)
            ).scalar_one()
        )
        return [_item(r) for r in rows], total, unread
