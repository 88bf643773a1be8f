"""Inputs of the use cases, validated before anything changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from secretariat_shared.paging import DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class CreateRoom:
    name: str
    capacity: int
    location: str = ""
    equipment: list[str] = field(default_factory=list)
    video_capable: bool = False


@dataclass(frozen=True)
class AgendaItemInput:
    title: str
    presenter: str = ""
    minutes_allotted: int = 0
    closed_door: bool = False
    attendees: list[str] = field(default_factory=list)
    id: str = ""


@dataclass(frozen=True)
class MeetingInput:
    """A meeting as the organiser describes it (M-01); ``end_at`` or ``duration_minutes``."""

    topic: str
    type: str
    start_at: datetime | None
    goals: str = ""
    security_class: str = "internal"
    end_at: datetime | None = None
    duration_minutes: int = 0
    room_id: str = ""
    video_link: str = ""
    important: bool = False
    participants: list[str] = field(default_factory=list)
    host: str = ""
    recorder: str = ""
    technician: str = ""
    agenda: list[AgendaItemInput] = field(default_factory=list)


UPDATABLE_FIELDS = frozenset(
    {
        "topic",
        "goals",
        "type",
        "security_class",
        "start_at",
        "end_at",
        "duration_minutes",
        "room_id",
        "video_link",
        "important",
        "participants",
        "host",
        "recorder",
        "technician",
        "agenda",
    }
)


@dataclass(frozen=True)
class ListMeetings:
    window_start: datetime | None = None
    window_end: datetime | None = None
    room_id: str = ""
    mine: bool = False
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class SectionInput:
    key_points: list[str]
    agenda_item_id: str = ""


@dataclass(frozen=True)
class ActionItemInput:
    title: str
    owner: str
    due_date: str
    agenda_item_id: str = ""


@dataclass(frozen=True)
class SubmitMinutes:
    meeting_id: str
    sections: list[SectionInput]
    action_items: list[ActionItemInput] = field(default_factory=list)


@dataclass(frozen=True)
class ListActionItems:
    owner: str = ""
    status: str = ""
    meeting_id: str = ""
    department_code: str = ""
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class UpdateActionItem:
    id: str
    status: str | None = None
    progress_note: str | None = None


@dataclass(frozen=True)
class AnswerSurvey:
    meeting_id: str
    agenda: int
    materials: int
    logistics: int
    comment: str = ""
