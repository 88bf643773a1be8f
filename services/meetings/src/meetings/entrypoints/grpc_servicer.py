"""The Meetings gRPC API: protobuf in, use case, protobuf out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import grpc
from google.api import httpbody_pb2

from meetings.adapters.audit_trail import MeetingsAuditTrail
from meetings.domain.checklist import form_complete
from meetings.domain.effectiveness import SATISFACTION_TARGET, EffectivenessReport, SurveySummary
from meetings.domain.minutes import MinutesState
from meetings.domain.model import Meeting, MilestoneState, Room
from meetings.domain.speaking import SpeakingTurn
from meetings.service_layer.commands import (
    ActionItemInput,
    AgendaItemInput,
    AnswerSurvey,
    CreateRoom,
    ListActionItems,
    ListMeetings,
    MeetingInput,
    SectionInput,
    SubmitMinutes,
    UpdateActionItem,
)
from meetings.service_layer.conduct import Conduct
from meetings.service_layer.effectiveness import Effectiveness, SurveyResults
from meetings.service_layer.minutes import ActionItemView, MinutesDesk, MinutesView
from meetings.service_layer.preparation import ElementsView, Preparation
from meetings.service_layer.scheduling import MeetingPlanner
from secretariat.common.v1 import audit_pb2
from secretariat.meetings.v1 import meetings_pb2, meetings_pb2_grpc
from secretariat_shared.errors import FieldError, PreconditionFailed, ValidationFailed
from secretariat_shared.grpc_server import current_identity
from secretariat_shared.paging import Page, page_of
from secretariat_shared.proto_conversions import set_optional as _optional
from secretariat_shared.proto_conversions import set_timestamp as _ts
from secretariat_shared.proto_conversions import timestamp_of as _from_ts

T = TypeVar("T")

# Fields of UpdateMeetingRequest that are applied when present (PATCH).
_PATCH_SCALARS = (
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
    "host",
    "recorder",
    "technician",
)
_PATCH_LISTS = ("participants", "agenda")


def room_to_proto(room: Room, available: bool | None = None) -> meetings_pb2.Room:
    message = meetings_pb2.Room(
        id=room.id,
        name=room.name,
        location=room.location,
        capacity=room.capacity,
        equipment=list(room.equipment),
        video_capable=room.video_capable,
    )
    if available is not None:
        message.available = available
    return message


def meeting_to_proto(
    meeting: Meeting, room_name: str = "", warnings: list[str] | None = None
) -> meetings_pb2.Meeting:
    message = meetings_pb2.Meeting(
        id=meeting.id,
        topic=meeting.topic,
        goals=meeting.goals,
        type=meeting.type.value,
        security_class=meeting.security_class.value,
        department_code=meeting.department_code,
        organiser=meeting.organiser,
        duration_minutes=meeting.duration_minutes,
        room_id=meeting.room_id or "",
        room_name=room_name,
        video_link=meeting.video_link,
        important=meeting.important,
        host=meeting.host,
        recorder=meeting.recorder,
        technician=meeting.technician,
        state=meeting.state.value,
        sequence=meeting.sequence,
        room_released=meeting.room_released,
        cancel_reason=meeting.cancel_reason,
        warnings=warnings or [],
    )
    for username in meeting.participants:
        participant = message.participants.add(username=username)
        for conflict in meeting.conflicts.get(username, []):
            entry = participant.conflicts.add(meeting_id=conflict.meeting_id)
            _ts(conflict.start_at, entry.start_at)
            _ts(conflict.end_at, entry.end_at)
    for item in meeting.agenda:
        message.agenda.add(
            id=item.id,
            title=item.title,
            presenter=item.presenter,
            minutes_allotted=item.minutes_allotted,
            closed_door=item.closed_door,
            attendees=item.attendees,
        )
    _ts(meeting.start_at, message.start_at)
    _ts(meeting.end_at, message.end_at)
    _ts(meeting.checked_in_at, message.checked_in_at)
    _ts(meeting.ended_at, message.ended_at)
    _ts(meeting.cancelled_at, message.cancelled_at)
    _ts(meeting.survey_closes_at, message.survey_closes_at)
    return message


def checklist_to_proto(meeting: Meeting) -> meetings_pb2.Checklist:
    message = meetings_pb2.Checklist(meeting_id=meeting.id)
    for m in meeting.milestones:
        entry = message.milestones.add(
            id=m.id,
            key=m.key,
            title=m.title,
            owner=m.owner,
            state=m.state.value,
            overdue=m.overdue,
            done_by=m.done_by,
            position=m.position,
        )
        _ts(m.due_at, entry.due_at)
        _ts(m.done_at, entry.done_at)
    message.open = sum(1 for m in meeting.milestones if m.state is MilestoneState.OPEN)
    message.overdue = sum(1 for m in meeting.milestones if m.is_open and m.overdue)
    return message


def elements_to_proto(view: ElementsView) -> meetings_pb2.ElementsForm:
    message = meetings_pb2.ElementsForm(
        meeting_id=view.meeting_id, required=view.required, complete=form_complete(view.items)
    )
    for item in view.items:
        entry = message.items.add(
            key=item.key,
            label=item.label,
            category=item.category,
            confirmed=item.confirmed,
            confirmed_by=item.confirmed_by,
            note=item.note,
        )
        _ts(item.confirmed_at, entry.confirmed_at)
    _ts(view.due_at, message.due_at)
    return message


def turn_to_proto(turn: SpeakingTurn, now: datetime) -> meetings_pb2.SpeakingTurn:
    message = meetings_pb2.SpeakingTurn(
        id=turn.id,
        meeting_id=turn.meeting_id,
        speaker=turn.speaker,
        agenda_item_id=turn.agenda_item_id,
        limit_seconds=turn.limit_seconds,
        elapsed_seconds=turn.elapsed_seconds(now),
        overrun=turn.is_over(now),
        running=turn.running,
    )
    _ts(turn.started_at, message.started_at)
    _ts(turn.stopped_at, message.stopped_at)
    return message


def minutes_to_proto(view: MinutesView) -> meetings_pb2.Minutes:
    minutes = view.minutes
    message = meetings_pb2.Minutes(
        meeting_id=view.meeting.id,
        state=minutes.state.value if minutes else MinutesState.AWAITING_DRAFT.value,
        withheld_sections=view.withheld_sections,
    )
    if minutes is None:
        return message
    for section in view.sections:
        message.sections.add(
            agenda_item_id=section.agenda_item_id,
            title=section.title,
            key_points=section.key_points,
            closed_door=section.closed_door,
        )
    for draft in view.action_items:
        message.action_items.add(
            title=draft.title,
            owner=draft.owner,
            due_date=draft.due_date.isoformat(),
            agenda_item_id=draft.agenda_item_id,
        )
    message.submitted_by = minutes.submitted_by
    message.approved_by = minutes.approved_by
    message.draft_outcome = minutes.draft_outcome.value if minutes.draft_outcome else ""
    message.distribution_outcome = (
        minutes.distribution_outcome.value if minutes.distribution_outcome else ""
    )
    _ts(minutes.submitted_at, message.submitted_at)
    _ts(minutes.approved_at, message.approved_at)
    _ts(minutes.distributed_at, message.distributed_at)
    _ts(minutes.draft_due_at, message.draft_due_at)
    _ts(minutes.distribution_due_at, message.distribution_due_at)
    return message


def action_item_to_proto(view: ActionItemView) -> meetings_pb2.ActionItem:
    item = view.item
    message = meetings_pb2.ActionItem(
        id=item.id,
        meeting_id=item.meeting_id,
        meeting_topic=view.meeting_topic,
        title=item.title,
        owner=item.owner,
        owner_department=item.owner_department,
        meeting_department=item.meeting_department,
        due_date=item.due_date.isoformat(),
        status=view.status.value,
        progress_note=item.progress_note,
        cross_department=item.cross_department,
    )
    _ts(item.due_at, message.due_at)
    _ts(item.completed_at, message.completed_at)
    return message


def _summary_into(message: Any, summary: SurveySummary) -> None:
    message.responses = summary.responses
    _optional(message, "agenda", summary.agenda)
    _optional(message, "materials", summary.materials)
    _optional(message, "logistics", summary.logistics)
    _optional(message, "satisfaction", summary.satisfaction)
    message.target_met = summary.target_met


def survey_to_proto(results: SurveyResults) -> meetings_pb2.SurveyResults:
    meeting = results.meeting
    message = meetings_pb2.SurveyResults(
        meeting_id=meeting.id,
        open=results.open,
        target=SATISFACTION_TARGET,
        answered_by_me=results.answered_by_me,
        comments=results.comments,
        survey_url=results.survey_url,
    )
    _summary_into(message, results.summary)
    _optional(message, "achievement_rate", results.achievement_rate)
    _ts(meeting.ended_at, message.opens_at)
    _ts(meeting.survey_closes_at, message.closes_at)
    _ts(meeting.survey_totals_at, message.totals_ready_at)
    return message


def report_to_proto(report: EffectivenessReport) -> meetings_pb2.EffectivenessReport:
    message = meetings_pb2.EffectivenessReport(
        meetings=len(report.items),
        surveyed_meetings=len(report.surveyed),
        target=SATISFACTION_TARGET,
        meetings_meeting_target=report.meetings_meeting_target,
        due_action_items=report.due_action_items,
        completed_due_action_items=report.completed_due_action_items,
    )
    _optional(message, "average_satisfaction", report.average_satisfaction)
    _optional(message, "achievement_rate", report.achievement_rate)
    _ts(report.window_start, message.window_start)
    _ts(report.window_end, message.window_end)
    for row in report.items:
        entry = message.items.add(
            meeting_id=row.meeting_id,
            topic=row.topic,
            type=row.type,
            department_code=row.department_code,
            action_items=row.action_items,
            due_action_items=row.due_action_items,
            completed_due_action_items=row.completed_due_action_items,
            minutes_draft_outcome=row.minutes_draft_outcome,
            minutes_distribution_outcome=row.minutes_distribution_outcome,
        )
        _summary_into(entry, row.survey)
        _optional(entry, "achievement_rate", row.achievement_rate)
        _ts(row.start_at, entry.start_at)
    return message


def agenda_input(items: Sequence[meetings_pb2.AgendaItem]) -> list[AgendaItemInput]:
    return [
        AgendaItemInput(
            id=item.id,
            title=item.title,
            presenter=item.presenter,
            minutes_allotted=item.minutes_allotted,
            closed_door=item.closed_door,
            attendees=list(item.attendees),
        )
        for item in items
    ]


def meeting_input(request: meetings_pb2.ScheduleMeetingRequest) -> MeetingInput:
    return MeetingInput(
        topic=request.topic,
        goals=request.goals,
        type=request.type,
        security_class=request.security_class or "internal",
        start_at=_from_ts(request, "start_at"),
        end_at=_from_ts(request, "end_at"),
        duration_minutes=request.duration_minutes,
        room_id=request.room_id,
        video_link=request.video_link,
        important=request.important,
        participants=list(request.participants),
        host=request.host,
        recorder=request.recorder,
        technician=request.technician,
        agenda=agenda_input(request.agenda),
    )


def meeting_patch(request: meetings_pb2.UpdateMeetingRequest) -> tuple[set[str], MeetingInput]:
    """PATCH semantics: the fields present in the request, and their new values.

    A list cannot be present and empty in proto3, so emptying one is asked for by
    naming it in ``clear``.
    """
    fields = {name for name in _PATCH_SCALARS if request.HasField(name)}
    unknown = [name for name in request.clear if name not in _PATCH_LISTS]
    if unknown:
        raise ValidationFailed(
            [FieldError("clear", f"only {' and '.join(_PATCH_LISTS)} can be cleared")]
        )
    for name in _PATCH_LISTS:
        if len(getattr(request, name)) or name in request.clear:
            fields.add(name)
    changes = MeetingInput(
        topic=request.topic,
        goals=request.goals,
        type=request.type,
        security_class=request.security_class,
        start_at=_from_ts(request, "start_at"),
        end_at=_from_ts(request, "end_at"),
        duration_minutes=request.duration_minutes,
        room_id=request.room_id,
        video_link=request.video_link,
        important=request.important,
        participants=[] if "participants" in request.clear else list(request.participants),
        host=request.host,
        recorder=request.recorder,
        technician=request.technician,
        agenda=[] if "agenda" in request.clear else agenda_input(request.agenda),
    )
    return fields, changes


def exported(
    context: grpc.ServicerContext, content: bytes, content_type: str, filename: str
) -> httpbody_pb2.HttpBody:
    """A file answer. Its name travels in the ``content-disposition`` response
    metadata, for the HTTP gateway to pass on as the header of that name."""
    context.send_initial_metadata(
        (("content-disposition", f'attachment; filename="{quote(filename)}"'),)
    )
    return httpbody_pb2.HttpBody(content_type=content_type, data=content)


def paged(items: Sequence[T], request: Any) -> tuple[list[T], Page]:
    """One page of a list the service holds whole (rooms, bookings, turns)."""
    page = page_of(request.page, request.page_size)
    return list(items[page.offset : page.offset + page.limit]), page


class MeetingsServicer(meetings_pb2_grpc.MeetingsServicer):
    def __init__(
        self,
        planner: MeetingPlanner,
        preparation: Preparation,
        conduct: Conduct,
        minutes: MinutesDesk,
        effectiveness: Effectiveness,
        now: Any,
        audit_trail: MeetingsAuditTrail | None = None,
    ) -> None:
        self._audit_trail = audit_trail
        self._planner = planner
        self._preparation = preparation
        self._conduct = conduct
        self._minutes = minutes
        self._effectiveness = effectiveness
        self._now = now

    def _meeting(self, meeting: Meeting) -> meetings_pb2.Meeting:
        names = self._planner.room_names([meeting])
        return meeting_to_proto(
            meeting, names.get(meeting.room_id or "", ""), self._planner.warnings(meeting)
        )

    # -- rooms ----------------------------------------------------------------------

    def CreateRoom(  # noqa: N802
        self, request: meetings_pb2.CreateRoomRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.Room:
        room = self._planner.create_room(
            current_identity(),
            CreateRoom(
                name=request.name,
                capacity=request.capacity,
                location=request.location,
                equipment=list(request.equipment),
                video_capable=request.video_capable,
            ),
        )
        return room_to_proto(room)

    def GetRoom(  # noqa: N802
        self, request: meetings_pb2.GetRoomRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.Room:
        return room_to_proto(self._planner.get_room(current_identity(), request.id))

    def ListRooms(  # noqa: N802
        self, request: meetings_pb2.ListRoomsRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.ListRoomsResponse:
        found = self._planner.list_rooms(
            current_identity(),
            _from_ts(request, "available_from"),
            _from_ts(request, "available_to"),
            request.min_capacity,
            request.video_capable_only,
        )
        rooms, page = paged(found, request)
        return meetings_pb2.ListRoomsResponse(
            items=[room_to_proto(r.room, r.available) for r in rooms],
            total=len(found),
            page=page.page,
            page_size=page.page_size,
        )

    def ListRoomBookings(  # noqa: N802
        self, request: meetings_pb2.ListRoomBookingsRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.ListRoomBookingsResponse:
        bookings = self._planner.room_bookings(
            current_identity(),
            request.id,
            _from_ts(request, "window_start"),
            _from_ts(request, "window_end"),
        )
        shown, page = paged(bookings, request)
        response = meetings_pb2.ListRoomBookingsResponse(
            total=len(bookings), page=page.page, page_size=page.page_size
        )
        for b in shown:
            entry = response.items.add(meeting_id=b.meeting_id, room_id=b.room_id, topic=b.topic)
            _ts(b.occupied_from, entry.occupied_from)
            _ts(b.occupied_to, entry.occupied_to)
            _ts(b.start_at, entry.start_at)
            _ts(b.end_at, entry.end_at)
        return response

    # -- meetings -------------------------------------------------------------------

    def ScheduleMeeting(  # noqa: N802
        self, request: meetings_pb2.ScheduleMeetingRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.Meeting:
        return self._meeting(self._planner.schedule(current_identity(), meeting_input(request)))

    def GetMeeting(  # noqa: N802
        self, request: meetings_pb2.GetMeetingRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.Meeting:
        return self._meeting(self._planner.get(current_identity(), request.id))

    def ListMeetings(  # noqa: N802
        self, request: meetings_pb2.ListMeetingsRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.ListMeetingsResponse:
        page = page_of(request.page, request.page_size)
        found, total = self._planner.search(
            current_identity(),
            ListMeetings(
                window_start=_from_ts(request, "window_start"),
                window_end=_from_ts(request, "window_end"),
                room_id=request.room_id,
                mine=request.mine,
                page=page.page,
                page_size=page.page_size,
            ),
        )
        names = self._planner.room_names(found)
        return meetings_pb2.ListMeetingsResponse(
            items=[
                meeting_to_proto(m, names.get(m.room_id or "", ""), self._planner.warnings(m))
                for m in found
            ],
            total=total,
            page=page.page,
            page_size=page.page_size,
        )

    def UpdateMeeting(  # noqa: N802
        self, request: meetings_pb2.UpdateMeetingRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.Meeting:
        fields, changes = meeting_patch(request)
        meeting = self._planner.update(current_identity(), request.id, fields, changes)
        return self._meeting(meeting)

    def CancelMeeting(  # noqa: N802
        self, request: meetings_pb2.CancelMeetingRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.Meeting:
        return self._meeting(self._planner.cancel(current_identity(), request.id, request.reason))

    def ExportMeetingCalendar(  # noqa: N802
        self, request: meetings_pb2.GetMeetingRequest, context: grpc.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        return exported(context, *self._planner.meeting_calendar(current_identity(), request.id))

    def ExportPersonalCalendar(  # noqa: N802
        self,
        request: meetings_pb2.ExportPersonalCalendarRequest,
        context: grpc.ServicerContext,
    ) -> httpbody_pb2.HttpBody:
        return exported(context, *self._planner.personal_calendar(current_identity()))

    # -- preparation ----------------------------------------------------------------

    def GetChecklist(  # noqa: N802
        self, request: meetings_pb2.GetMeetingRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.Checklist:
        return checklist_to_proto(self._preparation.checklist(current_identity(), request.id))

    def CompleteMilestone(  # noqa: N802
        self, request: meetings_pb2.CompleteMilestoneRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.Checklist:
        meeting = self._preparation.complete_milestone(
            current_identity(), request.id, request.milestone_id
        )
        return checklist_to_proto(meeting)

    def GetElementsForm(  # noqa: N802
        self, request: meetings_pb2.GetMeetingRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.ElementsForm:
        return elements_to_proto(self._preparation.elements(current_identity(), request.id))

    def ConfirmElement(  # noqa: N802
        self, request: meetings_pb2.ConfirmElementRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.ElementsForm:
        view = self._preparation.confirm_element(
            current_identity(), request.id, request.key, request.note
        )
        return elements_to_proto(view)

    # -- during the meeting ---------------------------------------------------------

    def CheckIn(  # noqa: N802
        self, request: meetings_pb2.GetMeetingRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.Meeting:
        return self._meeting(self._conduct.check_in(current_identity(), request.id))

    def EndMeeting(  # noqa: N802
        self, request: meetings_pb2.GetMeetingRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.Meeting:
        return self._meeting(self._conduct.end(current_identity(), request.id))

    def StartSpeaker(  # noqa: N802
        self, request: meetings_pb2.StartSpeakerRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.SpeakingTurn:
        turn = self._conduct.start_speaker(
            current_identity(),
            request.id,
            request.speaker,
            request.agenda_item_id,
            request.limit_seconds,
        )
        return turn_to_proto(turn, self._now())

    def StopSpeaker(  # noqa: N802
        self, request: meetings_pb2.StopSpeakerRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.SpeakingTurn:
        return turn_to_proto(
            self._conduct.stop_speaker(current_identity(), request.id), self._now()
        )

    def ListSpeakingTurns(  # noqa: N802
        self, request: meetings_pb2.ListSpeakingTurnsRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.ListSpeakingTurnsResponse:
        now = self._now()
        turns = self._conduct.turns(current_identity(), request.id)
        shown, page = paged(turns, request)
        return meetings_pb2.ListSpeakingTurnsResponse(
            items=[turn_to_proto(t, now) for t in shown],
            total=len(turns),
            page=page.page,
            page_size=page.page_size,
        )

    # -- minutes and tracking -------------------------------------------------------

    def SubmitMinutes(  # noqa: N802
        self, request: meetings_pb2.SubmitMinutesRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.Minutes:
        view = self._minutes.submit(
            current_identity(),
            SubmitMinutes(
                meeting_id=request.id,
                sections=[
                    SectionInput(key_points=list(s.key_points), agenda_item_id=s.agenda_item_id)
                    for s in request.sections
                ],
                action_items=[
                    ActionItemInput(
                        title=a.title,
                        owner=a.owner,
                        due_date=a.due_date,
                        agenda_item_id=a.agenda_item_id,
                    )
                    for a in request.action_items
                ],
            ),
        )
        return minutes_to_proto(view)

    def GetMinutes(  # noqa: N802
        self, request: meetings_pb2.GetMeetingRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.Minutes:
        return minutes_to_proto(self._minutes.get(current_identity(), request.id))

    def ApproveMinutes(  # noqa: N802
        self, request: meetings_pb2.GetMeetingRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.Minutes:
        return minutes_to_proto(self._minutes.approve(current_identity(), request.id))

    def ListActionItems(  # noqa: N802
        self, request: meetings_pb2.ListActionItemsRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.ListActionItemsResponse:
        page = page_of(request.page, request.page_size)
        views, total = self._minutes.action_items(
            current_identity(),
            ListActionItems(
                owner=request.owner,
                status=request.status,
                meeting_id=request.meeting_id,
                department_code=request.department_code,
                page=page.page,
                page_size=page.page_size,
            ),
        )
        return meetings_pb2.ListActionItemsResponse(
            items=[action_item_to_proto(v) for v in views],
            total=total,
            page=page.page,
            page_size=page.page_size,
        )

    def UpdateActionItem(  # noqa: N802
        self, request: meetings_pb2.UpdateActionItemRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.ActionItem:
        view = self._minutes.update_action_item(
            current_identity(),
            UpdateActionItem(
                id=request.id,
                status=request.status if request.HasField("status") else None,
                progress_note=request.progress_note if request.HasField("progress_note") else None,
            ),
        )
        return action_item_to_proto(view)

    def ListCoordinationItems(  # noqa: N802
        self, request: meetings_pb2.ListCoordinationItemsRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.ListActionItemsResponse:
        views = self._minutes.coordination_items(current_identity(), request.month)
        shown, page = paged(views, request)
        return meetings_pb2.ListActionItemsResponse(
            items=[action_item_to_proto(v) for v in shown],
            total=len(views),
            page=page.page,
            page_size=page.page_size,
        )

    # -- effectiveness --------------------------------------------------------------

    def AnswerSurvey(  # noqa: N802
        self, request: meetings_pb2.AnswerSurveyRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.SurveyResults:
        missing = [
            FieldError(name, "is required")
            for name in ("agenda", "materials", "logistics")
            if not request.HasField(name)
        ]
        if missing:
            raise ValidationFailed(missing)
        results = self._effectiveness.answer(
            current_identity(),
            AnswerSurvey(
                meeting_id=request.id,
                agenda=request.agenda,
                materials=request.materials,
                logistics=request.logistics,
                comment=request.comment,
            ),
        )
        return survey_to_proto(results)

    def GetSurveyResults(  # noqa: N802
        self, request: meetings_pb2.GetMeetingRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.SurveyResults:
        return survey_to_proto(self._effectiveness.results(current_identity(), request.id))

    def GetSurveyQr(  # noqa: N802
        self, request: meetings_pb2.GetMeetingRequest, context: grpc.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        png, content_type = self._effectiveness.survey_qr(current_identity(), request.id)
        return httpbody_pb2.HttpBody(content_type=content_type, data=png)

    def GetEffectivenessReport(  # noqa: N802
        self, request: meetings_pb2.EffectivenessReportRequest, context: grpc.ServicerContext
    ) -> meetings_pb2.EffectivenessReport:
        report = self._effectiveness.report(
            current_identity(),
            _from_ts(request, "window_start"),
            _from_ts(request, "window_end"),
        )
        return report_to_proto(report)

    def ExportEffectivenessReport(  # noqa: N802
        self, request: meetings_pb2.EffectivenessReportRequest, context: grpc.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        return exported(
            context,
            *self._effectiveness.report_csv(
                current_identity(),
                _from_ts(request, "window_start"),
                _from_ts(request, "window_end"),
            ),
        )

    def ListMeetingsAuditEntries(  # noqa: N802
        self, request: audit_pb2.AuditSearchRequest, context: grpc.ServicerContext
    ) -> audit_pb2.AuditSearchResponse:
        """X-04: the audit trail, by the shared helper with this service's X-03 redaction."""
        if self._audit_trail is None:
            raise PreconditionFailed("the audit trail is not wired in this process")
        return self._audit_trail.search(current_identity(), request)
