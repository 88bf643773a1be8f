"""Loading and saving minutes and their action items (SPEC M-05, M-06)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from meetings.adapters.orm import action_items, meetings, minutes
from meetings.domain.minutes import (
    ActionItem,
    ActionItemDraft,
    Minutes,
    MinutesSection,
    MinutesState,
    SlaOutcome,
)


class MinutesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, meeting_id: str, lock: bool = False) -> Minutes | None:
        stmt = select(minutes).where(minutes.c.meeting_id == meeting_id)
        if lock:
            stmt = stmt.with_for_update()
        row = self.session.execute(stmt).first()
        if row is None:
            return None
        return Minutes(
            meeting_id=row.meeting_id,
            draft_due_at=row.draft_due_at,
            distribution_due_at=row.distribution_due_at,
            state=MinutesState(row.state),
            sections=[
                MinutesSection(str(s.get("agenda_item_id", "")), [str(p) for p in s["key_points"]])
                for s in row.sections or []
            ],
            action_items=[
                ActionItemDraft(
                    title=str(a["title"]),
                    owner=str(a["owner"]),
                    due_date=date.fromisoformat(str(a["due_date"])),
                    agenda_item_id=str(a.get("agenda_item_id", "")),
                )
                for a in row.action_items or []
            ],
            submitted_by=row.submitted_by,
            first_submitted_at=row.first_submitted_at,
            submitted_at=row.submitted_at,
            approved_by=row.approved_by,
            approved_at=row.approved_at,
            distributed_at=row.distributed_at,
            draft_outcome=SlaOutcome(row.draft_outcome) if row.draft_outcome else None,
            distribution_outcome=(
                SlaOutcome(row.distribution_outcome) if row.distribution_outcome else None
            ),
        )

    def distribution_clocks_over(
        self, due_from: datetime, ended_before: datetime
    ) -> list[tuple[str, datetime, datetime]]:
        """Minutes not yet distributed (nor settled) whose distribution clock (M-05) is
        due at or after ``due_from``, of meetings that ended before ``ended_before``:
        (meeting id, distribution due at, meeting ended at)."""
        rows = self.session.execute(
            select(minutes.c.meeting_id, minutes.c.distribution_due_at, meetings.c.ended_at)
            .join(meetings, meetings.c.id == minutes.c.meeting_id)
            .where(
                minutes.c.distributed_at.is_(None),
                or_(minutes.c.distribution_outcome.is_(None), minutes.c.distribution_outcome == ""),
                minutes.c.distribution_due_at >= due_from,
                meetings.c.ended_at.is_not(None),
                meetings.c.ended_at < ended_before,
            )
        )
        return [(r.meeting_id, r.distribution_due_at, r.ended_at) for r in rows]

    def move_distribution_due(self, meeting_id: str, due_at: datetime) -> None:
        self.session.execute(
            update(minutes)
            .where(minutes.c.meeting_id == meeting_id)
            .values(distribution_due_at=due_at)
        )

    def outcomes(self, meeting_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        ids = list(meeting_ids)
        if not ids:
            return {}
        rows = self.session.execute(
            select(
                minutes.c.meeting_id, minutes.c.draft_outcome, minutes.c.distribution_outcome
            ).where(minutes.c.meeting_id.in_(ids))
        )
        return {r.meeting_id: (r.draft_outcome or "", r.distribution_outcome or "") for r in rows}

    @staticmethod
    def _row(m: Minutes) -> dict[str, Any]:
        return {
            "state": m.state.value,
            "sections": [
                {"agenda_item_id": s.agenda_item_id, "key_points": list(s.key_points)}
                for s in m.sections
            ],
            "action_items": [
                {
                    "title": a.title,
                    "owner": a.owner,
                    "due_date": a.due_date.isoformat(),
                    "agenda_item_id": a.agenda_item_id,
                }
                for a in m.action_items
            ],
            "submitted_by": m.submitted_by,
            "first_submitted_at": m.first_submitted_at,
            "submitted_at": m.submitted_at,
            "approved_by": m.approved_by,
            "approved_at": m.approved_at,
            "distributed_at": m.distributed_at,
            "draft_due_at": m.draft_due_at,
            "distribution_due_at": m.distribution_due_at,
            "draft_outcome": m.draft_outcome.value if m.draft_outcome else None,
            "distribution_outcome": m.distribution_outcome.value
            if m.distribution_outcome
            else None,
        }

    def add(self, m: Minutes) -> None:
        self.session.execute(insert(minutes).values(meeting_id=m.meeting_id, **self._row(m)))

    def save(self, m: Minutes) -> None:
        self.session.execute(
            update(minutes).where(minutes.c.meeting_id == m.meeting_id).values(**self._row(m))
        )


class ActionItemRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _item(row: Any) -> ActionItem:
        return ActionItem(
            id=row.id,
            meeting_id=row.meeting_id,
            title=row.title,
            owner=row.owner,
            owner_department=row.owner_department,
            meeting_department=row.meeting_department,
            due_date=date.fromisoformat(row.due_date),
            due_at=row.due_at,
            agenda_item_id=row.agenda_item_id,
            closed_door=bool(row.closed_door),
            completed_at=row.completed_at,
            progress_note=row.progress_note,
            created_at=row.created_at,
        )

    def add(self, item: ActionItem, now: datetime) -> None:
        self.session.execute(
            insert(action_items).values(
                id=item.id,
                meeting_id=item.meeting_id,
                agenda_item_id=item.agenda_item_id,
                title=item.title,
                owner=item.owner,
                owner_department=item.owner_department,
                meeting_department=item.meeting_department,
                closed_door=item.closed_door,
                due_date=item.due_date.isoformat(),
                due_at=item.due_at,
                completed_at=item.completed_at,
                progress_note=item.progress_note,
                created_at=now,
                updated_at=now,
            )
        )

    def save(self, item: ActionItem, now: datetime) -> None:
        self.session.execute(
            update(action_items)
            .where(action_items.c.id == item.id)
            .values(
                completed_at=item.completed_at, progress_note=item.progress_note, updated_at=now
            )
        )

    def get(self, item_id: str, lock: bool = False) -> ActionItem | None:
        stmt = select(action_items).where(action_items.c.id == item_id)
        if lock:
            stmt = stmt.with_for_update()
        row = self.session.execute(stmt).first()
        return None if row is None else self._item(row)

    def find(
        self,
        owner: str = "",
        meeting_id: str = "",
        department_code: str = "",
        meeting_ids: Iterable[str] | None = None,
        open_or_completed_since: datetime | None = None,
    ) -> list[ActionItem]:
        a = action_items
        stmt = select(a)
        if owner:
            stmt = stmt.where(a.c.owner == owner)
        if meeting_id:
            stmt = stmt.where(a.c.meeting_id == meeting_id)
        if department_code:
            stmt = stmt.where(a.c.owner_department == department_code)
        if meeting_ids is not None:
            stmt = stmt.where(a.c.meeting_id.in_(list(meeting_ids)))
        if open_or_completed_since is not None:
            stmt = stmt.where(
                or_(a.c.completed_at.is_(None), a.c.completed_at >= open_or_completed_since)
            )
        return [self._item(r) for r in self.session.execute(stmt.order_by(a.c.due_at, a.c.id))]

    def cross_department(self) -> list[ActionItem]:
        a = action_items
        rows = self.session.execute(
            select(a)
            .where(a.c.owner_department != a.c.meeting_department, a.c.owner_department != "")
            .order_by(a.c.due_at, a.c.id)
        )
        return [self._item(r) for r in rows]
