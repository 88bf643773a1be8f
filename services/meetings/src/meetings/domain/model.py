"""Rooms, meetings and who may see them (SPEC M-01, M-04, X-03)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from secretariat_shared import access
from secretariat_shared.access import Item, may_read
from secretariat_shared.access import Viewer as Viewer

BOOKING_BUFFER = timedelta(minutes=15)
"""SPEC M-01: a room is held 15 minutes before each meeting (setting up, changing over)."""

CHECK_IN_GRACE = timedelta(minutes=15)
"""A booked room whose meeting has not checked in this long after its start is released."""

MAX_DURATION_MINUTES = 24 * 60

MAX_PARTICIPANTS = 300
"""Everyone named on one meeting gets a notice and a calendar entry: a bound on
how many people one scheduling call can reach (issue 13)."""


class MeetingType(StrEnum):
    DECISION = "decision"
    DISCUSSION = "discussion"
    REPORT = "report"


SecurityClass = access.SecurityClass


class MeetingState(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    ENDED = "ended"
    CANCELLED = "cancelled"


class Role(StrEnum):
    """How a person is named on a meeting (M-04 roles plus organiser and participant)."""

    ORGANISER = "organiser"
    HOST = "host"
    RECORDER = "recorder"
    TECHNICIAN = "technician"
    PARTICIPANT = "participant"


class MilestoneState(StrEnum):
    OPEN = "open"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    location: str
    capacity: int
    equipment: tuple[str, ...]
    video_capable: bool


@dataclass
class AgendaItem:
    id: str
    title: str
    presenter: str = ""
    minutes_allotted: int = 0
    closed_door: bool = False
    attendees: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Conflict:
    """Another meeting a person is already named in at the same time (flag only)."""

    meeting_id: str
    start_at: datetime
    end_at: datetime


@dataclass
class Milestone:
    id: str
    key: str
    position: int
    title: str
    owner: str
    due_at: datetime
    state: MilestoneState = MilestoneState.OPEN
    overdue: bool = False
    done_at: datetime | None = None
    done_by: str = ""

    @property
    def is_open(self) -> bool:
        return self.state is MilestoneState.OPEN


@dataclass
class ElementItem:
    """One line of the elements confirmation form of an important meeting (M-03)."""

    key: str
    position: int
    label: str
    category: str
    confirmed: bool = False
    confirmed_by: str = ""
    confirmed_at: datetime | None = None
    note: str = ""


@dataclass
class Meeting:
    id: str
    topic: str
    goals: str
    type: MeetingType
    security_class: SecurityClass
    department_code: str
    organiser: str
    start_at: datetime
    duration_minutes: int
    room_id: str | None
    video_link: str
    important: bool
    participants: list[str]
    host: str
    recorder: str = ""
    technician: str = ""
    agenda: list[AgendaItem] = field(default_factory=list)
    state: MeetingState = MeetingState.SCHEDULED
    sequence: int = 0
    room_released: bool = False
    checked_in_at: datetime | None = None
    ended_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    survey_closes_at: datetime | None = None
    survey_closed: bool = False
    survey_totals_at: datetime | None = None
    created_at: datetime | None = None
    conflicts: dict[str, list[Conflict]] = field(default_factory=dict)
    milestones: list[Milestone] = field(default_factory=list)
    elements: list[ElementItem] = field(default_factory=list)

    @property
    def end_at(self) -> datetime:
        return self.start_at + timedelta(minutes=self.duration_minutes)

    @property
    def in_person(self) -> bool:
        return self.room_id is not None

    @property
    def by_video(self) -> bool:
        return bool(self.video_link)

    @property
    def is_cancelled(self) -> bool:
        return self.state is MeetingState.CANCELLED

    @property
    def has_ended(self) -> bool:
        return self.state is MeetingState.ENDED

    @property
    def holds_room(self) -> bool:
        return self.room_id is not None and not self.room_released and not self.is_cancelled

    def named(self) -> list[tuple[str, Role]]:
        """Everyone named on the meeting with how, organiser first."""
        entries: list[tuple[str, Role]] = [(self.organiser, Role.ORGANISER)]
        for username, role in (
            (self.host, Role.HOST),
            (self.recorder, Role.RECORDER),
            (self.technician, Role.TECHNICIAN),
        ):
            if username:
                entries.append((username, role))
        entries.extend((p, Role.PARTICIPANT) for p in self.participants)
        return entries

    def people(self) -> list[str]:
        """Everyone named, each once, organiser first."""
        return list(dict.fromkeys(username for username, _ in self.named() if username))

    def roles_of(self, username: str) -> set[Role]:
        return {role for name, role in self.named() if name == username}

    def agenda_item(self, item_id: str) -> AgendaItem | None:
        return next((item for item in self.agenda if item.id == item_id), None)

    def closed_door_attendees(self, item: AgendaItem) -> set[str]:
        """SPEC M-04: who was in the room for a closed-door item.

        The listed attendees plus the host and the recorder (who keep the
        meeting and its minutes) and the item's presenter.
        """
        return {
            name for name in (*item.attendees, self.host, self.recorder, item.presenter) if name
        }

    def milestone(self, milestone_id: str) -> Milestone | None:
        return next((m for m in self.milestones if m.id == milestone_id), None)


def occupancy(start_at: datetime, end_at: datetime) -> tuple[datetime, datetime]:
    """SPEC M-01: the time a booking holds its room, the buffer before the meeting included."""
    return start_at - BOOKING_BUFFER, end_at


def overlaps(a_from: datetime, a_to: datetime, b_from: datetime, b_to: datetime) -> bool:
    """Half-open intervals: one that ends exactly when the other starts does not overlap."""
    return a_from < b_to and b_from < a_to


def access_item(meeting: Meeting) -> Item:
    """The meeting as the shared X-03 rule sees it: everyone named on it
    (organiser, roles, participants) is a named reader."""
    return Item(
        security_class=meeting.security_class,
        department_code=meeting.department_code,
        named_readers=frozenset(meeting.people()),
    )


def can_see(viewer: Viewer, meeting: Meeting) -> bool:
    """SPEC X-03 for meetings: who may know a meeting and its topic (the shared rule)."""
    return may_read(viewer, access_item(meeting))


def can_read_item_minutes(viewer: Viewer, meeting: Meeting, item: AgendaItem | None) -> bool:
    """SPEC M-04: minutes of a closed-door item are readable only by its attendees."""
    if not can_see(viewer, meeting):
        return False
    if item is None or not item.closed_door or viewer.is_service:
        return True
    return viewer.username in meeting.closed_door_attendees(item)
