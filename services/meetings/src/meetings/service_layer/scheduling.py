"""Rooms and scheduling (SPEC M-01, M-02 generation, M-03 form, X-03, X-07)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from meetings.adapters.exports import ICS_TYPE, calendar_file
from meetings.adapters.meeting_repository import MeetingRepository
from meetings.adapters.rooms_repositories import (
    BOOKING_CANCELLED,
    BookingRepository,
    RoomRepository,
)
from meetings.domain.checklist import (
    elements_form,
    generate_checklist,
    is_short_notice,
    notice_due_at,
    refresh_checklist,
)
from meetings.domain.links import video_link_problem
from meetings.domain.model import (
    MAX_DURATION_MINUTES,
    MAX_PARTICIPANTS,
    AgendaItem,
    Conflict,
    Meeting,
    MeetingState,
    MeetingType,
    Room,
    SecurityClass,
    can_see,
    occupancy,
)
from meetings.service_layer import metrics
from meetings.service_layer.commands import (
    UPDATABLE_FIELDS,
    AgendaItemInput,
    CreateRoom,
    ListMeetings,
    MeetingInput,
)
from meetings.service_layer.common import (
    Context,
    audit_classified_read,
    cancel_meeting_timers,
    hide_unseen_conflicts,
    meeting_ref,
    new_id,
    notify,
    require_manager,
    schedule_meeting_timers,
    snapshot,
    viewer_of,
    visible_meeting,
)
from meetings.service_layer.meeting_notice import notice_sent, publish_notice, send_notices
from meetings.service_layer.unit_of_work import MeetingsUnitOfWork
from secretariat.meetings.v1 import events_pb2
from secretariat_shared import errors
from secretariat_shared.errors import (
    FieldError,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.paging import MAX_PAGE_SIZE
from secretariat_shared.roles import Role

ROOM_MANAGER_ROLES = (Role.SECRETARIAT, Role.ADMIN)
CALENDAR_LOOKBACK = timedelta(days=30)
DEFAULT_BOOKINGS_WINDOW = timedelta(days=7)


@dataclass
class ValidMeeting:
    """A meeting description that passed every check, ready to apply."""

    topic: str
    goals: str
    type: MeetingType
    security_class: SecurityClass
    start_at: datetime
    duration_minutes: int
    room: Room | None
    video_link: str
    important: bool
    participants: list[str]
    host: str
    recorder: str
    technician: str
    agenda: list[AgendaItem] = field(default_factory=list)


@dataclass(frozen=True)
class RoomAvailability:
    room: Room
    available: bool | None


@dataclass(frozen=True)
class BookingView:
    meeting_id: str
    room_id: str
    occupied_from: datetime
    occupied_to: datetime
    start_at: datetime
    end_at: datetime
    topic: str


def _enum(enum: Any, raw: str, name: str, errors_: list[FieldError]) -> Any:
    try:
        return enum(raw)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        errors_.append(FieldError(name, f"must be one of {allowed}; got {raw!r}"))
        return None


class MeetingPlanner:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    # -- rooms ------------------------------------------------------------------

    def create_room(self, actor: Identity, cmd: CreateRoom) -> Room:
        if not actor.is_service and not actor.has_role(*ROOM_MANAGER_ROLES):
            raise PermissionDenied("only the secretariat manages meeting rooms")
        problems: list[FieldError] = []
        name = cmd.name.strip()
        if not name:
            problems.append(FieldError("name", "is required"))
        elif len(name) > 200:
            problems.append(FieldError("name", "must be at most 200 characters"))
        if not 1 <= cmd.capacity <= 10000:
            problems.append(FieldError("capacity", "must be between 1 and 10000"))
        equipment = list(dict.fromkeys(e.strip() for e in cmd.equipment if e.strip()))
        if problems:
            raise ValidationFailed(problems)
        room = Room(
            id=new_id(),
            name=name,
            location=cmd.location.strip(),
            capacity=cmd.capacity,
            equipment=tuple(equipment),
            video_capable=cmd.video_capable,
        )
        with self._ctx.uow() as uow:
            if uow.rooms.by_name(name) is not None:
                raise errors.Conflict(f"a room named {name!r} exists already")
            now = self._ctx.clock.now()
            uow.rooms.add(room, actor.username, now)
            uow.emit(
                "meetings.room.created",
                room.id,
                events_pb2.RoomCreated(
                    room_id=room.id,
                    name=room.name,
                    capacity=room.capacity,
                    video_capable=room.video_capable,
                    created_by=actor.username,
                ),
            )
            uow.audit(actor.username, "create_room", "room", room.id, None, room.__dict__)
            uow.commit()
        return room

    def get_room(self, actor: Identity, room_id: str) -> Room:
        with self._ctx.db.reading() as session:
            room = RoomRepository(session).get(room_id)
        if room is None:
            raise errors.NotFound(f"room {room_id} not found")
        return room

    def list_rooms(
        self,
        actor: Identity,
        available_from: datetime | None = None,
        available_to: datetime | None = None,
        min_capacity: int = 0,
        video_capable_only: bool = False,
    ) -> list[RoomAvailability]:
        """Rooms, and when a time is given whether each is free for it (buffer included)."""
        if (available_from is None) != (available_to is None):
            raise ValidationFailed(FieldError("to", "give both ends of the time, or neither"))
        if (
            available_from is not None
            and available_to is not None
            and available_to <= available_from
        ):
            raise ValidationFailed(FieldError("to", "must be after 'from'"))
        with self._ctx.db.reading() as session:
            rooms = RoomRepository(session).all()
            busy: set[str] | None = None
            if available_from is not None and available_to is not None:
                busy = BookingRepository(session).busy_rooms(
                    *occupancy(available_from, available_to)
                )
        return [
            RoomAvailability(room, None if busy is None else room.id not in busy)
            for room in rooms
            if room.capacity >= min_capacity and (room.video_capable or not video_capable_only)
        ]

    def room_bookings(
        self,
        actor: Identity,
        room_id: str,
        window_start: datetime | None,
        window_end: datetime | None,
    ) -> list[BookingView]:
        """A room's active bookings. Of a meeting the caller may not see, only
        that the slot is taken: no id, no topic (X-03)."""
        start = window_start or self._ctx.clock.now()
        end = window_end or start + DEFAULT_BOOKINGS_WINDOW
        if end <= start:
            raise ValidationFailed(FieldError("to", "must be after 'from'"))
        viewer = viewer_of(actor)
        with self._ctx.db.reading() as session:
            if RoomRepository(session).get(room_id) is None:
                raise errors.NotFound(f"room {room_id} not found")
            rows = BookingRepository(session).for_room(room_id, start, end)
            found = MeetingRepository(session).many(r.meeting_id for r in rows)
        seen = {i for i, m in found.items() if can_see(viewer, m)}
        return [
            BookingView(
                meeting_id=r.meeting_id if r.meeting_id in seen else "",
                room_id=r.room_id,
                occupied_from=r.occupied_from,
                occupied_to=r.occupied_to,
                start_at=r.start_at,
                end_at=r.end_at,
                topic=found[r.meeting_id].topic if r.meeting_id in seen else "",
            )
            for r in rows
        ]

    # -- validation ---------------------------------------------------------------

    def _known(self, username: str) -> bool:
        return self._ctx.directory.person(username) is not None

    def validate(
        self, organiser: str, cmd: MeetingInput, now: datetime, existing: Meeting | None = None
    ) -> ValidMeeting:
        """Every check of M-01 on a meeting description; nothing changes on failure."""
        problems: list[FieldError] = []
        topic = cmd.topic.strip()
        if not topic:
            problems.append(FieldError("topic", "is required"))
        elif len(topic) > 200:
            problems.append(FieldError("topic", "must be at most 200 characters"))
        goals = cmd.goals.strip()
        if len(goals) > 4000:
            problems.append(FieldError("goals", "must be at most 4000 characters"))
        meeting_type = _enum(MeetingType, cmd.type, "type", problems)
        security = _enum(
            SecurityClass, cmd.security_class or "internal", "security_class", problems
        )

        start = cmd.start_at
        duration = 0
        if start is None:
            problems.append(FieldError("start_at", "is required"))
        elif start.tzinfo is None:
            problems.append(FieldError("start_at", "must carry a time zone"))
        elif start <= now:
            problems.append(FieldError("start_at", "must be in the future"))
        if cmd.end_at is not None and start is not None and start.tzinfo is not None:
            if cmd.end_at.tzinfo is None:
                problems.append(FieldError("end_at", "must carry a time zone"))
            elif cmd.end_at <= start:
                problems.append(FieldError("end_at", "must be after start_at"))
            else:
                duration = math.ceil((cmd.end_at - start).total_seconds() / 60)
                if cmd.duration_minutes and cmd.duration_minutes != duration:
                    problems.append(
                        FieldError("duration_minutes", "disagrees with end_at; give one of them")
                    )
        elif cmd.end_at is None:
            duration = cmd.duration_minutes
            if duration == 0:
                problems.append(FieldError("duration_minutes", "give the duration limit or end_at"))
        if duration and not 1 <= duration <= MAX_DURATION_MINUTES:
            field_name = "end_at" if cmd.end_at is not None else "duration_minutes"
            problems.append(
                FieldError(field_name, f"the meeting may last 1 to {MAX_DURATION_MINUTES} minutes")
            )

        room: Room | None = None
        if cmd.room_id:
            with self._ctx.db.reading() as session:
                room = RoomRepository(session).get(cmd.room_id)
            if room is None:
                problems.append(FieldError("room_id", f"unknown room {cmd.room_id!r}"))
        video_link = cmd.video_link.strip()
        link_problem = video_link_problem(video_link)
        if link_problem is not None:
            problems.append(FieldError("video_link", link_problem))
        if not cmd.room_id and not video_link:
            problems.append(FieldError("room_id", "name a room or a video link (M-01)"))
        if room is not None and video_link and not room.video_capable:
            problems.append(
                FieldError(
                    "room_id", f"{room.name} cannot host a video meeting; choose another room"
                )
            )

        participants: list[str] = []
        for index, name in enumerate(cmd.participants):
            name = name.strip()
            if not name:
                problems.append(FieldError(f"participants[{index}]", "must not be empty"))
            elif not self._known(name):
                problems.append(FieldError(f"participants[{index}]", f"unknown person {name!r}"))
            elif name not in participants and name != organiser:
                participants.append(name)
        if len(participants) > MAX_PARTICIPANTS:
            problems.append(
                FieldError("participants", f"name at most {MAX_PARTICIPANTS} participants")
            )
        roles: dict[str, str] = {}
        for role in ("host", "recorder", "technician"):
            name = str(getattr(cmd, role)).strip()
            if name and not self._known(name):
                problems.append(FieldError(role, f"unknown person {name!r}"))
            roles[role] = name
        host = roles["host"] or organiser

        existing_ids = {a.id for a in existing.agenda} if existing else set()
        agenda: list[AgendaItem] = []
        total_minutes = 0
        for index, given in enumerate(cmd.agenda):
            agenda.append(self._agenda_item(given, index, existing_ids, problems))
            total_minutes += max(given.minutes_allotted, 0)
        for entry in agenda:
            if entry.presenter and entry.presenter not in (
                organiser,
                *participants,
                *roles.values(),
            ):
                participants.append(entry.presenter)
        invited = {organiser, host, *participants, *roles.values()} - {""}
        for index, entry in enumerate(agenda):
            for name in entry.attendees:
                if name not in invited:
                    problems.append(
                        FieldError(
                            f"agenda[{index}].attendees",
                            f"{name!r} is not invited to the meeting",
                        )
                    )
        if duration and total_minutes > duration:
            problems.append(
                FieldError(
                    "agenda",
                    f"the items take {total_minutes} minutes; the meeting is limited to {duration}",
                )
            )
        if room is not None and len(invited) > room.capacity:
            problems.append(
                FieldError(
                    "participants",
                    f"{room.name} seats {room.capacity}; {len(invited)} people are invited",
                )
            )
        if problems:
            raise ValidationFailed(problems)
        assert start is not None
        return ValidMeeting(
            topic=topic,
            goals=goals,
            type=meeting_type,
            security_class=security,
            start_at=start,
            duration_minutes=duration,
            room=room,
            video_link=video_link,
            important=cmd.important,
            participants=participants,
            host=host,
            recorder=roles["recorder"],
            technician=roles["technician"],
            agenda=agenda,
        )

    def _agenda_item(
        self,
        item: AgendaItemInput,
        index: int,
        existing_ids: set[str],
        problems: list[FieldError],
    ) -> AgendaItem:
        where = f"agenda[{index}]"
        title = item.title.strip()
        if not title:
            problems.append(FieldError(f"{where}.title", "is required"))
        elif len(title) > 300:
            problems.append(FieldError(f"{where}.title", "must be at most 300 characters"))
        presenter = item.presenter.strip()
        if presenter and not self._known(presenter):
            problems.append(FieldError(f"{where}.presenter", f"unknown person {presenter!r}"))
        if item.minutes_allotted < 0:
            problems.append(FieldError(f"{where}.minutes_allotted", "must not be negative"))
        attendees = list(dict.fromkeys(a.strip() for a in item.attendees if a.strip()))
        if attendees and not item.closed_door:
            problems.append(
                FieldError(f"{where}.attendees", "only closed-door items list their attendees")
            )
        return AgendaItem(
            id=item.id if item.id in existing_ids else new_id(),
            title=title,
            presenter=presenter,
            minutes_allotted=max(item.minutes_allotted, 0),
            closed_door=item.closed_door,
            attendees=attendees,
        )

    # -- booking ------------------------------------------------------------------

    def _check_room_free(self, uow: MeetingsUnitOfWork, actor: Identity, meeting: Meeting) -> None:
        """SPEC M-01: refuse the booking if another overlaps it, the buffer included.

        The room's row is locked first and stays locked until the commit (FOR
        UPDATE on PostgreSQL; SQLite's write transactions are serial already),
        so this check and the booking written after it cannot interleave with
        another booking of the same room: of two at once exactly one wins.
        """
        assert meeting.room_id is not None
        room = uow.rooms.get(meeting.room_id, lock=True)
        if room is None:
            raise ValidationFailed(FieldError("room_id", f"unknown room {meeting.room_id!r}"))
        occupied_from, occupied_to = occupancy(meeting.start_at, meeting.end_at)
        taken_by = uow.bookings.conflicting(room.id, occupied_from, occupied_to, meeting.id)
        if taken_by is not None:
            metrics.BOOKING_CONFLICTS.inc()
            raise errors.Conflict(self._conflict_message(actor, room, uow.meetings.get(taken_by)))

    def _record_booking(self, uow: MeetingsUnitOfWork, meeting: Meeting) -> None:
        assert meeting.room_id is not None
        occupied_from, occupied_to = occupancy(meeting.start_at, meeting.end_at)
        uow.bookings.add(
            new_id(), meeting.room_id, meeting.id, occupied_from, occupied_to, self._ctx.clock.now()
        )

    def _conflict_message(self, actor: Identity, room: Room, taken: Meeting | None) -> str:
        """Names the meeting holding the room (id, topic, time) only to those who may
        see it; to anyone else the slot is just taken (X-03: a conflict reveals
        nothing of a meeting the caller may not see)."""
        if taken is None or not can_see(viewer_of(actor), taken):
            return f"{room.name} is already booked at that time"
        held_from, _ = occupancy(taken.start_at, taken.end_at)
        return (
            f"{room.name} is already booked by meeting {taken.id} «{taken.topic}», "
            f"{self._ctx.span(taken.start_at, taken.end_at)} "
            f"(held from {self._ctx.local(held_from, with_date=False)} with the 15-minute buffer)"
        )

    def _person_conflicts(
        self, uow: MeetingsUnitOfWork, meeting: Meeting
    ) -> dict[str, list[Conflict]]:
        """Invited people already named in another meeting at that time (flagged, not refused)."""
        found: dict[str, list[Conflict]] = {}
        for username in meeting.people():
            if username == meeting.organiser:
                continue
            conflicts = uow.meetings.person_conflicts(
                username, meeting.start_at, meeting.end_at, meeting.id
            )
            if conflicts:
                found[username] = conflicts
        return found

    # -- scheduling ---------------------------------------------------------------

    def schedule(self, actor: Identity, cmd: MeetingInput) -> Meeting:
        """SPEC M-01/M-02/M-03: book, generate the checklist and the form, notify, warn."""
        now = self._ctx.clock.now()
        valid = self.validate(actor.username, cmd, now)
        meeting = Meeting(
            id=new_id(),
            topic=valid.topic,
            goals=valid.goals,
            type=valid.type,
            security_class=valid.security_class,
            department_code=actor.department_code,
            organiser=actor.username,
            start_at=valid.start_at,
            duration_minutes=valid.duration_minutes,
            room_id=valid.room.id if valid.room else None,
            video_link=valid.video_link,
            important=valid.important,
            participants=valid.participants,
            host=valid.host,
            recorder=valid.recorder,
            technician=valid.technician,
            agenda=valid.agenda,
            created_at=now,
        )
        meeting.milestones = generate_checklist(
            meeting, now, new_id, self._ctx.calendar, self._ctx.zone
        )
        meeting.elements = elements_form(meeting)
        with self._ctx.uow() as uow:
            if meeting.room_id is not None:
                self._check_room_free(uow, actor, meeting)
            meeting.conflicts = self._person_conflicts(uow, meeting)
            uow.meetings.add(meeting, now)
            if meeting.room_id is not None:
                self._record_booking(uow, meeting)
            schedule_meeting_timers(self._ctx, uow, meeting)
            uow.emit(
                "meetings.meeting.scheduled",
                meeting.id,
                events_pb2.MeetingScheduled(
                    meeting=meeting_ref(meeting),
                    participants=meeting.people(),
                    sequence=meeting.sequence,
                    participants_with_conflicts=sorted(meeting.conflicts),
                ),
            )
            if self._short_notice(meeting.start_at, now):
                publish_notice(self._ctx, uow, meeting, now, "short_notice")
                uow.meetings.save(meeting, now)
                self._warn_short_notice(uow, meeting, now, "short_notice")
            uow.audit(actor.username, "schedule", "meeting", meeting.id, None, snapshot(meeting))
            uow.commit()
        metrics.MEETINGS_SCHEDULED.labels(meeting.type.value).inc()
        with self._ctx.db.reading() as session:
            return hide_unseen_conflicts(MeetingRepository(session), actor, meeting)

    def _short_notice(self, start_at: datetime, now: datetime) -> bool:
        return is_short_notice(start_at, now, self._ctx.calendar, self._ctx.zone)

    def _warn_short_notice(
        self, uow: MeetingsUnitOfWork, meeting: Meeting, now: datetime, reason: str
    ) -> None:
        """SPEC X-07: preparation starting fewer than 3 days ahead warns at once."""
        lead_hours = max((meeting.start_at - now).total_seconds() / 3600, 0.0)
        already_due = [m.key for m in meeting.milestones if m.is_open and m.overdue]
        uow.emit(
            "meetings.meeting.preparation_warning",
            meeting.id,
            events_pb2.PreparationWarning(
                meeting=meeting_ref(meeting),
                reason=reason,
                lead_time_hours=round(lead_hours, 2),
                milestones_already_due=already_due,
            ),
        )
        notify(
            uow,
            [meeting.organiser],
            "meeting_preparation_warning",
            f"筹备时间不足三天：{meeting.topic}",
            f"会议将于 {self._ctx.local(meeting.start_at)} 召开，筹备时间仅 {lead_hours:.0f} 小时"
            f"（不足3天，X-07）。已到期的筹备节点：{', '.join(already_due) or '无'}",
            meeting.id,
            meeting.start_at,
        )
        metrics.PREPARATION_WARNINGS.labels(reason).inc()

    # -- reading --------------------------------------------------------------------

    def get(self, actor: Identity, meeting_id: str) -> Meeting:
        with self._ctx.db.reading() as session:
            repo = MeetingRepository(session)
            meeting = visible_meeting(repo.get(meeting_id), actor, meeting_id)
            hide_unseen_conflicts(repo, actor, meeting)
        audit_classified_read(self._ctx, actor, meeting, "meeting")
        return meeting

    def room_names(self, meetings: list[Meeting]) -> dict[str, str]:
        with self._ctx.db.reading() as session:
            return RoomRepository(session).names(m.room_id or "" for m in meetings)

    def search(self, actor: Identity, query: ListMeetings) -> tuple[list[Meeting], int]:
        problems = []
        if query.page < 1:
            problems.append(FieldError("page", "must be 1 or more"))
        if not 1 <= query.page_size <= MAX_PAGE_SIZE:
            problems.append(FieldError("page_size", f"must be between 1 and {MAX_PAGE_SIZE}"))
        if (
            query.window_start is not None
            and query.window_end is not None
            and query.window_end <= query.window_start
        ):
            problems.append(FieldError("to", "must be after 'from'"))
        if problems:
            raise ValidationFailed(problems)
        with self._ctx.db.reading() as session:
            repo = MeetingRepository(session)
            found, total = repo.search(
                viewer_of(actor),
                query.window_start,
                query.window_end,
                query.room_id,
                query.mine,
                query.page,
                query.page_size,
            )
            return [hide_unseen_conflicts(repo, actor, m) for m in found], total

    def warnings(self, meeting: Meeting) -> list[str]:
        """What the people running a meeting should know, derived from its state."""
        found = []
        if meeting.created_at is not None and self._short_notice(
            meeting.start_at, meeting.created_at
        ):
            found.append(
                "short_notice: preparation started fewer than 3 days before the meeting (X-07)"
            )
        for username, conflicts in sorted(meeting.conflicts.items()):
            for c in conflicts:
                found.append(
                    f"conflict: {username} is also invited to meeting {c.meeting_id}, "
                    f"{self._ctx.span(c.start_at, c.end_at)}"
                    if c.meeting_id
                    else f"conflict: {username} is busy at that time"
                )
        overdue = [m.key for m in meeting.milestones if m.is_open and m.overdue]
        if overdue and meeting.state is MeetingState.SCHEDULED:
            found.append("milestones_overdue: " + ", ".join(overdue))
        if meeting.room_released:
            found.append("room_released: nobody checked in within 15 minutes of the start")
        return found

    # -- calendars (M-01) -----------------------------------------------------------

    def meeting_calendar(self, actor: Identity, meeting_id: str) -> tuple[bytes, str, str]:
        meeting = self.get(actor, meeting_id)
        content = calendar_file(
            [meeting], self.room_names([meeting]), self._ctx.clock.now(), self._ctx.zone
        )
        return content, ICS_TYPE, f"meeting-{meeting.id}.ics"

    def personal_calendar(self, actor: Identity) -> tuple[bytes, str, str]:
        """The caller's own meetings (named on them), cancelled ones included so calendar
        clients drop them."""
        now = self._ctx.clock.now()
        with self._ctx.db.reading() as session:
            mine = MeetingRepository(session).of_person(actor.username, now - CALENDAR_LOOKBACK)
        content = calendar_file(
            mine, self.room_names(mine), now, self._ctx.zone, name=f"会议 {actor.username}"
        )
        return content, ICS_TYPE, f"meetings-{actor.username}.ics"

    # -- changing -------------------------------------------------------------------

    def merge(self, current: Meeting, fields: set[str], changes: MeetingInput) -> MeetingInput:
        """The meeting as it would be with the named fields changed (PATCH)."""

        def pick(name: str, old: Any) -> Any:
            return getattr(changes, name) if name in fields else old

        end_at = changes.end_at if "end_at" in fields else None
        if "duration_minutes" in fields:
            duration = changes.duration_minutes
        else:
            duration = 0 if end_at is not None else current.duration_minutes
        return MeetingInput(
            topic=pick("topic", current.topic),
            goals=pick("goals", current.goals),
            type=pick("type", current.type.value),
            security_class=pick("security_class", current.security_class.value),
            start_at=pick("start_at", current.start_at),
            end_at=end_at,
            duration_minutes=duration,
            room_id=pick("room_id", current.room_id or ""),
            video_link=pick("video_link", current.video_link),
            important=pick("important", current.important),
            participants=pick("participants", list(current.participants)),
            host=pick("host", current.host),
            recorder=pick("recorder", current.recorder),
            technician=pick("technician", current.technician),
            agenda=pick(
                "agenda",
                [
                    AgendaItemInput(
                        id=a.id,
                        title=a.title,
                        presenter=a.presenter,
                        minutes_allotted=a.minutes_allotted,
                        closed_door=a.closed_door,
                        attendees=list(a.attendees),
                    )
                    for a in current.agenda
                ],
            ),
        )

    def update(
        self, actor: Identity, meeting_id: str, fields: set[str], changes: MeetingInput
    ) -> Meeting:
        """SPEC M-01/M-02: change a meeting before it starts; rebook, move the open
        milestones, tell everyone with a higher calendar SEQUENCE."""
        unknown = sorted(fields - UPDATABLE_FIELDS)
        if unknown:
            raise ValidationFailed([FieldError(f, "cannot be changed") for f in unknown])
        if not fields:
            raise ValidationFailed(FieldError("fields", "name at least one field to change"))
        now = self._ctx.clock.now()
        with self._ctx.db.reading() as session:
            current = visible_meeting(MeetingRepository(session).get(meeting_id), actor, meeting_id)
        require_manager(actor, current, "change the meeting")
        self._require_not_started(current, now)
        valid = self.validate(current.organiser, self.merge(current, fields, changes), now, current)

        with self._ctx.uow() as uow:
            meeting = visible_meeting(uow.meetings.get(meeting_id, lock=True), actor, meeting_id)
            self._require_not_started(meeting, now)
            before = snapshot(meeting)
            old_people = meeting.people()
            old_start, old_end, old_room = meeting.start_at, meeting.end_at, meeting.room_id
            cancel_meeting_timers(self._ctx, uow, meeting)
            self._apply(meeting, valid)
            meeting.sequence += 1
            moved = (meeting.start_at, meeting.end_at, meeting.room_id) != (
                old_start,
                old_end,
                old_room,
            )
            if moved:
                uow.bookings.end_active(meeting.id, BOOKING_CANCELLED)
                if meeting.room_id is not None:
                    self._check_room_free(uow, actor, meeting)
                    self._record_booking(uow, meeting)
            meeting.conflicts = self._person_conflicts(uow, meeting)
            told = notice_sent(meeting)
            refresh_checklist(meeting, now, self._ctx.calendar, self._ctx.zone)
            meeting.elements = elements_form(meeting)
            uow.meetings.save(meeting, now)
            schedule_meeting_timers(self._ctx, uow, meeting)
            changed = sorted(
                k for k, v in snapshot(meeting).items() if before.get(k) != v and k != "sequence"
            )
            uow.emit(
                "meetings.meeting.updated",
                meeting.id,
                events_pb2.MeetingUpdated(
                    meeting=meeting_ref(meeting),
                    changed_fields=changed,
                    rescheduled=moved,
                    sequence=meeting.sequence,
                    participants=meeting.people(),
                ),
            )
            if told:
                send_notices(
                    self._ctx,
                    uow,
                    meeting,
                    meeting.people(),
                    "meeting_updated",
                    "会议变更",
                    actor.username,
                )
            elif notice_due_at(meeting.start_at, self._ctx.calendar, self._ctx.zone) <= now:
                publish_notice(self._ctx, uow, meeting, now, "short_notice")
                uow.meetings.save(meeting, now)
            dropped = [p for p in old_people if p not in meeting.people() and p != actor.username]
            notify(
                uow,
                dropped if told else [],
                "meeting_cancelled",
                f"您已不在会议名单中：{meeting.topic}",
                f"原定 {self._ctx.span(old_start, old_end)}",
                meeting.id,
            )
            if meeting.start_at < old_start and self._short_notice(meeting.start_at, now):
                self._warn_short_notice(uow, meeting, now, "rescheduled_short_notice")
            uow.audit(actor.username, "update", "meeting", meeting.id, before, snapshot(meeting))
            uow.commit()
        with self._ctx.db.reading() as session:
            return hide_unseen_conflicts(MeetingRepository(session), actor, meeting)

    @staticmethod
    def _require_not_started(meeting: Meeting, now: datetime) -> None:
        if meeting.state is MeetingState.CANCELLED:
            raise PreconditionFailed(f"meeting {meeting.id} is cancelled")
        if meeting.state is not MeetingState.SCHEDULED or meeting.start_at <= now:
            raise PreconditionFailed(
                f"meeting {meeting.id} has started; it can no longer be changed"
            )

    @staticmethod
    def _apply(meeting: Meeting, valid: ValidMeeting) -> None:
        meeting.topic = valid.topic
        meeting.goals = valid.goals
        meeting.type = valid.type
        meeting.security_class = valid.security_class
        meeting.start_at = valid.start_at
        meeting.duration_minutes = valid.duration_minutes
        meeting.room_id = valid.room.id if valid.room else None
        meeting.video_link = valid.video_link
        meeting.important = valid.important
        meeting.participants = valid.participants
        meeting.host = valid.host
        meeting.recorder = valid.recorder
        meeting.technician = valid.technician
        meeting.agenda = valid.agenda

    def cancel(self, actor: Identity, meeting_id: str, reason: str) -> Meeting:
        """Cancel before the start: the room is freed, calendars get STATUS:CANCELLED with
        a higher SEQUENCE, everyone invited is told."""
        if len(reason) > 2000:
            raise ValidationFailed(FieldError("reason", "must be at most 2000 characters"))
        with self._ctx.uow() as uow:
            meeting = visible_meeting(uow.meetings.get(meeting_id, lock=True), actor, meeting_id)
            require_manager(actor, meeting, "cancel the meeting")
            if meeting.state is not MeetingState.SCHEDULED:
                raise PreconditionFailed(
                    f"meeting {meeting.id} is {meeting.state.value}; only a scheduled meeting can be cancelled"
                )
            now = self._ctx.clock.now()
            before = snapshot(meeting)
            cancel_meeting_timers(self._ctx, uow, meeting)
            uow.bookings.end_active(meeting.id, BOOKING_CANCELLED)
            meeting.state = MeetingState.CANCELLED
            meeting.cancelled_at = now
            meeting.cancel_reason = reason.strip()
            meeting.sequence += 1
            uow.meetings.save(meeting, now)
            uow.emit(
                "meetings.meeting.cancelled",
                meeting.id,
                events_pb2.MeetingCancelled(
                    meeting=meeting_ref(meeting),
                    reason=meeting.cancel_reason,
                    cancelled_by=actor.username,
                    sequence=meeting.sequence,
                ),
            )
            notify(
                uow,
                # M-02: nobody is told of a cancellation before the notice went out.
                [p for p in meeting.people() if p != actor.username]
                if notice_sent(meeting)
                else [],
                "meeting_cancelled",
                f"会议取消：{meeting.topic}",
                f"原定 {self._ctx.span(meeting.start_at, meeting.end_at)}"
                + (f"\n原因 Reason: {meeting.cancel_reason}" if meeting.cancel_reason else ""),
                meeting.id,
            )
            uow.audit(actor.username, "cancel", "meeting", meeting.id, before, snapshot(meeting))
            uow.commit()
        return meeting
