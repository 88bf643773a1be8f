"""Loading and saving rooms, meetings, minutes, action items and survey answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from meetings.adapters.orm import (
    action_items,
    agenda_items,
    meeting_elements,
    meeting_people,
    meetings,
    milestones,
    minutes,
    room_bookings,
    rooms,
    speaking_turns,
    survey_answers,
)
from meetings.domain.effectiveness import SurveyResponse
from meetings.domain.minutes import (
    ActionItem,
    ActionItemDraft,
    Minutes,
    MinutesSection,
    MinutesState,
    SlaOutcome,
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
    Room,
    SecurityClass,
    Viewer,
)
from meetings.domain.speaking import SpeakingTurn
from secretariat_shared.access import reach
from secretariat_shared.access_sql import reach_condition

ACTIVE_STATES = (MeetingState.SCHEDULED.value, MeetingState.IN_PROGRESS.value)
BOOKING_ACTIVE = "active"
BOOKING_RELEASED = "released"
BOOKING_CANCELLED = "cancelled"


def _room(row: Any) -> Room:
    return Room(
        id=row.id,
        name=row.name,
        location=row.location,
        capacity=row.capacity,
        equipment=tuple(row.equipment or ()),
        video_capable=bool(row.video_capable),
    )


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


class RoomRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, room: Room, created_by: str, now: datetime) -> None:
        self.session.execute(
            insert(rooms).values(
                id=room.id,
                name=room.name,
                location=room.location,
                capacity=room.capacity,
                equipment=list(room.equipment),
                video_capable=room.video_capable,
                created_by=created_by,
                created_at=now,
            )
        )

    def get(self, room_id: str, lock: bool = False) -> Room | None:
        """``lock``: hold the room's row until commit, the booking lock (M-01)."""
        stmt = select(rooms).where(rooms.c.id == room_id)
        if lock:
            stmt = stmt.with_for_update()
        row = self.session.execute(stmt).first()
        return None if row is None else _room(row)

    def by_name(self, name: str) -> Room | None:
        row = self.session.execute(select(rooms).where(rooms.c.name == name)).first()
        return None if row is None else _room(row)

    def all(self) -> list[Room]:
        return [_room(r) for r in self.session.execute(select(rooms).order_by(rooms.c.name))]

    def names(self, room_ids: Iterable[str]) -> dict[str, str]:
        ids = {i for i in room_ids if i}
        if not ids:
            return {}
        return {
            r.id: r.name
            for r in self.session.execute(
                select(rooms.c.id, rooms.c.name).where(rooms.c.id.in_(ids))
            )
        }


class BookingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def conflicting(
        self, room_id: str, occupied_from: datetime, occupied_to: datetime, exclude_meeting: str
    ) -> str | None:
        """The meeting whose active booking of the room overlaps the interval, if any."""
        b = room_bookings
        return self.session.execute(
            select(b.c.meeting_id)
            .where(
                b.c.room_id == room_id,
                b.c.state == BOOKING_ACTIVE,
                b.c.occupied_from < occupied_to,
                b.c.occupied_to > occupied_from,
                b.c.meeting_id != exclude_meeting,
            )
            .order_by(b.c.occupied_from)
            .limit(1)
        ).scalar()

    def busy_rooms(self, occupied_from: datetime, occupied_to: datetime) -> set[str]:
        b = room_bookings
        return set(
            self.session.scalars(
                select(b.c.room_id).where(
                    b.c.state == BOOKING_ACTIVE,
                    b.c.occupied_from < occupied_to,
                    b.c.occupied_to > occupied_from,
                )
            )
        )

    def add(
        self,
        booking_id: str,
        room_id: str,
        meeting_id: str,
        occupied_from: datetime,
        occupied_to: datetime,
        now: datetime,
    ) -> None:
        self.session.execute(
            insert(room_bookings).values(
                id=booking_id,
                room_id=room_id,
                meeting_id=meeting_id,
                occupied_from=occupied_from,
                occupied_to=occupied_to,
                state=BOOKING_ACTIVE,
                created_at=now,
            )
        )

    def end_active(self, meeting_id: str, state: str) -> int:
        """Release or cancel the meeting's active booking; returns how many changed."""
        result = self.session.execute(
            update(room_bookings)
            .where(
                room_bookings.c.meeting_id == meeting_id, room_bookings.c.state == BOOKING_ACTIVE
            )
            .values(state=state)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def shorten(self, meeting_id: str, occupied_to: datetime) -> None:
        """A meeting that ended early frees its room from then on."""
        b = room_bookings
        self.session.execute(
            update(b)
            .where(
                b.c.meeting_id == meeting_id,
                b.c.state == BOOKING_ACTIVE,
                b.c.occupied_to > occupied_to,
            )
            .values(occupied_to=occupied_to)
        )

    def for_room(self, room_id: str, start: datetime, end: datetime) -> list[Any]:
        b = room_bookings
        return list(
            self.session.execute(
                select(b, meetings.c.start_at, meetings.c.end_at)
                .join(meetings, meetings.c.id == b.c.meeting_id)
                .where(
                    b.c.room_id == room_id,
                    b.c.state == BOOKING_ACTIVE,
                    b.c.occupied_from < end,
                    b.c.occupied_to > start,
                )
                .order_by(b.c.occupied_from)
            )
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

    def _hydrate(self, rows: Sequence[Any]) -> list[Meeting]:
        if not rows:
            return []
        ids = [r.id for r in rows]
        people: dict[str, list[Any]] = {i: [] for i in ids}
        for p in self.session.execute(
            select(meeting_people).where(meeting_people.c.meeting_id.in_(ids))
        ):
            people[p.meeting_id].append(p)
        agenda: dict[str, list[AgendaItem]] = {i: [] for i in ids}
        for a in self.session.execute(
            select(agenda_items)
            .where(agenda_items.c.meeting_id.in_(ids))
            .order_by(agenda_items.c.position)
        ):
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
        for ms in self.session.execute(
            select(milestones)
            .where(milestones.c.meeting_id.in_(ids))
            .order_by(milestones.c.position)
        ):
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
        for e in self.session.execute(
            select(meeting_elements)
            .where(meeting_elements.c.meeting_id.in_(ids))
            .order_by(meeting_elements.c.position)
        ):
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


class SpeakingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _turn(row: Any) -> SpeakingTurn:
        return SpeakingTurn(
            id=row.id,
            meeting_id=row.meeting_id,
            speaker=row.speaker,
            agenda_item_id=row.agenda_item_id,
            started_at=row.started_at,
            limit_seconds=row.limit_seconds,
            stopped_at=row.stopped_at,
            overrun=bool(row.overrun),
        )

    def running(self, meeting_id: str) -> SpeakingTurn | None:
        t = speaking_turns
        row = self.session.execute(
            select(t).where(t.c.meeting_id == meeting_id, t.c.stopped_at.is_(None))
        ).first()
        return None if row is None else self._turn(row)

    def get(self, turn_id: str) -> SpeakingTurn | None:
        row = self.session.execute(
            select(speaking_turns).where(speaking_turns.c.id == turn_id)
        ).first()
        return None if row is None else self._turn(row)

    def of_meeting(self, meeting_id: str) -> list[SpeakingTurn]:
        t = speaking_turns
        rows = self.session.execute(
            select(t).where(t.c.meeting_id == meeting_id).order_by(t.c.started_at, t.c.id)
        )
        return [self._turn(r) for r in rows]

    def add(self, turn: SpeakingTurn) -> None:
        self.session.execute(
            insert(speaking_turns).values(
                id=turn.id,
                meeting_id=turn.meeting_id,
                speaker=turn.speaker,
                agenda_item_id=turn.agenda_item_id,
                started_at=turn.started_at,
                stopped_at=turn.stopped_at,
                limit_seconds=turn.limit_seconds,
                overrun=turn.overrun,
            )
        )

    def save(self, turn: SpeakingTurn) -> None:
        self.session.execute(
            update(speaking_turns)
            .where(speaking_turns.c.id == turn.id)
            .values(stopped_at=turn.stopped_at, overrun=turn.overrun)
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


class SurveyRepository:
    """Anonymous survey answers (M-07): rows carry a keyed hash, never a name."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, response: SurveyResponse, respondent_key: str) -> None:
        self.session.execute(
            insert(survey_answers).values(
                id=str(uuid.uuid4()),
                meeting_id=response.meeting_id,
                respondent_key=respondent_key,
                agenda=response.agenda,
                materials=response.materials,
                logistics=response.logistics,
                comment=response.comment,
            )
        )

    def answered(self, meeting_id: str, respondent_key: str) -> bool:
        s = survey_answers
        return (
            self.session.execute(
                select(s.c.id).where(
                    s.c.meeting_id == meeting_id, s.c.respondent_key == respondent_key
                )
            ).first()
            is not None
        )

    def of_meetings(self, meeting_ids: Iterable[str]) -> dict[str, list[SurveyResponse]]:
        ids = list(meeting_ids)
        result: dict[str, list[SurveyResponse]] = {i: [] for i in ids}
        if not ids:
            return result
        s = survey_answers
        for r in self.session.execute(select(s).where(s.c.meeting_id.in_(ids)).order_by(s.c.id)):
            result[r.meeting_id].append(
                SurveyResponse(
                    meeting_id=r.meeting_id,
                    agenda=r.agenda,
                    materials=r.materials,
                    logistics=r.logistics,
                    comment=r.comment,
                )
            )
        return result
