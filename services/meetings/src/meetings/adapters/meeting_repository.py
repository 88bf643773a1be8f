"""Loading and saving meetings with their people, agenda, checklist and elements."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from meetings.adapters.orm import (
    agenda_items,
    meeting_elements,
    meeting_people,
    meetings,
    milestones,
)
from meetings.domain.model import (
    AgendaItem,
    Conflict,
    ElementItem,
    Meeting,
    MeetingState,
    MeetingType,
    Milestone,
    MilestoneState,
    Role,
    SecurityClass,
    Viewer,
)
from secretariat_shared.access import reach
from secretariat_shared.access_sql import reach_condition

ACTIVE_STATES = (MeetingState.SCHEDULED.value, MeetingState.IN_PROGRESS.value)


def _conflicts(raw: Any) -> list[Conflict]:
    return [
        Conflict(
            meeting_id=str(c["meeting_id"]),
            start_at=datetime.fromisoformat(str(c["start_at"])),
            end_at=datetime.fromisoformat(str(c["end_at"])),
        )
        for c in raw or []
    ]


def _conflicts_json(conflicts: Iterable[Conflict]) -> list[dict[str, str]]:
    return [
        {
            "meeting_id": c.meeting_id,
            "start_at": c.start_at.isoformat(),
            "end_at": c.end_at.isoformat(),
        }
        for c in conflicts
    ]


def visible_to(viewer: Viewer) -> Any:
    """SPEC X-03 as SQL: the same rule as :func:`meetings.domain.model.can_see`."""
    if viewer.is_service:
        return meetings.c.id.is_not(None)
    named = exists().where(
        meeting_people.c.meeting_id == meetings.c.id,
        meeting_people.c.username == viewer.username,
    )
    return or_(
        named,
        reach_condition(reach(viewer), meetings.c.security_class, meetings.c.department_code),
    )


class MeetingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- writing --------------------------------------------------------------

    def add(self, meeting: Meeting, now: datetime) -> None:
        self.session.execute(
            insert(meetings).values(**self._row(meeting), created_at=now, updated_at=now)
        )
        self._save_children(meeting)

    def save(self, meeting: Meeting, now: datetime) -> None:
        self.session.execute(
            update(meetings)
            .where(meetings.c.id == meeting.id)
            .values(**self._row(meeting), updated_at=now)
        )
        for table in (meeting_people, agenda_items, milestones, meeting_elements):
            self.session.execute(delete(table).where(table.c.meeting_id == meeting.id))
        self._save_children(meeting)

    @staticmethod
    def _row(m: Meeting) -> dict[str, Any]:
        return {
            "id": m.id,
            "topic": m.topic,
            "goals": m.goals,
            "type": m.type.value,
            "security_class": m.security_class.value,
            "department_code": m.department_code,
            "organiser": m.organiser,
            "start_at": m.start_at,
            "end_at": m.end_at,
            "duration_minutes": m.duration_minutes,
            "room_id": m.room_id,
            "video_link": m.video_link,
            "important": m.important,
            "host": m.host,
            "recorder": m.recorder,
            "technician": m.technician,
            "state": m.state.value,
            "sequence": m.sequence,
            "room_released": m.room_released,
            "checked_in_at": m.checked_in_at,
            "ended_at": m.ended_at,
            "cancelled_at": m.cancelled_at,
            "cancel_reason": m.cancel_reason,
            "survey_closes_at": m.survey_closes_at,
            "survey_closed": m.survey_closed,
            "survey_totals_at": m.survey_totals_at,
        }

    def _save_children(self, m: Meeting) -> None:
        seen: set[tuple[str, str]] = set()
        people = []
        for username, role in m.named():
            if not username or (username, role.value) in seen:
                continue
            seen.add((username, role.value))
            conflicts = m.conflicts.get(username, []) if role is Role.PARTICIPANT else []
            people.append(
                {
                    "meeting_id": m.id,
                    "username": username,
                    "role": role.value,
                    "conflicts": _conflicts_json(conflicts),
                }
            )
        self.session.execute(insert(meeting_people), people)
        if m.agenda:
            self.session.execute(
                insert(agenda_items),
                [
                    {
                        "id": item.id,
                        "meeting_id": m.id,
                        "position": position,
                        "title": item.title,
                        "presenter": item.presenter,
                        "minutes_allotted": item.minutes_allotted,
                        "closed_door": item.closed_door,
                        "attendees": list(item.attendees),
                    }
                    for position, item in enumerate(m.agenda)
                ],
            )
        if m.milestones:
            self.session.execute(
                insert(milestones),
                [
                    {
                        "id": ms.id,
                        "meeting_id": m.id,
                        "key": ms.key,
                        "position": ms.position,
                        "title": ms.title,
                        "owner": ms.owner,
                        "due_at": ms.due_at,
                        "state": ms.state.value,
                        "overdue": ms.overdue,
                        "done_at": ms.done_at,
                        "done_by": ms.done_by,
                    }
                    for ms in m.milestones
                ],
            )
        if m.elements:
            self.session.execute(
                insert(meeting_elements),
                [
                    {
                        "meeting_id": m.id,
                        "key": e.key,
                        "position": e.position,
                        "label": e.label,
                        "category": e.category,
                        "confirmed": e.confirmed,
                        "confirmed_by": e.confirmed_by,
                        "confirmed_at": e.confirmed_at,
                        "note": e.note,
                    }
                    for e in m.elements
                ],
            )

    # -- reading --------------------------------------------------------------

    def get(self, meeting_id: str, lock: bool = False) -> Meeting | None:
        stmt = select(meetings).where(meetings.c.id == meeting_id)
        if lock:
            stmt = stmt.with_for_update()
        row = self.session.execute(stmt).first()
        if row is None:
            return None
        return self._hydrate([row])[0]

    def many(self, meeting_ids: Iterable[str]) -> dict[str, Meeting]:
        ids = list(dict.fromkeys(meeting_ids))
        if not ids:
            return {}
        rows = list(self.session.execute(select(meetings).where(meetings.c.id.in_(ids))))
        return {m.id: m for m in self._hydrate(rows)}

    def search(
        self,
        viewer: Viewer,
        window_start: datetime | None,
        window_end: datetime | None,
        room_id: str,
        mine: bool,
        page: int,
        page_size: int,
    ) -> tuple[list[Meeting], int]:
        def filtered(stmt: Select[Any]) -> Select[Any]:
            stmt = stmt.where(visible_to(viewer))
            if window_start is not None:
                stmt = stmt.where(meetings.c.end_at > window_start)
            if window_end is not None:
                stmt = stmt.where(meetings.c.start_at < window_end)
            if room_id:
                stmt = stmt.where(meetings.c.room_id == room_id)
            if mine:
                stmt = stmt.where(
                    exists().where(
                        meeting_people.c.meeting_id == meetings.c.id,
                        meeting_people.c.username == viewer.username,
                    )
                )
            return stmt

        total = int(
            self.session.execute(filtered(select(func.count()).select_from(meetings))).scalar_one()
        )
        rows = list(
            self.session.execute(
                filtered(select(meetings))
                .order_by(meetings.c.start_at, meetings.c.id)
                .limit(page_size)
                .offset((page - 1) * page_size)
            )
        )
        return self._hydrate(rows), total

    def of_person(self, username: str, since: datetime) -> list[Meeting]:
        named = exists().where(
            meeting_people.c.meeting_id == meetings.c.id, meeting_people.c.username == username
        )
        rows = list(
            self.session.execute(
                select(meetings)
                .where(named, meetings.c.end_at > since)
                .order_by(meetings.c.start_at)
            )
        )
        return self._hydrate(rows)

    def in_window(self, window_start: datetime, window_end: datetime) -> list[Meeting]:
        rows = list(
            self.session.execute(
                select(meetings)
                .where(
                    meetings.c.start_at >= window_start,
                    meetings.c.start_at < window_end,
                    meetings.c.state != MeetingState.CANCELLED.value,
                )
                .order_by(meetings.c.start_at)
            )
        )
        return self._hydrate(rows)

    def scheduled_ids_starting(self, start_from: datetime, start_before: datetime) -> list[str]:
        """Ids of scheduled meetings starting in [``start_from``, ``start_before``)."""
        return list(
            self.session.scalars(
                select(meetings.c.id).where(
                    meetings.c.state == MeetingState.SCHEDULED.value,
                    meetings.c.start_at >= start_from,
                    meetings.c.start_at < start_before,
                )
            )
        )

    def visible_ids(self, viewer: Viewer, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` name meetings ``viewer`` may see (X-03)."""
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        rows = self.session.execute(
            select(meetings.c.id).where(meetings.c.id.in_(wanted), visible_to(viewer))
        )
        return {row.id for row in rows}

    def person_conflicts(
        self, username: str, start_at: datetime, end_at: datetime, exclude_meeting: str
    ) -> list[Conflict]:
        """Other live meetings ``username`` is named in that overlap the time."""
        rows = self.session.execute(
            select(meetings.c.id, meetings.c.start_at, meetings.c.end_at)
            .where(
                exists().where(
                    meeting_people.c.meeting_id == meetings.c.id,
                    meeting_people.c.username == username,
                ),
                meetings.c.state.in_(ACTIVE_STATES),
                meetings.c.start_at < end_at,
                meetings.c.end_at > start_at,
                meetings.c.id != exclude_meeting,
            )
            .order_by(meetings.c.start_at)
        )
        return [Conflict(r.id, r.start_at, r.end_at) for r in rows]

    def _rows_of(self, table: Any, ids: list[str]) -> Sequence[Any]:
        """A child table's rows of these meetings, in their order within each meeting."""
        return self.session.execute(
            select(table).where(table.c.meeting_id.in_(ids)).order_by(table.c.position)
        ).all()

    def _rows_by_meeting(self, table: Any, ids: list[str]) -> dict[str, list[Any]]:
        grouped: dict[str, list[Any]] = {i: [] for i in ids}
        for row in self.session.execute(select(table).where(table.c.meeting_id.in_(ids))):
            grouped[row.meeting_id].append(row)
        return grouped

    def _hydrate(self, rows: Sequence[Any]) -> list[Meeting]:
        if not rows:
            return []
        ids = [r.id for r in rows]
        people = self._rows_by_meeting(meeting_people, ids)
        agenda: dict[str, list[AgendaItem]] = {i: [] for i in ids}
        for a in self._rows_of(agenda_items, ids):
            agenda[a.meeting_id].append(
                AgendaItem(
                    id=a.id,
                    title=a.title,
                    presenter=a.presenter,
                    minutes_allotted=a.minutes_allotted,
                    closed_door=bool(a.closed_door),
                    attendees=list(a.attendees or []),
                )
            )
        checklist: dict[str, list[Milestone]] = {i: [] for i in ids}
        for ms in self._rows_of(milestones, ids):
            checklist[ms.meeting_id].append(
                Milestone(
                    id=ms.id,
                    key=ms.key,
                    position=ms.position,
                    title=ms.title,
                    owner=ms.owner,
                    due_at=ms.due_at,
                    state=MilestoneState(ms.state),
                    overdue=bool(ms.overdue),
                    done_at=ms.done_at,
                    done_by=ms.done_by,
                )
            )
        elements: dict[str, list[ElementItem]] = {i: [] for i in ids}
        for e in self._rows_of(meeting_elements, ids):
            elements[e.meeting_id].append(
                ElementItem(
                    key=e.key,
                    position=e.position,
                    label=e.label,
                    category=e.category,
                    confirmed=bool(e.confirmed),
                    confirmed_by=e.confirmed_by,
                    confirmed_at=e.confirmed_at,
                    note=e.note,
                )
            )
        result = []
        for r in rows:
            participants = [p.username for p in people[r.id] if p.role == Role.PARTICIPANT.value]
            conflicts = {
                p.username: _conflicts(p.conflicts)
                for p in people[r.id]
                if p.role == Role.PARTICIPANT.value and p.conflicts
            }
            result.append(
                Meeting(
                    id=r.id,
                    topic=r.topic,
                    goals=r.goals,
                    type=MeetingType(r.type),
                    security_class=SecurityClass(r.security_class),
                    department_code=r.department_code,
                    organiser=r.organiser,
                    start_at=r.start_at,
                    duration_minutes=r.duration_minutes,
                    room_id=r.room_id,
                    video_link=r.video_link,
                    important=bool(r.important),
                    participants=sorted(participants),
                    host=r.host,
                    recorder=r.recorder,
                    technician=r.technician,
                    agenda=agenda[r.id],
                    state=MeetingState(r.state),
                    sequence=r.sequence,
                    room_released=bool(r.room_released),
                    checked_in_at=r.checked_in_at,
                    ended_at=r.ended_at,
                    cancelled_at=r.cancelled_at,
                    cancel_reason=r.cancel_reason,
                    survey_closes_at=r.survey_closes_at,
                    survey_closed=bool(r.survey_closed),
                    survey_totals_at=r.survey_totals_at,
                    created_at=r.created_at,
                    conflicts=conflicts,
                    milestones=checklist[r.id],
                    elements=elements[r.id],
                )
            )
        return result
