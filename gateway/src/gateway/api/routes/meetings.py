"""Rooms and meetings routed to the meetings service (SPEC M-01..M-07)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from google.protobuf.message import Message

from gateway.adapters.proto_json import message_to_dict, timestamp
from gateway.api.registry import Api, BinaryContent, BinaryReply, Call, Reply
from gateway.api.schemas.meetings import (
    ActionItemList,
    ActionItemOut,
    ActionItemPatch,
    ActionItemQuery,
    AgendaItemIn,
    BookingList,
    CancelIn,
    ChecklistOut,
    ConfirmElementIn,
    CoordinationQuery,
    EffectivenessReportOut,
    ElementsFormOut,
    MeetingIn,
    MeetingList,
    MeetingOut,
    MeetingPatch,
    MeetingQuery,
    MinutesIn,
    MinutesOut,
    ReportQuery,
    RoomIn,
    RoomList,
    RoomOut,
    RoomQuery,
    SpeakingTurnList,
    SpeakingTurnOut,
    StartSpeakerIn,
    SurveyAnswerIn,
    SurveyResultsOut,
    Window,
)
from gateway.bootstrap import Gateway
from secretariat.meetings.v1 import meetings_pb2, meetings_pb2_grpc

SERVICE_PROBLEMS = (404, 409, 503, 504)
TAG_ROOMS = "rooms"
TAG_MEETINGS = "meetings"
TAG_MINUTES = "minutes"
TAG_ACTIONS = "action items"
TAG_EFFECTIVENESS = "effectiveness"
CALENDAR = "text/calendar"
CSV = "text/csv"
SCORES = ("agenda", "materials", "logistics", "satisfaction", "achievement_rate")


def instant(value: date | datetime, zone: ZoneInfo, *, end_of_day: bool) -> datetime:
    """A query's date or datetime as an aware instant; a date means its whole day."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    return datetime.combine(value, time.max if end_of_day else time.min, tzinfo=zone)


def _with_optionals(message: Message, names: tuple[str, ...]) -> dict[str, Any]:
    """Proto ``optional`` scalars left unset become null, not 0."""
    data = message_to_dict(message)
    for name in names:
        if name in data and not message.HasField(name):
            data[name] = None
    return data


def _download(exported: Any) -> BinaryReply:
    return BinaryReply(
        exported.content,
        headers={
            "Content-Disposition": f'attachment; filename="{quote(exported.filename)}"',
            "Cache-Control": "no-store",
        },
    )


def register_meetings_routes(api: Api, gateway: Gateway) -> None:
    zone = gateway.timezone

    def call(method: str, request: object, who: Call) -> Any:
        assert who.caller is not None
        return gateway.services.call(
            gateway.meetings, meetings_pb2_grpc.MeetingsStub, method, request, who.caller.identity
        )

    def when(value: datetime) -> Any:
        return timestamp(value if value.tzinfo else value.replace(tzinfo=zone))

    def meeting(message: object) -> MeetingOut:
        return MeetingOut.model_validate(message_to_dict(message))  # type: ignore[arg-type]

    def agenda(items: list[AgendaItemIn]) -> list[meetings_pb2.AgendaItem]:
        return [
            meetings_pb2.AgendaItem(
                id=item.id or "",
                title=item.title,
                presenter=item.presenter,
                minutes_allotted=item.minutes_allotted,
                closed_door=item.closed_door,
                attendees=item.attendees,
            )
            for item in items
        ]

    def window_into(request: Any, start_field: str, end_field: str, query: Window) -> None:
        if query.from_ is not None:
            getattr(request, start_field).CopyFrom(when(query.from_))
        if query.to is not None:
            getattr(request, end_field).CopyFrom(when(query.to))

    # -- rooms (M-01) ---------------------------------------------------------------------

    @api.route(
        "POST",
        "/api/v1/rooms",
        summary="Add a meeting room",
        tag=TAG_ROOMS,
        body=RoomIn,
        response=RoomOut,
        status=201,
        problems=SERVICE_PROBLEMS,
        description="For the secretariat: capacity, equipment, whether it can host video.",
    )
    def create_room(who: Call) -> Reply:
        body: RoomIn = who.body
        request = meetings_pb2.CreateRoomRequest(
            name=body.name,
            location=body.location,
            capacity=body.capacity,
            equipment=body.equipment,
            video_capable=body.video_capable,
        )
        created = RoomOut.model_validate(
            _with_optionals(call("CreateRoom", request, who), ("available",))
        )
        return Reply(created, headers={"Location": f"/api/v1/rooms/{quote(created.id)}"})

    @api.route(
        "GET",
        "/api/v1/rooms",
        summary="Meeting rooms, and which are free for a time",
        tag=TAG_ROOMS,
        query=RoomQuery,
        response=RoomList,
        problems=SERVICE_PROBLEMS,
        description="With `from` and `to`, each room says whether it is free then, counting "
        "the 15-minute buffer a booking keeps before its meeting (M-01).",
    )
    def list_rooms(who: Call) -> RoomList:
        query: RoomQuery = who.query
        request = meetings_pb2.ListRoomsRequest(
            min_capacity=query.min_capacity or 0, video_capable_only=bool(query.video_capable)
        )
        window_into(request, "available_from", "available_to", query)
        answer = call("ListRooms", request, who)
        return RoomList(
            items=[RoomOut.model_validate(_with_optionals(r, ("available",))) for r in answer.items]
        )

    @api.route(
        "GET",
        "/api/v1/rooms/<id>",
        summary="One meeting room",
        tag=TAG_ROOMS,
        response=RoomOut,
        problems=SERVICE_PROBLEMS,
    )
    def get_room(who: Call) -> RoomOut:
        answer = call("GetRoom", meetings_pb2.GetRoomRequest(id=who.path["id"]), who)
        return RoomOut.model_validate(_with_optionals(answer, ("available",)))

    @api.route(
        "GET",
        "/api/v1/rooms/<id>/bookings",
        summary="A room's bookings",
        tag=TAG_ROOMS,
        query=Window,
        response=BookingList,
        problems=SERVICE_PROBLEMS,
        description="Default: the next 7 days. Topics only of meetings you may see (X-03).",
    )
    def room_bookings(who: Call) -> BookingList:
        request = meetings_pb2.ListRoomBookingsRequest(room_id=who.path["id"])
        window_into(request, "window_start", "window_end", who.query)
        return BookingList.model_validate(message_to_dict(call("ListRoomBookings", request, who)))

    # -- meetings (M-01) ------------------------------------------------------------------

    def schedule_request(body: MeetingIn | MeetingPatch) -> meetings_pb2.ScheduleMeetingRequest:
        request = meetings_pb2.ScheduleMeetingRequest(
            topic=body.topic or "",
            type=body.type or "",
            goals=body.goals or "",
            security_class=body.security_class or "",
            duration_minutes=body.duration_minutes or 0,
            room_id=body.room_id or "",
            video_link=body.video_link or "",
            important=bool(body.important),
            participants=body.participants or [],
            host=body.host or "",
            recorder=body.recorder or "",
            technician=body.technician or "",
            agenda=agenda(body.agenda or []),
        )
        if body.start_at is not None:
            request.start_at.CopyFrom(when(body.start_at))
        if body.end_at is not None:
            request.end_at.CopyFrom(when(body.end_at))
        return request

    @api.route(
        "POST",
        "/api/v1/meetings",
        summary="Schedule a meeting",
        tag=TAG_MEETINGS,
        body=MeetingIn,
        response=MeetingOut,
        status=201,
        problems=SERVICE_PROBLEMS,
        description="Books the room atomically (409 names the meeting holding it: its topic "
        "only if you may see it), notifies everyone invited, generates the 12-milestone "
        "checklist (M-02) and, for important meetings, the elements form (M-03). Fewer than "
        "3 days ahead warns at once (X-07); invited people's clashes are flagged.",
    )
    def schedule_meeting(who: Call) -> Reply:
        created = meeting(call("ScheduleMeeting", schedule_request(who.body), who))
        return Reply(created, headers={"Location": f"/api/v1/meetings/{quote(created.id)}"})

    @api.route(
        "GET",
        "/api/v1/meetings",
        summary="Meetings you may see",
        tag=TAG_MEETINGS,
        query=MeetingQuery,
        response=MeetingList,
        problems=SERVICE_PROBLEMS,
    )
    def list_meetings(who: Call) -> MeetingList:
        query: MeetingQuery = who.query
        request = meetings_pb2.ListMeetingsRequest(
            room_id=query.room_id or "",
            mine=bool(query.mine),
            page=query.page or 0,
            page_size=query.page_size or 0,
        )
        window_into(request, "window_start", "window_end", query)
        return MeetingList.model_validate(message_to_dict(call("ListMeetings", request, who)))

    @api.route(
        "GET",
        "/api/v1/meetings/<id>",
        summary="One meeting",
        tag=TAG_MEETINGS,
        response=MeetingOut,
        problems=SERVICE_PROBLEMS,
        description="A meeting you may not see (X-03) is 404.",
    )
    def get_meeting(who: Call) -> MeetingOut:
        return meeting(call("GetMeeting", meetings_pb2.GetMeetingRequest(id=who.path["id"]), who))

    @api.route(
        "PATCH",
        "/api/v1/meetings/<id>",
        summary="Change a meeting before it starts",
        tag=TAG_MEETINGS,
        body=MeetingPatch,
        response=MeetingOut,
        problems=SERVICE_PROBLEMS,
        description="For the organiser, the host or the secretariat. A new time or room is "
        "booked again; open milestones move (M-02); everyone is told and the calendar "
        "SEQUENCE grows.",
    )
    def update_meeting(who: Call) -> MeetingOut:
        body: MeetingPatch = who.body
        request = meetings_pb2.UpdateMeetingRequest(
            id=who.path["id"], fields=sorted(who.fields_set()), changes=schedule_request(body)
        )
        return meeting(call("UpdateMeeting", request, who))

    @api.route(
        "POST",
        "/api/v1/meetings/<id>/cancel",
        summary="Cancel a meeting",
        tag=TAG_MEETINGS,
        body=CancelIn,
        response=MeetingOut,
        problems=SERVICE_PROBLEMS,
    )
    def cancel_meeting(who: Call) -> MeetingOut:
        body: CancelIn = who.body
        request = meetings_pb2.CancelMeetingRequest(id=who.path["id"], reason=body.reason)
        return meeting(call("CancelMeeting", request, who))

    @api.route(
        "GET",
        "/api/v1/meetings/<id>.ics",
        summary="A meeting as an iCalendar file",
        tag=TAG_MEETINGS,
        response=BinaryContent,
        media_type=CALENDAR,
        problems=SERVICE_PROBLEMS,
        description="The UID stays the same for the meeting's life; SEQUENCE grows with every "
        "change and the cancellation (STATUS:CANCELLED).",
    )
    def meeting_calendar(who: Call) -> BinaryReply:
        request = meetings_pb2.GetMeetingRequest(id=who.path["id"])
        return _download(call("ExportMeetingCalendar", request, who))

    @api.route(
        "GET",
        "/api/v1/me/calendar.ics",
        summary="My meetings as an iCalendar feed",
        tag=TAG_MEETINGS,
        response=BinaryContent,
        media_type=CALENDAR,
        problems=SERVICE_PROBLEMS,
        description="Every meeting you are named on, from 30 days back; cancelled ones stay "
        "in with STATUS:CANCELLED so calendar clients drop them.",
    )
    def personal_calendar(who: Call) -> BinaryReply:
        return _download(
            call("ExportPersonalCalendar", meetings_pb2.ExportPersonalCalendarRequest(), who)
        )

    # -- preparation (M-02, M-03) --------------------------------------------------------

    @api.route(
        "GET",
        "/api/v1/meetings/<id>/checklist",
        summary="A meeting's preparation checklist",
        tag=TAG_MEETINGS,
        response=ChecklistOut,
        problems=SERVICE_PROBLEMS,
        description="Twelve milestones due relative to the start (M-02); overdue ones warn.",
    )
    def checklist(who: Call) -> ChecklistOut:
        request = meetings_pb2.GetMeetingRequest(id=who.path["id"])
        return ChecklistOut.model_validate(message_to_dict(call("GetChecklist", request, who)))

    @api.route(
        "POST",
        "/api/v1/meetings/<id>/checklist/<milestone_id>/done",
        summary="Tick off a milestone",
        tag=TAG_MEETINGS,
        response=ChecklistOut,
        problems=SERVICE_PROBLEMS,
    )
    def complete_milestone(who: Call) -> ChecklistOut:
        request = meetings_pb2.CompleteMilestoneRequest(
            meeting_id=who.path["id"], milestone_id=who.path["milestone_id"]
        )
        return ChecklistOut.model_validate(message_to_dict(call("CompleteMilestone", request, who)))

    @api.route(
        "GET",
        "/api/v1/meetings/<id>/elements",
        summary="An important meeting's elements confirmation form",
        tag=TAG_MEETINGS,
        response=ElementsFormOut,
        problems=SERVICE_PROBLEMS,
        description="Type, duration control, materials; video: bandwidth test, backup hotspot; "
        "in person: name plates, seat cards, water (M-03).",
    )
    def elements(who: Call) -> ElementsFormOut:
        request = meetings_pb2.GetMeetingRequest(id=who.path["id"])
        return ElementsFormOut.model_validate(
            message_to_dict(call("GetElementsForm", request, who))
        )

    @api.route(
        "POST",
        "/api/v1/meetings/<id>/elements/<key>/confirm",
        summary="Confirm one element of the form",
        tag=TAG_MEETINGS,
        body=ConfirmElementIn,
        response=ElementsFormOut,
        problems=SERVICE_PROBLEMS,
    )
    def confirm_element(who: Call) -> ElementsFormOut:
        body: ConfirmElementIn = who.body
        request = meetings_pb2.ConfirmElementRequest(
            meeting_id=who.path["id"], key=who.path["key"], note=body.note
        )
        return ElementsFormOut.model_validate(message_to_dict(call("ConfirmElement", request, who)))

    # -- during the meeting (M-04) -------------------------------------------------------

    @api.route(
        "POST",
        "/api/v1/meetings/<id>/check-in",
        summary="Check in: the meeting has begun",
        tag=TAG_MEETINGS,
        response=MeetingOut,
        problems=SERVICE_PROBLEMS,
        description="From 15 minutes before the start. A room nobody checked into 15 minutes "
        "after the start is released and the organiser told.",
    )
    def check_in(who: Call) -> MeetingOut:
        return meeting(call("CheckIn", meetings_pb2.GetMeetingRequest(id=who.path["id"]), who))

    @api.route(
        "POST",
        "/api/v1/meetings/<id>/end",
        summary="End the meeting",
        tag=TAG_MEETINGS,
        response=MeetingOut,
        problems=SERVICE_PROBLEMS,
        description="Starts the minutes clocks (draft 2 h, distribution 24 working hours, "
        "M-05) and opens the survey for 3 days (M-07). At its duration limit a meeting ends "
        "by itself.",
    )
    def end_meeting(who: Call) -> MeetingOut:
        return meeting(call("EndMeeting", meetings_pb2.GetMeetingRequest(id=who.path["id"]), who))

    @api.route(
        "POST",
        "/api/v1/meetings/<id>/speakers/start",
        summary="Start a speaker's clock",
        tag=TAG_MEETINGS,
        body=StartSpeakerIn,
        response=SpeakingTurnOut,
        problems=SERVICE_PROBLEMS,
        description="3 minutes by default; an overrun is flagged (M-04). The running turn, if "
        "any, stops.",
    )
    def start_speaker(who: Call) -> SpeakingTurnOut:
        body: StartSpeakerIn = who.body
        request = meetings_pb2.StartSpeakerRequest(
            meeting_id=who.path["id"],
            speaker=body.speaker,
            agenda_item_id=body.agenda_item_id or "",
            limit_seconds=body.limit_seconds or 0,
        )
        return SpeakingTurnOut.model_validate(message_to_dict(call("StartSpeaker", request, who)))

    @api.route(
        "POST",
        "/api/v1/meetings/<id>/speakers/stop",
        summary="Stop the running speaker's clock",
        tag=TAG_MEETINGS,
        response=SpeakingTurnOut,
        problems=SERVICE_PROBLEMS,
    )
    def stop_speaker(who: Call) -> SpeakingTurnOut:
        request = meetings_pb2.StopSpeakerRequest(meeting_id=who.path["id"])
        return SpeakingTurnOut.model_validate(message_to_dict(call("StopSpeaker", request, who)))

    @api.route(
        "GET",
        "/api/v1/meetings/<id>/speakers",
        summary="The speaking turns so far",
        tag=TAG_MEETINGS,
        response=SpeakingTurnList,
        problems=SERVICE_PROBLEMS,
    )
    def speakers(who: Call) -> SpeakingTurnList:
        request = meetings_pb2.GetMeetingRequest(id=who.path["id"])
        return SpeakingTurnList.model_validate(
            message_to_dict(call("ListSpeakingTurns", request, who))
        )

    # -- minutes (M-05) -------------------------------------------------------------------

    @api.route(
        "POST",
        "/api/v1/meetings/<id>/minutes",
        summary="Hand in the minutes draft",
        tag=TAG_MINUTES,
        body=MinutesIn,
        response=MinutesOut,
        problems=SERVICE_PROBLEMS,
        description="Key points + action items, each with owner and due date (M-05). Due 2 "
        "hours after the end; may be handed in again until the host approves.",
    )
    def submit_minutes(who: Call) -> MinutesOut:
        body: MinutesIn = who.body
        request = meetings_pb2.SubmitMinutesRequest(
            meeting_id=who.path["id"],
            sections=[
                meetings_pb2.MinutesSection(
                    agenda_item_id=s.agenda_item_id or "", key_points=s.key_points
                )
                for s in body.sections
            ],
            action_items=[
                meetings_pb2.ActionItemDraft(
                    title=a.title,
                    owner=a.owner,
                    due_date=a.due_date.isoformat(),
                    agenda_item_id=a.agenda_item_id or "",
                )
                for a in body.action_items
            ],
        )
        return MinutesOut.model_validate(message_to_dict(call("SubmitMinutes", request, who)))

    @api.route(
        "GET",
        "/api/v1/meetings/<id>/minutes",
        summary="A meeting's minutes",
        tag=TAG_MINUTES,
        response=MinutesOut,
        problems=SERVICE_PROBLEMS,
        description="Closed-door sections only for their attendees (M-04); drafts only for "
        "those who write and approve them.",
    )
    def get_minutes(who: Call) -> MinutesOut:
        request = meetings_pb2.GetMeetingRequest(id=who.path["id"])
        return MinutesOut.model_validate(message_to_dict(call("GetMinutes", request, who)))

    @api.route(
        "POST",
        "/api/v1/meetings/<id>/minutes/approve",
        summary="Approve and distribute the minutes",
        tag=TAG_MINUTES,
        response=MinutesOut,
        problems=SERVICE_PROBLEMS,
        description="The host approves; everyone named gets them and the action items start "
        "being tracked (M-05, M-06).",
    )
    def approve_minutes(who: Call) -> MinutesOut:
        request = meetings_pb2.GetMeetingRequest(id=who.path["id"])
        return MinutesOut.model_validate(message_to_dict(call("ApproveMinutes", request, who)))

    # -- action items (M-06) ---------------------------------------------------------------

    def action_items(message: Any) -> ActionItemList:
        return ActionItemList.model_validate(message_to_dict(message))

    @api.route(
        "GET",
        "/api/v1/action-items",
        summary="Action items from meetings",
        tag=TAG_ACTIONS,
        query=ActionItemQuery,
        response=ActionItemList,
        problems=SERVICE_PROBLEMS,
        description="Yours unless you filter; delayed = past due and not completed, worked "
        "out at each read (M-06).",
    )
    def list_action_items(who: Call) -> ActionItemList:
        query: ActionItemQuery = who.query
        request = meetings_pb2.ListActionItemsRequest(
            owner=query.owner or "",
            status=query.status or "",
            meeting_id=query.meeting_id or "",
            department_code=query.department_code or "",
            page=query.page or 0,
            page_size=query.page_size or 0,
        )
        return action_items(call("ListActionItems", request, who))

    @api.route(
        "GET",
        "/api/v1/action-items/coordination",
        summary="Cross-department items for the monthly coordination meeting",
        tag=TAG_ACTIONS,
        query=CoordinationQuery,
        response=ActionItemList,
        problems=SERVICE_PROBLEMS,
        description="Items owned outside the organising department: all still open, plus "
        "those completed or due in the month (M-06).",
    )
    def coordination_items(who: Call) -> ActionItemList:
        query: CoordinationQuery = who.query
        request = meetings_pb2.ListCoordinationItemsRequest(month=query.month or "")
        return action_items(call("ListCoordinationItems", request, who))

    @api.route(
        "PATCH",
        "/api/v1/action-items/<id>",
        summary="Report progress on an action item",
        tag=TAG_ACTIONS,
        body=ActionItemPatch,
        response=ActionItemOut,
        problems=SERVICE_PROBLEMS,
    )
    def update_action_item(who: Call) -> ActionItemOut:
        body: ActionItemPatch = who.body
        request = meetings_pb2.UpdateActionItemRequest(id=who.path["id"])
        if body.status is not None:
            request.status = body.status
        if body.progress_note is not None:
            request.progress_note = body.progress_note
        return ActionItemOut.model_validate(message_to_dict(call("UpdateActionItem", request, who)))

    # -- effectiveness (M-07) ---------------------------------------------------------------

    def survey(message: Message) -> SurveyResultsOut:
        return SurveyResultsOut.model_validate(_with_optionals(message, SCORES))

    @api.route(
        "POST",
        "/api/v1/meetings/<id>/survey",
        summary="Answer the satisfaction survey",
        tag=TAG_EFFECTIVENESS,
        body=SurveyAnswerIn,
        response=SurveyResultsOut,
        status=201,
        problems=SERVICE_PROBLEMS,
        description="0–100 on agenda, materials and logistics; one answer per person, while "
        "the survey is open (3 days from the end, M-07). A second answer is 409.",
    )
    def answer_survey(who: Call) -> SurveyResultsOut:
        body: SurveyAnswerIn = who.body
        request = meetings_pb2.AnswerSurveyRequest(
            meeting_id=who.path["id"],
            agenda=body.agenda,
            materials=body.materials,
            logistics=body.logistics,
            comment=body.comment,
        )
        return survey(call("AnswerSurvey", request, who))

    @api.route(
        "GET",
        "/api/v1/meetings/<id>/survey",
        summary="The survey's results",
        tag=TAG_EFFECTIVENESS,
        response=SurveyResultsOut,
        problems=SERVICE_PROBLEMS,
    )
    def survey_results(who: Call) -> SurveyResultsOut:
        request = meetings_pb2.GetMeetingRequest(id=who.path["id"])
        return survey(call("GetSurveyResults", request, who))

    def report_request(query: ReportQuery) -> meetings_pb2.EffectivenessReportRequest:
        request = meetings_pb2.EffectivenessReportRequest()
        request.window_start.CopyFrom(timestamp(instant(query.from_, zone, end_of_day=False)))
        request.window_end.CopyFrom(timestamp(instant(query.to, zone, end_of_day=True)))
        return request

    @api.route(
        "GET",
        "/api/v1/meetings/reports/effectiveness",
        summary="Meeting effectiveness for a period",
        tag=TAG_EFFECTIVENESS,
        query=ReportQuery,
        response=EffectivenessReportOut,
        problems=(403, *SERVICE_PROBLEMS),
        description="Satisfaction per meeting against the target of 85 and the achievement "
        "rate (completed / due action items) (M-07). For the secretariat, the office "
        "director and leaders. The same as CSV: `/api/v1/meetings/reports/effectiveness.csv`.",
    )
    def effectiveness_report(who: Call) -> EffectivenessReportOut:
        answer = call("GetEffectivenessReport", report_request(who.query), who)
        data = _with_optionals(answer, ("average_satisfaction", "achievement_rate"))
        data["items"] = [_with_optionals(item, SCORES) for item in answer.items]
        return EffectivenessReportOut.model_validate(data)

    @api.route(
        "GET",
        "/api/v1/meetings/reports/effectiveness.csv",
        summary="Meeting effectiveness for a period, as CSV",
        tag=TAG_EFFECTIVENESS,
        query=ReportQuery,
        response=BinaryContent,
        media_type=CSV,
        problems=(403, *SERVICE_PROBLEMS),
        description="One row per meeting and a totals row; UTF-8 with a byte-order mark.",
    )
    def effectiveness_csv(who: Call) -> BinaryReply:
        return _download(call("ExportEffectivenessReport", report_request(who.query), who))
