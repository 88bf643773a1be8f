"""Information items, deliveries, follow-ups and bulletins (SPEC I-01..I-06)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from infohub.adapters.orm import (
    info_bulletins,
    info_deliveries,
    info_follow_ups,
    info_items,
    info_project_officers,
)
from infohub.domain.information import InfoItem


class InformationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: InfoItem, fingerprint: int) -> None:
        self.session.execute(
            insert(info_items).values(
                id=item.id,
                status=item.status,
                channel=item.channel,
                submitted_at=item.submitted_at,
                simhash=str(fingerprint),
                bulletin_date=item.bulletin_date or None,
                created_by=item.created_by,
                action_owner=item.action.owner if item.action else "",
                data=item.to_dict(),
            )
        )

    def save(self, item: InfoItem) -> None:
        self.session.execute(
            update(info_items)
            .where(info_items.c.id == item.id)
            .values(
                status=item.status,
                bulletin_date=item.bulletin_date or None,
                action_owner=item.action.owner if item.action else "",
                data=item.to_dict(),
            )
        )

    def get(self, item_id: str, for_update: bool = False) -> InfoItem | None:
        stmt = select(info_items.c.data).where(info_items.c.id == item_id)
        if for_update:
            stmt = stmt.with_for_update()
        data = self.session.execute(stmt).scalar_one_or_none()
        return None if data is None else InfoItem.from_dict(data)

    def fingerprints(self, since: datetime, exclude: str) -> list[tuple[str, int]]:
        rows = self.session.execute(
            select(info_items.c.id, info_items.c.simhash).where(
                info_items.c.submitted_at >= since,
                info_items.c.id != exclude,
                info_items.c.status.not_in(("dropped", "merged")),
            )
        ).all()
        return [(r.id, int(r.simhash)) for r in rows]

    def listing(
        self, status: str, channel: str, visible_ids: set[str] | None, page: int, page_size: int
    ) -> tuple[list[InfoItem], int]:
        conds: list[Any] = []
        if status:
            conds.append(info_items.c.status == status)
        if channel:
            conds.append(info_items.c.channel == channel)
        if visible_ids is not None:
            conds.append(info_items.c.id.in_(visible_ids or {""}))
        total = int(
            self.session.execute(
                select(func.count()).select_from(info_items).where(*conds)
            ).scalar_one()
        )
        rows = self.session.execute(
            select(info_items.c.data)
            .where(*conds)
            .order_by(info_items.c.submitted_at.desc(), info_items.c.id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        ).scalars()
        return [InfoItem.from_dict(d) for d in rows], total

    def ids_visible_to(self, username: str) -> set[str]:
        """Items the person received, submitted (not anonymously) or owns the action of."""
        received = set(
            self.session.execute(
                select(info_deliveries.c.item_id).where(info_deliveries.c.recipient == username)
            ).scalars()
        )
        own = set(
            self.session.execute(
                select(info_items.c.id).where(
                    (info_items.c.created_by == username) | (info_items.c.action_owner == username)
                )
            ).scalars()
        )
        return received | own

    def queued_for(self, bulletin_date: str) -> list[InfoItem]:
        rows = self.session.execute(
            select(info_items.c.data)
            .where(info_items.c.bulletin_date == bulletin_date, info_items.c.status == "queued")
            .order_by(info_items.c.submitted_at)
        ).scalars()
        return [InfoItem.from_dict(d) for d in rows]

    def with_actions(self) -> list[InfoItem]:
        rows = self.session.execute(
            select(info_items.c.data).where(info_items.c.action_owner != "")
        ).scalars()
        return [InfoItem.from_dict(d) for d in rows]

    # -- deliveries and read receipts (I-05) --------------------------------

    def deliver(self, item_id: str, recipient: str, department: str, at: datetime) -> None:
        self.session.execute(
            insert(info_deliveries).values(
                item_id=item_id, recipient=recipient, department_code=department, delivered_at=at
            )
        )

    def deliveries(self, item_id: str) -> list[Any]:
        return list(
            self.session.execute(
                select(info_deliveries)
                .where(info_deliveries.c.item_id == item_id)
                .order_by(info_deliveries.c.recipient)
            ).mappings()
        )

    def mark_read(self, item_id: str, recipient: str, at: datetime) -> bool:
        result = self.session.execute(
            update(info_deliveries)
            .where(
                info_deliveries.c.item_id == item_id,
                info_deliveries.c.recipient == recipient,
                info_deliveries.c.read_at.is_(None),
            )
            .values(read_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def deliveries_between(self, start: datetime, end: datetime) -> list[Any]:
        return list(
            self.session.execute(
                select(info_deliveries).where(
                    info_deliveries.c.delivered_at >= start, info_deliveries.c.delivered_at < end
                )
            ).mappings()
        )

    def list_follow_up(
        self, item_id: str, recipient: str, name: str, phone: str, at: datetime
    ) -> None:
        self.session.execute(
            insert(info_follow_ups).values(
                item_id=item_id,
                recipient=recipient,
                name=name,
                phone=phone,
                listed_at=at,
                called_by="",
            )
        )

    def follow_ups(self, item_id: str) -> list[Any]:
        return list(
            self.session.execute(
                select(info_follow_ups)
                .where(info_follow_ups.c.item_id == item_id)
                .order_by(info_follow_ups.c.recipient)
            ).mappings()
        )

    def tick_call(self, item_id: str, recipient: str, by: str, at: datetime) -> bool:
        result = self.session.execute(
            update(info_follow_ups)
            .where(
                info_follow_ups.c.item_id == item_id,
                info_follow_ups.c.recipient == recipient,
                info_follow_ups.c.called_at.is_(None),
            )
            .values(called_at=at, called_by=by)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- bulletins (I-02) ----------------------------------------------------

    def add_bulletin(
        self,
        date: str,
        published_at: datetime,
        due_at: datetime,
        cutoff: datetime,
        late: bool,
        data: dict[str, Any],
    ) -> None:
        self.session.execute(
            insert(info_bulletins).values(
                date=date,
                published_at=published_at,
                due_at=due_at,
                cutoff=cutoff,
                late=late,
                data=data,
            )
        )

    def bulletin(self, date: str) -> Any:
        return (
            self.session.execute(select(info_bulletins).where(info_bulletins.c.date == date))
            .mappings()
            .first()
        )

    # -- project information officers (I-01) ---------------------------------

    def officers(self, project: str) -> list[str]:
        found = self.session.execute(
            select(info_project_officers.c.officers).where(
                info_project_officers.c.project == project
            )
        ).scalar_one_or_none()
        return list(found or [])

    def set_officers(self, project: str, officers: list[str]) -> None:
        self.session.execute(
            delete(info_project_officers).where(info_project_officers.c.project == project)
        )
        self.session.execute(
            insert(info_project_officers).values(project=project, officers=officers)
        )
