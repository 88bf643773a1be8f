"""Loading and saving rooms and their bookings (SPEC M-01)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from meetings.adapters.orm import meetings, room_bookings, rooms
from meetings.domain.model import Room

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
