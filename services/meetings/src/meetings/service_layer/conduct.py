"""Holding the meeting (SPEC M-04): check-in, room release, the speaking timer and
the end, which starts the minutes SLAs (M-05) and opens the survey (M-07)."""

from __future__ import annotations

from datetime import datetime, timedelta

from meetings.adapters.meeting_repository import MeetingRepository
from meetings.adapters.minutes_repositories import MinutesRepository
from meetings.adapters.rooms_repositories import BOOKING_RELEASED, BookingRepository
from meetings.adapters.speaking_repository import SpeakingRepository
from meetings.domain.effectiveness import SURVEY_OPEN_FOR, TOTALS_AFTER
from meetings.domain.minutes import MINUTES_DISTRIBUTION_HOURS, MINUTES_DRAFT_HOURS, Minutes
from meetings.domain.model import BOOKING_BUFFER, Meeting, MeetingState, Role
from meetings.domain.speaking import DEFAULT_SPEAKING_SECONDS, MAX_SPEAKING_SECONDS, SpeakingTurn
from meetings.service_layer import metrics
from meetings.service_layer.common import (
    MINUTES_DISTRIBUTION_DUE,
    MINUTES_DRAFT_DUE,
    SPEAKER_LIMIT,
    SURVEY_CLOSE,
    SURVEY_TOTALS_DUE,
    SYSTEM,
    Context,
    cancel_meeting_timers,
    cancel_timer,
    current_generation,
    is_manager,
    meeting_ref,
    new_id,
    notify,
    snapshot,
    ts,
    visible_meeting,
)
from secretariat.meetings.v1 import events_pb2
from secretariat_shared.errors import (
    FieldError,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

SPEAKING_ROLES = (Role.ORGANISER, Role.HOST, Role.RECORDER)


def minutes_timer_key(meeting_id: str, what: str) -> str:
    return f"meeting:{meeting_id}:{what}"


class Conduct:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    # -- check-in and release -----------------------------------------------------

    def check_in(self, actor: Identity, meeting_id: str) -> Meeting:
        """The meeting has begun: from 15 minutes before the start (the buffer) on."""
        with self._ctx.uow() as uow:
            meeting = visible_meeting(uow.meetings.get(meeting_id, lock=True), actor, meeting_id)
            if actor.username not in meeting.people() and not is_manager(actor, meeting):
                raise PermissionDenied(
                    "only people named on the meeting or the secretariat check in"
                )
            if meeting.state is not MeetingState.SCHEDULED:
                raise PreconditionFailed(f"meeting {meeting.id} is {meeting.state.value}")
            now = self._ctx.clock.now()
            opens = meeting.start_at - BOOKING_BUFFER
            if now < opens:
                raise PreconditionFailed(f"check-in opens at {self._ctx.local(opens)}")
            meeting.state = MeetingState.IN_PROGRESS
            meeting.checked_in_at = now
            uow.meetings.save(meeting, now)
            cancel_timer(self._ctx, uow, meeting, "check-in")
            uow.emit(
                "meetings.meeting.checked_in",
                meeting.id,
                events_pb2.MeetingCheckedIn(
                    meeting=meeting_ref(meeting), checked_in_by=actor.username
                ),
            )
            uow.audit(
                actor.username, "check_in", "meeting", meeting.id, None, {"at": now.isoformat()}
            )
            uow.commit()
        return meeting

    def on_check_in_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """Nobody checked in 15 minutes after the start: the room is released for others
        and the organiser told."""
        repo = MeetingRepository(uow.session)
        meeting = current_generation(
            repo.get(str(firing.payload["meeting_id"]), lock=True), firing.payload
        )
        if meeting is None or meeting.state is not MeetingState.SCHEDULED or not meeting.holds_room:
            return
        assert meeting.room_id is not None
        BookingRepository(uow.session).end_active(meeting.id, BOOKING_RELEASED)
        meeting.room_released = True
        now = self._ctx.clock.now()
        repo.save(meeting, now)
        uow.emit(
            "meetings.room.released",
            meeting.id,
            events_pb2.RoomReleased(meeting=meeting_ref(meeting), room_id=meeting.room_id),
        )
        notify(
            uow,
            [meeting.organiser],
            "meeting_room_released",
            f"会议室已释放：{meeting.topic}",
            f"会议开始15分钟后仍未签到，会议室已释放。原定 {self._ctx.span(meeting.start_at, meeting.end_at)}",
            meeting.id,
        )
        uow.audit(SYSTEM, "release_room", "meeting", meeting.id, None, {"room_id": meeting.room_id})
        metrics.ROOMS_RELEASED.inc()

    # -- the end --------------------------------------------------------------------

    def end(self, actor: Identity, meeting_id: str) -> Meeting:
        """The host (or organiser) closes the meeting; at the duration limit it ends anyway."""
        with self._ctx.uow() as uow:
            meeting = visible_meeting(uow.meetings.get(meeting_id, lock=True), actor, meeting_id)
            if not is_manager(actor, meeting):
                raise PermissionDenied("only the host, the organiser or the secretariat may end it")
            now = self._ctx.clock.now()
            if meeting.state not in (MeetingState.SCHEDULED, MeetingState.IN_PROGRESS):
                raise PreconditionFailed(f"meeting {meeting.id} is {meeting.state.value}")
            if now < meeting.start_at and meeting.state is MeetingState.SCHEDULED:
                raise PreconditionFailed("the meeting has not started; cancel it instead")
            self.finish(uow, meeting, now, actor.username)
            uow.commit()
        return meeting

    def on_meeting_end(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """The duration limit (M-01) is reached: the meeting ends at its scheduled end."""
        repo = MeetingRepository(uow.session)
        meeting = current_generation(
            repo.get(str(firing.payload["meeting_id"]), lock=True), firing.payload
        )
        if meeting is None or meeting.state not in (
            MeetingState.SCHEDULED,
            MeetingState.IN_PROGRESS,
        ):
            return
        self.finish(uow, meeting, meeting.end_at, SYSTEM)

    def finish(self, uow: UnitOfWork, meeting: Meeting, at: datetime, by: str) -> None:
        """End the meeting: stop the speaker, free the room from now, start both minutes
        SLA clocks (M-05), open the survey for 3 days (M-07)."""
        before = snapshot(meeting)
        cancel_meeting_timers(self._ctx, uow, meeting)
        speaking = SpeakingRepository(uow.session)
        running = speaking.running(meeting.id)
        if running is not None:
            self._stop_turn(uow, meeting, running, at)
        BookingRepository(uow.session).shorten(meeting.id, at)
        meeting.state = MeetingState.ENDED
        meeting.ended_at = at
        meeting.survey_closes_at = at + SURVEY_OPEN_FOR
        now = self._ctx.clock.now()
        MeetingRepository(uow.session).save(meeting, now)
        # SPEC X-02: the 2-hour draft clock is wall-clock; the 24-hour distribution
        # clock counts working-day hours only.
        minutes = Minutes(
            meeting_id=meeting.id,
            draft_due_at=at + _hours(MINUTES_DRAFT_HOURS),
            distribution_due_at=self._ctx.calendar.add_sla(at, MINUTES_DISTRIBUTION_HOURS),
        )
        MinutesRepository(uow.session).add(minutes)
        timers, session, payload = self._ctx.timers, uow.session, {"meeting_id": meeting.id}
        timers.schedule(
            session,
            MINUTES_DRAFT_DUE,
            minutes_timer_key(meeting.id, "minutes-draft"),
            minutes.draft_due_at,
            payload,
        )
        timers.schedule(
            session,
            MINUTES_DISTRIBUTION_DUE,
            minutes_timer_key(meeting.id, "minutes-distribution"),
            minutes.distribution_due_at,
            payload,
        )
        timers.schedule(
            session,
            SURVEY_CLOSE,
            minutes_timer_key(meeting.id, "survey-close"),
            meeting.survey_closes_at,
            payload,
        )
        timers.schedule(
            session,
            SURVEY_TOTALS_DUE,
            minutes_timer_key(meeting.id, "survey-totals"),
            at + TOTALS_AFTER,
            payload,
        )
        ended = events_pb2.MeetingEnded(meeting=meeting_ref(meeting), ended_by=by)
        ts(at, ended.ended_at)
        ts(minutes.draft_due_at, ended.minutes_draft_due_at)
        ts(minutes.distribution_due_at, ended.minutes_distribution_due_at)
        ts(meeting.survey_closes_at, ended.survey_closes_at)
        uow.emit("meetings.meeting.ended", meeting.id, ended)
        opened = events_pb2.SurveyOpened(meeting=meeting_ref(meeting))
        ts(meeting.survey_closes_at, opened.closes_at)
        uow.emit("meetings.survey.opened", meeting.id, opened)
        notify(
            uow,
            [meeting.recorder or meeting.host],
            "meeting_minutes_due",
            f"请提交会议纪要：{meeting.topic}",
            f"纪要初稿应于 {self._ctx.local(minutes.draft_due_at)} 前提交（会后2小时，M-05）。",
            meeting.id,
            minutes.draft_due_at,
        )
        notify(
            uow,
            meeting.people(),
            "meeting_survey_opened",
            f"会议满意度调查：{meeting.topic}",
            "请就议程、材料、会务三个方面打分（0–100），"
            f"调查于 {self._ctx.local(meeting.survey_closes_at)} 截止。",
            meeting.id,
            meeting.survey_closes_at,
        )
        uow.audit(by, "end", "meeting", meeting.id, before, snapshot(meeting))

    # -- the speaking timer (M-04) --------------------------------------------------

    def _in_session(self, uow: UnitOfWork, actor: Identity, meeting_id: str) -> Meeting:
        meeting = visible_meeting(
            MeetingRepository(uow.session).get(meeting_id, lock=True), actor, meeting_id
        )
        roles = meeting.roles_of(actor.username)
        if not roles.intersection(SPEAKING_ROLES) and not actor.is_service:
            raise PermissionDenied(
                "the host, the recorder or the organiser keeps the speaking time"
            )
        if meeting.state is not MeetingState.IN_PROGRESS:
            raise PreconditionFailed("the speaking timer runs once the meeting has checked in")
        return meeting

    def start_speaker(
        self,
        actor: Identity,
        meeting_id: str,
        speaker: str,
        agenda_item_id: str = "",
        limit_seconds: int = 0,
    ) -> SpeakingTurn:
        """SPEC M-04: start a speaker's clock (3 minutes unless told otherwise); the
        running turn, if any, stops."""
        problems = []
        speaker = speaker.strip()
        if not speaker:
            problems.append(FieldError("speaker", "is required"))
        limit = limit_seconds or DEFAULT_SPEAKING_SECONDS
        if not 1 <= limit <= MAX_SPEAKING_SECONDS:
            problems.append(
                FieldError("limit_seconds", f"must be between 1 and {MAX_SPEAKING_SECONDS}")
            )
        if problems:
            raise ValidationFailed(problems)
        with self._ctx.uow() as uow:
            meeting = self._in_session(uow, actor, meeting_id)
            if speaker not in meeting.people():
                raise ValidationFailed(
                    FieldError("speaker", f"{speaker!r} is not named on the meeting")
                )
            if agenda_item_id and meeting.agenda_item(agenda_item_id) is None:
                raise ValidationFailed(
                    FieldError("agenda_item_id", "is not an item of this meeting")
                )
            now = self._ctx.clock.now()
            repo = SpeakingRepository(uow.session)
            running = repo.running(meeting.id)
            if running is not None:
                self._stop_turn(uow, meeting, running, now)
            turn = SpeakingTurn(
                id=new_id(),
                meeting_id=meeting.id,
                speaker=speaker,
                agenda_item_id=agenda_item_id,
                started_at=now,
                limit_seconds=limit,
            )
            repo.add(turn)
            self._ctx.timers.schedule(
                uow.session,
                SPEAKER_LIMIT,
                f"speaking-turn:{turn.id}:limit",
                now + _seconds(limit + 1),
                {"meeting_id": meeting.id, "turn_id": turn.id},
            )
            uow.emit("meetings.speaker.started", meeting.id, self._turn_event(meeting, turn, now))
            uow.commit()
        return turn

    def stop_speaker(self, actor: Identity, meeting_id: str) -> SpeakingTurn:
        with self._ctx.uow() as uow:
            meeting = self._in_session(uow, actor, meeting_id)
            running = SpeakingRepository(uow.session).running(meeting.id)
            if running is None:
                raise PreconditionFailed("nobody is speaking")
            self._stop_turn(uow, meeting, running, self._ctx.clock.now())
            uow.commit()
        return running

    def _stop_turn(
        self, uow: UnitOfWork, meeting: Meeting, turn: SpeakingTurn, now: datetime
    ) -> None:
        flagged_before = turn.overrun
        turn.stop(now)
        SpeakingRepository(uow.session).save(turn)
        self._ctx.timers.cancel(uow.session, f"speaking-turn:{turn.id}:limit", now)
        if turn.overrun and not flagged_before:
            metrics.SPEAKER_OVERRUNS.inc()
        uow.emit("meetings.speaker.stopped", meeting.id, self._turn_event(meeting, turn, now))

    def on_speaker_limit(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """SPEC M-04: the speaker is still talking at the limit: the overrun is flagged live."""
        repo = SpeakingRepository(uow.session)
        turn = repo.get(str(firing.payload["turn_id"]))
        now = self._ctx.clock.now()
        if turn is None or not turn.running or turn.overrun or not turn.is_over(now):
            return
        meeting = MeetingRepository(uow.session).get(turn.meeting_id)
        if meeting is None:
            return
        turn.overrun = True
        repo.save(turn)
        metrics.SPEAKER_OVERRUNS.inc()
        uow.emit("meetings.speaker.overran", meeting.id, self._turn_event(meeting, turn, now))

    def turns(self, actor: Identity, meeting_id: str) -> list[SpeakingTurn]:
        with self._ctx.db.reading() as session:
            visible_meeting(MeetingRepository(session).get(meeting_id), actor, meeting_id)
            return SpeakingRepository(session).of_meeting(meeting_id)

    @staticmethod
    def _turn_event(
        meeting: Meeting, turn: SpeakingTurn, now: datetime
    ) -> events_pb2.SpeakingTurnEvent:
        return events_pb2.SpeakingTurnEvent(
            meeting=meeting_ref(meeting),
            turn_id=turn.id,
            speaker=turn.speaker,
            agenda_item_id=turn.agenda_item_id,
            limit_seconds=turn.limit_seconds,
            elapsed_seconds=turn.elapsed_seconds(now),
            overrun=turn.is_over(now),
        )


def _hours(hours: float) -> timedelta:
    return timedelta(hours=hours)


def _seconds(seconds: int) -> timedelta:
    return timedelta(seconds=seconds)
