"""Rooms and meetings (SPEC M-01..M-07), routed to the meetings service; field names
are the proto's. Times without a zone are read in the organisation's time zone."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from gateway.api.schemas.common import QueryParameters, RequestBody, ResponseBody, not_null

MeetingType = Literal["decision", "discussion", "report"]
SecurityClass = Literal["public", "internal", "confidential", "secret"]

# -- rooms --------------------------------------------------------------------------------


class RoomIn(RequestBody):
    name: str = Field(min_length=1, max_length=200, examples=["第一会议室"])
    capacity: int = Field(ge=1, le=10000, examples=[20])
    location: str = Field("", examples=["行政楼3层"])
    equipment: list[str] = Field(default_factory=list, examples=[["投影仪", "麦克风"]])
    video_capable: bool = False


class RoomOut(ResponseBody):
    id: str
    name: str
    location: str
    capacity: int
    equipment: list[str]
    video_capable: bool
    available: bool | None = Field(
        description="only when `from` and `to` were given: free for that time, "
        "the 15-minute buffer before it included (M-01)"
    )


class RoomList(ResponseBody):
    items: list[RoomOut]


class Window(QueryParameters):
    from_: datetime | None = Field(None, alias="from", description="start of the time asked about")
    to: datetime | None = Field(None, description="end of the time asked about")


class RoomQuery(Window):
    min_capacity: int | None = Field(None, ge=1)
    video_capable: bool | None = Field(None, description="only rooms that can host video")


class BookingOut(ResponseBody):
    meeting_id: str
    room_id: str
    occupied_from: datetime | None = Field(description="the start minus the 15-minute buffer")
    occupied_to: datetime | None
    start_at: datetime | None
    end_at: datetime | None
    topic: str = Field(description="empty unless you may see the meeting (X-03)")


class BookingList(ResponseBody):
    items: list[BookingOut]


# -- meetings -------------------------------------------------------------------------------


class AgendaItemIn(RequestBody):
    id: str | None = Field(None, description="keep an existing item's id when changing the agenda")
    title: str = Field(min_length=1, max_length=300, examples=["一季度重点任务"])
    presenter: str = Field("", description="invited with the agenda if not already")
    minutes_allotted: int = Field(0, ge=0, le=1440)
    closed_door: bool = Field(False, description="minutes readable only by its attendees (M-04)")
    attendees: list[str] = Field(
        default_factory=list,
        description="closed-door attendees besides the host, the recorder and the presenter",
    )


class MeetingIn(RequestBody):
    topic: str = Field(min_length=1, max_length=200, examples=["2026年第一季度工作部署会"])
    type: MeetingType
    goals: str = ""
    security_class: SecurityClass = "internal"
    start_at: datetime = Field(strict=False, examples=["2026-03-12T09:00:00+08:00"])
    end_at: datetime | None = Field(None, strict=False, description="or duration_minutes")
    duration_minutes: int | None = Field(None, ge=1, le=1440, description="the duration limit")
    room_id: str | None = Field(None, description="a room, a video link, or both")
    video_link: str | None = None
    important: bool = Field(False, description="carries the elements confirmation form (M-03)")
    participants: list[str] = Field(default_factory=list)
    host: str | None = Field(None, description="default: you")
    recorder: str | None = None
    technician: str | None = None
    agenda: list[AgendaItemIn] = Field(default_factory=list)


class MeetingPatch(RequestBody):
    """Fields left out stay as they are; `null` clears `room_id`, `video_link`, `recorder`,
    `technician` and `end_at`."""

    topic: str | None = Field(None, min_length=1, max_length=200)
    type: MeetingType | None = None
    goals: str | None = None
    security_class: SecurityClass | None = None
    start_at: datetime | None = Field(None, strict=False)
    end_at: datetime | None = Field(None, strict=False)
    duration_minutes: int | None = Field(None, ge=1, le=1440)
    room_id: str | None = None
    video_link: str | None = None
    important: bool | None = None
    participants: list[str] | None = None
    host: str | None = None
    recorder: str | None = None
    technician: str | None = None
    agenda: list[AgendaItemIn] | None = None

    _not_null = not_null(
        "topic",
        "type",
        "goals",
        "security_class",
        "start_at",
        "duration_minutes",
        "important",
        "participants",
        "host",
        "agenda",
    )


class ConflictOut(ResponseBody):
    meeting_id: str
    start_at: datetime | None
    end_at: datetime | None


class ParticipantOut(ResponseBody):
    username: str
    conflicts: list[ConflictOut] = Field(description="other meetings at that time (flagged)")


class AgendaItemOut(ResponseBody):
    id: str
    title: str
    presenter: str
    minutes_allotted: int
    closed_door: bool
    attendees: list[str]


class MeetingOut(ResponseBody):
    id: str
    topic: str
    goals: str
    type: str
    security_class: str
    department_code: str
    organiser: str
    start_at: datetime | None
    end_at: datetime | None
    duration_minutes: int
    room_id: str
    room_name: str
    video_link: str
    important: bool
    participants: list[ParticipantOut]
    host: str
    recorder: str
    technician: str
    agenda: list[AgendaItemOut]
    state: str = Field(description="scheduled|in_progress|ended|cancelled")
    sequence: int = Field(description="the calendar SEQUENCE; grows with every change")
    room_released: bool
    checked_in_at: datetime | None
    ended_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    survey_closes_at: datetime | None
    warnings: list[str] = Field(
        description="short notice (X-07), participants' conflicts, overdue milestones"
    )


class MeetingList(ResponseBody):
    items: list[MeetingOut]
    total: int
    page: int
    page_size: int


class MeetingQuery(Window):
    room_id: str | None = None
    mine: bool | None = Field(None, description="only meetings you are named on")
    page: int | None = Field(None, ge=1)
    page_size: int | None = Field(None, ge=1, le=200)


class CancelIn(RequestBody):
    reason: str = Field("", max_length=2000)


# -- preparation ------------------------------------------------------------------------------


class MilestoneOut(ResponseBody):
    id: str
    key: str
    title: str
    owner: str
    due_at: datetime | None
    state: str = Field(description="open|done|not_applicable")
    overdue: bool
    done_at: datetime | None
    done_by: str
    position: int


class ChecklistOut(ResponseBody):
    meeting_id: str
    milestones: list[MilestoneOut]
    open: int
    overdue: int


class ElementItemOut(ResponseBody):
    key: str
    label: str
    category: str = Field(description="general|video|in_person")
    confirmed: bool
    confirmed_by: str
    confirmed_at: datetime | None
    note: str


class ElementsFormOut(ResponseBody):
    meeting_id: str
    required: bool = Field(description="important meetings only (M-03)")
    complete: bool
    items: list[ElementItemOut]
    due_at: datetime | None


class ConfirmElementIn(RequestBody):
    note: str = Field("", max_length=2000)


# -- during the meeting -------------------------------------------------------------------------


class StartSpeakerIn(RequestBody):
    speaker: str = Field(min_length=1)
    agenda_item_id: str | None = None
    limit_seconds: int | None = Field(None, ge=1, le=3600, description="default 180 (M-04)")


class SpeakingTurnOut(ResponseBody):
    id: str
    meeting_id: str
    speaker: str
    agenda_item_id: str
    started_at: datetime | None
    stopped_at: datetime | None
    limit_seconds: int
    elapsed_seconds: int
    overrun: bool
    running: bool


class SpeakingTurnList(ResponseBody):
    items: list[SpeakingTurnOut]


# -- minutes and tracking -------------------------------------------------------------------------


class MinutesSectionIn(RequestBody):
    agenda_item_id: str | None = Field(None, description="empty: general points")
    key_points: list[str] = Field(min_length=1)


class ActionItemDraftIn(RequestBody):
    title: str = Field(min_length=1, max_length=500)
    owner: str = Field(min_length=1)
    due_date: date = Field(strict=False, examples=["2026-03-20"])
    agenda_item_id: str | None = None


class MinutesIn(RequestBody):
    sections: list[MinutesSectionIn] = Field(min_length=1, description="the key points")
    action_items: list[ActionItemDraftIn] = Field(default_factory=list)


class MinutesSectionOut(ResponseBody):
    agenda_item_id: str
    title: str
    key_points: list[str]
    closed_door: bool


class ActionItemDraftOut(ResponseBody):
    title: str
    owner: str
    due_date: str
    agenda_item_id: str


class MinutesOut(ResponseBody):
    meeting_id: str
    state: str = Field(description="awaiting_draft|submitted|approved")
    sections: list[MinutesSectionOut]
    action_items: list[ActionItemDraftOut]
    submitted_by: str
    submitted_at: datetime | None
    approved_by: str
    approved_at: datetime | None
    distributed_at: datetime | None
    draft_due_at: datetime | None = Field(description="2 hours after the end (M-05)")
    distribution_due_at: datetime | None = Field(description="24 working-day hours after the end")
    draft_outcome: str = Field(description="met|breached, empty while open")
    distribution_outcome: str
    withheld_sections: int = Field(description="closed-door sections you may not read (M-04)")


class ActionItemOut(ResponseBody):
    id: str
    meeting_id: str
    meeting_topic: str
    title: str
    owner: str
    owner_department: str
    meeting_department: str
    due_date: str
    due_at: datetime | None
    status: str = Field(description="in_progress|completed|delayed; delayed is computed (M-06)")
    completed_at: datetime | None
    progress_note: str
    cross_department: bool


class ActionItemList(ResponseBody):
    items: list[ActionItemOut]
    total: int


class ActionItemQuery(QueryParameters):
    owner: str | None = Field(None, description="default: you")
    status: Literal["in_progress", "completed", "delayed"] | None = None
    meeting_id: str | None = None
    department_code: str | None = Field(None, description="the owner's department")
    page: int | None = Field(None, ge=1)
    page_size: int | None = Field(None, ge=1, le=200)


class ActionItemPatch(RequestBody):
    status: Literal["in_progress", "completed", "delayed"] | None = Field(
        None, description="in_progress or completed; delayed follows from the due date"
    )
    progress_note: str | None = Field(None, max_length=4000)

    _not_null = not_null("status", "progress_note")


class CoordinationQuery(QueryParameters):
    month: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM; default this month"
    )


# -- effectiveness -------------------------------------------------------------------------------


class SurveyAnswerIn(RequestBody):
    agenda: int = Field(ge=0, le=100)
    materials: int = Field(ge=0, le=100)
    logistics: int = Field(ge=0, le=100)
    comment: str = Field("", max_length=4000)


class SurveyResultsOut(ResponseBody):
    meeting_id: str
    open: bool = Field(description="from the end for 3 days (M-07)")
    opens_at: datetime | None
    closes_at: datetime | None
    responses: int
    agenda: float | None
    materials: float | None
    logistics: float | None
    satisfaction: float | None = Field(description="mean of the three dimensions, 0-100")
    target_met: bool = Field(description="satisfaction ≥ 85")
    target: float
    answered_by_me: bool
    achievement_rate: float | None = Field(description="completed / due action items")


class ReportQuery(QueryParameters):
    from_: date | datetime = Field(alias="from", description="meetings starting at or after")
    to: date | datetime = Field(description="meetings starting before; a date includes its day")


class MeetingEffectivenessOut(ResponseBody):
    meeting_id: str
    topic: str = Field(description="empty unless you may see the meeting (X-03)")
    type: str
    department_code: str
    start_at: datetime | None
    responses: int
    agenda: float | None
    materials: float | None
    logistics: float | None
    satisfaction: float | None
    target_met: bool
    action_items: int
    due_action_items: int
    completed_due_action_items: int
    achievement_rate: float | None
    minutes_draft_outcome: str
    minutes_distribution_outcome: str


class EffectivenessReportOut(ResponseBody):
    window_start: datetime | None
    window_end: datetime | None
    meetings: int
    surveyed_meetings: int
    average_satisfaction: float | None
    target: float
    meetings_meeting_target: int
    due_action_items: int
    completed_due_action_items: int
    achievement_rate: float | None
    items: list[MeetingEffectivenessOut]
