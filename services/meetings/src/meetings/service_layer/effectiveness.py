"""The satisfaction survey and the effectiveness report (SPEC M-07)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from meetings.adapters.exports import CSV_TYPE, report_csv
from meetings.adapters.meeting_repository import MeetingRepository
from meetings.adapters.minutes_repositories import ActionItemRepository, MinutesRepository
from meetings.adapters.survey_repository import SurveyRepository
from meetings.domain.effectiveness import (
    SATISFACTION_TARGET,
    TOTALS_WITHIN,
    EffectivenessReport,
    MeetingEffectiveness,
    SurveyResponse,
    SurveySummary,
    anonymous_comments,
    respondent_key,
    score_problems,
    summarise,
    survey_open,
)
from meetings.domain.minutes import ActionItem, achievement_rate
from meetings.domain.model import Meeting, can_see
from meetings.service_layer import metrics
from meetings.service_layer.commands import AnswerSurvey
from meetings.service_layer.common import (
    SYSTEM,
    Context,
    is_manager,
    meeting_ref,
    notify,
    ts,
    viewer_of,
    visible_meeting,
)
from secretariat.meetings.v1 import events_pb2
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

REPORT_ROLES = (
    Role.SECRETARIAT,
    Role.OFFICE_DIRECTOR,
    Role.LEADER,
    Role.SUPERVISING_LEADER,
    Role.ADMIN,
)
MAX_REPORT_DAYS = 366


@dataclass(frozen=True)
class SurveyResults:
    meeting: Meeting
    open: bool
    summary: SurveySummary
    answered_by_me: bool
    due_action_items: int
    achievement_rate: float | None
    comments: list[str]
    survey_url: str


class Effectiveness:
    def __init__(self, ctx: Context, qr: Callable[[str], bytes]) -> None:
        self._ctx = ctx
        self._qr = qr

    def _respondent(self, meeting_id: str, username: str) -> str:
        return respondent_key(self._ctx.survey_key, meeting_id, username)

    def survey_url(self, meeting_id: str) -> str:
        """Where the survey is answered: what its QR code holds (M-07)."""
        return f"{self._ctx.public_url.rstrip('/')}/api/v1/meetings/{meeting_id}/survey"

    def survey_qr(self, actor: Identity, meeting_id: str) -> tuple[bytes, str]:
        """SPEC M-07: the QR code shown at the meeting; it opens the survey."""
        with self._ctx.db.reading() as session:
            meeting = visible_meeting(MeetingRepository(session).get(meeting_id), actor, meeting_id)
        return self._qr(self.survey_url(meeting.id)), "image/png"

    # -- the survey ---------------------------------------------------------------------

    def answer(self, actor: Identity, cmd: AnswerSurvey) -> SurveyResults:
        """SPEC M-07: one anonymous answer per person named on the meeting while the
        survey is open; the answer keeps a keyed hash of the person, not the name."""
        problems = [
            FieldError(name, reason)
            for name, reason in score_problems(
                {"agenda": cmd.agenda, "materials": cmd.materials, "logistics": cmd.logistics}
            )
        ]
        if len(cmd.comment) > 4000:
            problems.append(FieldError("comment", "must be at most 4000 characters"))
        if problems:
            raise ValidationFailed(problems)
        with self._ctx.uow() as uow:
            meeting = visible_meeting(uow.meetings.get(cmd.meeting_id), actor, cmd.meeting_id)
            if actor.username not in meeting.people():
                raise PermissionDenied("the survey is for the people named on the meeting")
            now = self._ctx.clock.now()
            if not survey_open(
                meeting.ended_at, meeting.survey_closes_at, meeting.survey_closed, now
            ):
                if meeting.ended_at is None:
                    raise PreconditionFailed("the survey opens when the meeting ends")
                raise PreconditionFailed("the survey is closed (it stays open 3 days)")
            surveys = uow.surveys
            key = self._respondent(meeting.id, actor.username)
            if surveys.answered(meeting.id, key):
                raise Conflict("you have already answered this survey; one answer per person")
            response = SurveyResponse(
                meeting_id=meeting.id,
                agenda=cmd.agenda,
                materials=cmd.materials,
                logistics=cmd.logistics,
                comment=cmd.comment.strip(),
            )
            surveys.add(response, key)
            uow.emit(
                "meetings.survey.answered",
                meeting.id,
                events_pb2.SurveyAnswered(meeting=meeting_ref(meeting)),
            )
            uow.audit(actor.username, "answer_survey", "meeting", meeting.id, None, None)
            try:
                uow.commit()
            except IntegrityError as exc:
                raise Conflict(
                    "you have already answered this survey; one answer per person"
                ) from exc
        return self.results(actor, meeting.id)

    def results(self, actor: Identity, meeting_id: str) -> SurveyResults:
        with self._ctx.db.reading() as session:
            meeting = visible_meeting(MeetingRepository(session).get(meeting_id), actor, meeting_id)
            surveys = SurveyRepository(session)
            responses = surveys.of_meetings([meeting_id])[meeting_id]
            answered = surveys.answered(meeting_id, self._respondent(meeting_id, actor.username))
            items = ActionItemRepository(session).find(meeting_id=meeting_id)
        now = self._ctx.clock.now()
        due, _completed, rate = achievement_rate(items, now)
        return SurveyResults(
            meeting=meeting,
            open=survey_open(
                meeting.ended_at, meeting.survey_closes_at, meeting.survey_closed, now
            ),
            summary=summarise(responses),
            answered_by_me=answered,
            due_action_items=due,
            achievement_rate=rate,
            comments=anonymous_comments(responses) if is_manager(actor, meeting) else [],
            survey_url=self.survey_url(meeting.id),
        )

    def on_survey_totals_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """SPEC M-07: the totals are ready within 24 hours of the end (X-05: a timer, a
        metric and an event); the organiser is told. The survey stays open until it
        closes; the results keep counting later answers."""
        repo = MeetingRepository(uow.session)
        meeting = repo.get(str(firing.payload["meeting_id"]), lock=True)
        if meeting is None or meeting.ended_at is None or meeting.survey_totals_at is not None:
            return
        now = self._ctx.clock.now()
        meeting.survey_totals_at = now
        repo.save(meeting, now)
        summary = summarise(SurveyRepository(uow.session).of_meetings([meeting.id])[meeting.id])
        on_time = now <= meeting.ended_at + TOTALS_WITHIN
        ready = events_pb2.SurveyTotalsReady(
            meeting=meeting_ref(meeting), responses=summary.responses, on_time=on_time
        )
        for name in ("agenda", "materials", "logistics", "satisfaction"):
            value = getattr(summary, name)
            if value is not None:
                setattr(ready, name, value)
        ts(meeting.ended_at, ready.ended_at)
        uow.emit("meetings.survey.totals_ready", meeting.id, ready)
        score = "无人作答" if summary.satisfaction is None else f"{summary.satisfaction:.1f}"
        notify(
            uow,
            [meeting.organiser],
            "meeting_survey_totals",
            f"满意度调查汇总：{meeting.topic}",
            f"会后24小时汇总：{summary.responses} 人作答，满意度 {score}"
            f"（目标 ≥ {SATISFACTION_TARGET:.0f}）。调查于 "
            f"{self._ctx.local(meeting.survey_closes_at)} 截止。",
            meeting.id,
        )
        uow.audit(
            SYSTEM,
            "survey_totals",
            "meeting",
            meeting.id,
            None,
            {"responses": summary.responses, "satisfaction": summary.satisfaction},
        )
        metrics.SURVEY_TOTALS.labels("met" if on_time else "breached").inc()

    def on_survey_close(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """SPEC M-07: three days after the end the survey closes; its result is announced
        for the meeting's organiser and for performance (P-02)."""
        repo = MeetingRepository(uow.session)
        meeting = repo.get(str(firing.payload["meeting_id"]), lock=True)
        if meeting is None or meeting.survey_closed:
            return
        meeting.survey_closed = True
        repo.save(meeting, self._ctx.clock.now())
        summary = summarise(SurveyRepository(uow.session).of_meetings([meeting.id])[meeting.id])
        closed = events_pb2.SurveyClosed(
            meeting=meeting_ref(meeting),
            responses=summary.responses,
            target_met=summary.target_met,
            target=SATISFACTION_TARGET,
        )
        for name in ("agenda", "materials", "logistics", "satisfaction"):
            value = getattr(summary, name)
            if value is not None:
                setattr(closed, name, value)
        uow.emit("meetings.survey.closed", meeting.id, closed)
        score = "无人作答" if summary.satisfaction is None else f"{summary.satisfaction:.1f}"
        notify(
            uow,
            [meeting.organiser],
            "meeting_survey_closed",
            f"满意度调查结束：{meeting.topic}",
            f"{summary.responses} 人作答，满意度 {score}（目标 ≥ {SATISFACTION_TARGET:.0f}）。",
            meeting.id,
        )
        uow.audit(
            SYSTEM, "close_survey", "meeting", meeting.id, None, {"responses": summary.responses}
        )
        metrics.SURVEYS_CLOSED.labels("met" if summary.target_met else "missed").inc()
        if summary.satisfaction is not None:
            metrics.SATISFACTION.observe(summary.satisfaction)

    # -- the report ---------------------------------------------------------------------

    def report(
        self, actor: Identity, window_start: datetime | None, window_end: datetime | None
    ) -> EffectivenessReport:
        """SPEC M-07: satisfaction and achievement per meeting started in the period.

        Topics of meetings the caller may not see are left out (X-03); their
        numbers still count.
        """
        if not actor.is_service and not actor.has_role(*REPORT_ROLES):
            raise PermissionDenied(
                "the effectiveness report is for the secretariat, the office director and leaders"
            )
        problems = []
        if window_start is None:
            problems.append(FieldError("from", "is required"))
        if window_end is None:
            problems.append(FieldError("to", "is required"))
        if window_start is not None and window_end is not None:
            if window_end <= window_start:
                problems.append(FieldError("to", "must be after 'from'"))
            elif (window_end - window_start).days > MAX_REPORT_DAYS:
                problems.append(FieldError("to", f"a report covers at most {MAX_REPORT_DAYS} days"))
        if problems:
            raise ValidationFailed(problems)
        assert window_start is not None
        assert window_end is not None
        viewer = viewer_of(actor)
        now = self._ctx.clock.now()
        with self._ctx.db.reading() as session:
            found = MeetingRepository(session).in_window(window_start, window_end)
            ids = [m.id for m in found]
            responses = SurveyRepository(session).of_meetings(ids)
            items = ActionItemRepository(session).find(meeting_ids=ids) if ids else []
            outcomes = MinutesRepository(session).outcomes(ids)
        per_meeting: dict[str, list[ActionItem]] = {i: [] for i in ids}
        for item in items:
            per_meeting[item.meeting_id].append(item)
        rows = []
        for meeting in found:
            due, completed, rate = achievement_rate(per_meeting[meeting.id], now)
            draft, distribution = outcomes.get(meeting.id, ("", ""))
            rows.append(
                MeetingEffectiveness(
                    meeting_id=meeting.id,
                    topic=meeting.topic if can_see(viewer, meeting) else "",
                    type=meeting.type.value,
                    department_code=meeting.department_code,
                    start_at=meeting.start_at,
                    survey=summarise(responses[meeting.id]),
                    action_items=len(per_meeting[meeting.id]),
                    due_action_items=due,
                    completed_due_action_items=completed,
                    achievement_rate=rate,
                    minutes_draft_outcome=draft,
                    minutes_distribution_outcome=distribution,
                )
            )
        return EffectivenessReport(window_start, window_end, rows)

    def report_csv(
        self, actor: Identity, window_start: datetime | None, window_end: datetime | None
    ) -> tuple[bytes, str, str]:
        built = self.report(actor, window_start, window_end)
        zone = self._ctx.zone
        name = (
            f"meeting-effectiveness-{built.window_start.astimezone(zone).date().isoformat()}"
            f"-{built.window_end.astimezone(zone).date().isoformat()}.csv"
        )
        return report_csv(built, zone), CSV_TYPE, name
