"""What every use case of the meetings service shares: its dependencies, X-03
helpers, notices (X-06), event references and the meeting-time timers (X-05)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from meetings.adapters.meeting_repository import MeetingRepository
from meetings.domain.checklist import elements_due_at
from meetings.domain.model import (
    CHECK_IN_GRACE,
    Conflict,
    Meeting,
    MeetingState,
    SecurityClass,
    Viewer,
    can_see,
)
from meetings.service_layer.ports import Directory
from meetings.service_layer.unit_of_work import MeetingsUnitOfWork
from secretariat.meetings.v1 import events_pb2
from secretariat_shared import access
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.errors import PermissionDenied
from secretariat_shared.identity import Identity
from secretariat_shared.notices import request_notice
from secretariat_shared.proto_conversions import set_timestamp
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerStore
from secretariat_shared.uow import UnitOfWork

SOURCE = "meetings"
MANAGER_ROLES = (Role.SECRETARIAT, Role.ADMIN)
SYSTEM = "system"
ts = set_timestamp
"""Write a datetime into a Timestamp field (None leaves it unset)."""

# Timer kinds.
MILESTONE_DUE = "meeting_milestone_due"
ROOM_CHECK_IN_DUE = "meeting_room_check_in_due"
MEETING_END = "meeting_end"
ELEMENTS_DUE = "meeting_elements_due"
SPEAKER_LIMIT = "meeting_speaker_limit"
MINUTES_DRAFT_DUE = "meeting_minutes_draft_due"
MINUTES_DISTRIBUTION_DUE = "meeting_minutes_distribution_due"
SURVEY_CLOSE = "meeting_survey_close"
SURVEY_TOTALS_DUE = "meeting_survey_totals_due"
WEEKLY_DIGEST = "action_items_weekly_digest"


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Context:
    """The dependencies every use case of this service gets from the composition root."""

    uow: Callable[[], MeetingsUnitOfWork]
    db: Database
    directory: Directory
    clock: Clock
    calendar: BusinessCalendar
    zone: ZoneInfo
    timers: TimerStore
    survey_key: bytes = b""
    """M-07: the key of the respondents' keyed hashes (meetings.settings.survey_key)."""
    public_url: str = ""
    """Where people reach the gateway; the survey's QR code links there (M-07)."""

    def local(self, when: datetime | None, with_date: bool = True) -> str:
        """A time as people in the organisation read it."""
        if when is None:
            return ""
        local = when.astimezone(self.zone)
        return local.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")

    def span(self, start: datetime, end: datetime) -> str:
        same_day = start.astimezone(self.zone).date() == end.astimezone(self.zone).date()
        return f"{self.local(start)}–{self.local(end, with_date=not same_day)}"


def viewer_of(identity: Identity) -> Viewer:
    return access.viewer_of(identity)


def visible_meeting(meeting: Meeting | None, actor: Identity, meeting_id: str) -> Meeting:
    """SPEC X-03: a meeting the caller may not see is reported as not existing."""
    if meeting is None or not can_see(viewer_of(actor), meeting):
        raise access.not_found("meeting", meeting_id)
    return meeting


def hide_unseen_conflicts(repo: MeetingRepository, actor: Identity, meeting: Meeting) -> Meeting:
    """SPEC X-03: a participant's clash with a meeting the caller may not see says
    only that they are busy during this meeting: no id, no time of the other."""
    others = [c.meeting_id for found in meeting.conflicts.values() for c in found]
    seen = repo.visible_ids(viewer_of(actor), others)
    meeting.conflicts = {
        username: [
            c if c.meeting_id in seen else Conflict("", meeting.start_at, meeting.end_at)
            for c in found
        ]
        for username, found in meeting.conflicts.items()
    }
    return meeting


def audit_classified_read(ctx: Context, actor: Identity, meeting: Meeting, what: str) -> None:
    """SPEC X-04: reads of confidential and secret meetings are recorded."""
    if meeting.security_class not in (SecurityClass.CONFIDENTIAL, SecurityClass.SECRET):
        return
    with ctx.uow() as uow:
        uow.audit(
            actor.username,
            "read_classified",
            what,
            meeting.id,
            None,
            {"security_class": meeting.security_class.value},
        )
        uow.commit()


def is_manager(actor: Identity, meeting: Meeting) -> bool:
    """Who runs a meeting's arrangements: its organiser and host, and the secretariat."""
    return (
        actor.is_service
        or actor.username in (meeting.organiser, meeting.host)
        or actor.has_role(*MANAGER_ROLES)
    )


def require_manager(actor: Identity, meeting: Meeting, what: str) -> None:
    if not is_manager(actor, meeting):
        raise PermissionDenied(f"only the organiser, the host or the secretariat may {what}")


def meeting_ref(meeting: Meeting) -> events_pb2.MeetingRef:
    ref = events_pb2.MeetingRef(
        meeting_id=meeting.id,
        topic=meeting.topic,
        type=meeting.type.value,
        department_code=meeting.department_code,
        organiser=meeting.organiser,
        room_id=meeting.room_id or "",
        security_class=meeting.security_class.value,
        important=meeting.important,
    )
    ts(meeting.start_at, ref.start_at)
    ts(meeting.end_at, ref.end_at)
    return ref


def notify(
    uow: UnitOfWork,
    recipients: Iterable[str],
    kind: str,
    title: str,
    body: str,
    meeting_id: str,
    due_at: datetime | None = None,
    subject_ref: str = "",
) -> list[str]:
    """SPEC X-06: a notice for each recipient, as an event beside the domain event
    (the shared recipient rule, :mod:`secretariat_shared.notices`)."""
    return request_notice(
        uow,
        "meetings",
        recipients,
        kind=kind,
        title=title,
        body=body,
        subject_ref=subject_ref or f"meetings/{meeting_id}",
        key=meeting_id or subject_ref,
        due_at=due_at,
    )


def snapshot(meeting: Meeting) -> dict[str, Any]:
    """What the audit trail keeps of a meeting (X-04)."""
    return {
        "topic": meeting.topic,
        "type": meeting.type.value,
        "security_class": meeting.security_class.value,
        "state": meeting.state.value,
        "start_at": meeting.start_at.isoformat(),
        "duration_minutes": meeting.duration_minutes,
        "room_id": meeting.room_id,
        "video_link": meeting.video_link,
        "important": meeting.important,
        "participants": list(meeting.participants),
        "host": meeting.host,
        "recorder": meeting.recorder,
        "technician": meeting.technician,
        "agenda": [
            {"id": a.id, "title": a.title, "closed_door": a.closed_door} for a in meeting.agenda
        ],
        "sequence": meeting.sequence,
    }


# -- timers that follow the meeting's time ----------------------------------------------
#
# SPEC X-05: every deadline is a row in `timers`, fired once by the scheduler
# in the same transaction as its effect, each firing a domain event. Their keys carry the meeting's sequence: an update cancels the old
# generation and schedules a new one, so a timer that already fired for the
# old time never blocks the timer for the new time.


def _key(meeting: Meeting, what: str) -> str:
    return f"meeting:{meeting.id}:v{meeting.sequence}:{what}"


def meeting_timer_keys(meeting: Meeting) -> list[str]:
    keys = [_key(meeting, f"milestone:{m.id}") for m in meeting.milestones]
    keys += [_key(meeting, "check-in"), _key(meeting, "end"), _key(meeting, "elements")]
    return keys


def schedule_meeting_timers(ctx: Context, uow: UnitOfWork, meeting: Meeting) -> None:
    now = ctx.clock.now()
    payload = {"meeting_id": meeting.id, "sequence": meeting.sequence}
    for milestone in meeting.milestones:
        if milestone.is_open and milestone.due_at > now:
            ctx.timers.schedule(
                uow.session,
                MILESTONE_DUE,
                _key(meeting, f"milestone:{milestone.id}"),
                milestone.due_at,
                {**payload, "milestone_id": milestone.id},
            )
    if meeting.state is not MeetingState.SCHEDULED:
        return
    if meeting.holds_room:
        ctx.timers.schedule(
            uow.session,
            ROOM_CHECK_IN_DUE,
            _key(meeting, "check-in"),
            meeting.start_at + CHECK_IN_GRACE,
            payload,
        )
    ctx.timers.schedule(uow.session, MEETING_END, _key(meeting, "end"), meeting.end_at, payload)
    elements_due = elements_due_at(meeting.start_at, ctx.calendar, ctx.zone)
    if meeting.important and elements_due > now:
        ctx.timers.schedule(
            uow.session, ELEMENTS_DUE, _key(meeting, "elements"), elements_due, payload
        )


def cancel_meeting_timers(ctx: Context, uow: UnitOfWork, meeting: Meeting) -> None:
    now = ctx.clock.now()
    for key in meeting_timer_keys(meeting):
        ctx.timers.cancel(uow.session, key, now)


def cancel_timer(ctx: Context, uow: UnitOfWork, meeting: Meeting, what: str) -> None:
    ctx.timers.cancel(uow.session, _key(meeting, what), ctx.clock.now())


def current_generation(meeting: Meeting | None, payload: dict[str, Any]) -> Meeting | None:
    """The meeting a timer fired for, if the timer still belongs to its current time."""
    if meeting is None or int(payload.get("sequence", -1)) != meeting.sequence:
        return None
    return meeting
