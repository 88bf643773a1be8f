"""The preparation checklist (SPEC M-02) and the elements confirmation form (M-03)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from meetings.adapters.meeting_repository import MeetingRepository
from meetings.domain.checklist import NOTICE_MILESTONE, WorkingDays, elements_due_at, form_complete
from meetings.domain.model import ElementItem, Meeting, MeetingState, Milestone, MilestoneState
from meetings.service_layer import metrics
from meetings.service_layer.common import (
    Context,
    cancel_timer,
    current_generation,
    is_manager,
    meeting_ref,
    notify,
    visible_meeting,
)
from meetings.service_layer.meeting_notice import publish_notice
from secretariat.meetings.v1 import events_pb2
from secretariat_shared.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork


@dataclass(frozen=True)
class ElementsView:
    meeting_id: str
    required: bool
    complete: bool
    items: list[ElementItem]
    due_at: datetime | None


def elements_view(meeting: Meeting, calendar: WorkingDays, zone: ZoneInfo) -> ElementsView:
    return ElementsView(
        meeting_id=meeting.id,
        required=meeting.important,
        complete=form_complete(meeting.elements),
        items=meeting.elements,
        due_at=elements_due_at(meeting.start_at, calendar, zone) if meeting.important else None,
    )


class Preparation:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def _read(self, actor: Identity, meeting_id: str) -> Meeting:
        with self._ctx.db.reading() as session:
            return visible_meeting(MeetingRepository(session).get(meeting_id), actor, meeting_id)

    # -- checklist (M-02) -----------------------------------------------------------

    def checklist(self, actor: Identity, meeting_id: str) -> Meeting:
        return self._read(actor, meeting_id)

    def complete_milestone(self, actor: Identity, meeting_id: str, milestone_id: str) -> Meeting:
        """Its owner, the organiser, the host or the secretariat ticks a milestone off."""
        with self._ctx.uow() as uow:
            meeting = visible_meeting(uow.meetings.get(meeting_id, lock=True), actor, meeting_id)
            milestone = meeting.milestone(milestone_id)
            if milestone is None:
                raise NotFound(f"milestone {milestone_id} not found on meeting {meeting_id}")
            if actor.username != milestone.owner and not is_manager(actor, meeting):
                raise PermissionDenied(
                    "only the milestone's owner, the organiser, the host or the secretariat may "
                    "complete it"
                )
            if meeting.is_cancelled:
                raise PreconditionFailed(f"meeting {meeting.id} is cancelled")
            if milestone.state is not MilestoneState.OPEN:
                raise PreconditionFailed(f"milestone {milestone.key} is {milestone.state.value}")
            now = self._ctx.clock.now()
            milestone.state = MilestoneState.DONE
            milestone.done_at = now
            milestone.done_by = actor.username
            met = now <= milestone.due_at
            uow.meetings.save(meeting, now)
            cancel_timer(self._ctx, uow, meeting, f"milestone:{milestone.id}")
            uow.emit(
                "meetings.milestone.completed",
                meeting.id,
                events_pb2.MilestoneCompleted(
                    meeting=meeting_ref(meeting),
                    milestone_id=milestone.id,
                    key=milestone.key,
                    done_by=actor.username,
                    met_deadline=met,
                ),
            )
            uow.audit(
                actor.username,
                "complete_milestone",
                "meeting",
                meeting.id,
                {"milestone": milestone.key, "state": "open"},
                {"milestone": milestone.key, "state": "done", "met_deadline": met},
            )
            uow.commit()
        return meeting

    def on_milestone_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """SPEC M-02: an overdue milestone warns its owner and the organiser (X-05, X-06);
        the notice milestone sends the meeting's notice instead."""
        repo = MeetingRepository(uow.session)
        meeting = current_generation(
            repo.get(str(firing.payload["meeting_id"]), lock=True), firing.payload
        )
        if meeting is None or meeting.state is not MeetingState.SCHEDULED:
            return
        milestone = meeting.milestone(str(firing.payload["milestone_id"]))
        if milestone is None or not milestone.is_open or milestone.overdue:
            return
        now = self._ctx.clock.now()
        if milestone.key == NOTICE_MILESTONE:
            if publish_notice(self._ctx, uow, meeting, now, "at_milestone"):
                repo.save(meeting, now)
            return
        milestone.overdue = True
        repo.save(meeting, now)
        self._announce_overdue(uow, meeting, milestone)

    def _announce_overdue(self, uow: UnitOfWork, meeting: Meeting, milestone: Milestone) -> None:
        event = events_pb2.MilestoneOverdue(
            meeting=meeting_ref(meeting),
            milestone_id=milestone.id,
            key=milestone.key,
            owner=milestone.owner,
        )
        event.due_at.FromDatetime(milestone.due_at)
        uow.emit("meetings.milestone.overdue", meeting.id, event)
        notify(
            uow,
            [milestone.owner, meeting.organiser],
            "meeting_milestone_overdue",
            f"筹备节点逾期：{milestone.title}",
            f"会议「{meeting.topic}」（{self._ctx.local(meeting.start_at)}）的筹备节点"
            f"「{milestone.title}」应于 {self._ctx.local(milestone.due_at)} 完成。",
            meeting.id,
            milestone.due_at,
        )
        uow.audit(
            "system", "milestone_overdue", "meeting", meeting.id, None, {"milestone": milestone.key}
        )
        metrics.MILESTONES_OVERDUE.labels(milestone.key).inc()

    # -- elements confirmation form (M-03) ------------------------------------------

    def elements(self, actor: Identity, meeting_id: str) -> ElementsView:
        return elements_view(self._read(actor, meeting_id), self._ctx.calendar, self._ctx.zone)

    def confirm_element(
        self, actor: Identity, meeting_id: str, key: str, note: str
    ) -> ElementsView:
        if len(note) > 2000:
            raise ValidationFailed(FieldError("note", "must be at most 2000 characters"))
        with self._ctx.uow() as uow:
            meeting = visible_meeting(uow.meetings.get(meeting_id, lock=True), actor, meeting_id)
            if not meeting.important:
                raise PreconditionFailed(
                    "only important meetings carry an elements confirmation form (M-03)"
                )
            item = next((e for e in meeting.elements if e.key == key), None)
            if item is None:
                raise NotFound(f"the form of meeting {meeting_id} has no item {key!r}")
            if actor.username != meeting.technician and not is_manager(actor, meeting):
                raise PermissionDenied(
                    "only the organiser, the host, the technician or the secretariat may confirm"
                )
            if meeting.state is not MeetingState.SCHEDULED:
                raise PreconditionFailed(f"meeting {meeting.id} is {meeting.state.value}")
            now = self._ctx.clock.now()
            item.confirmed = True
            item.confirmed_by = actor.username
            item.confirmed_at = now
            item.note = note.strip()
            uow.meetings.save(meeting, now)
            complete = form_complete(meeting.elements)
            uow.emit(
                "meetings.elements.confirmed",
                meeting.id,
                events_pb2.ElementConfirmed(
                    meeting=meeting_ref(meeting),
                    key=key,
                    confirmed_by=actor.username,
                    form_complete=complete,
                ),
            )
            uow.audit(
                actor.username,
                "confirm_element",
                "meeting",
                meeting.id,
                None,
                {"key": key, "note": item.note},
            )
            uow.commit()
        return elements_view(meeting, self._ctx.calendar, self._ctx.zone)

    def on_elements_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """SPEC M-03: the day before an important meeting, an incomplete form warns."""
        meeting = current_generation(
            MeetingRepository(uow.session).get(str(firing.payload["meeting_id"])), firing.payload
        )
        if meeting is None or meeting.state is not MeetingState.SCHEDULED or not meeting.important:
            return
        open_keys = [e.key for e in meeting.elements if not e.confirmed]
        if not open_keys:
            return
        uow.emit(
            "meetings.elements.incomplete",
            meeting.id,
            events_pb2.ElementsIncomplete(meeting=meeting_ref(meeting), open_keys=open_keys),
        )
        notify(
            uow,
            [meeting.organiser, meeting.technician],
            "meeting_elements_incomplete",
            f"会议要素未确认：{meeting.topic}",
            "尚未确认的要素 Unconfirmed: " + ", ".join(open_keys),
            meeting.id,
            meeting.start_at,
        )
