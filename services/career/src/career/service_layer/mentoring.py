"""Mentoring (SPEC C-05) and rotation (C-06).

Each new hire gets a mentor for 6 months; sessions are logged and every
week must reach 2 hours: a timer at each week's end checks the log and
reminds mentor and mentee when it falls short. Gold-mentor titles are
computed per quarter. A rotation names the host department's head as the
business mentor and ends with a report in the career file.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from career.adapters.records import TIMERS, CareerRecords
from career.domain.calendar import add_months, quarter_bounds, quarter_of
from career.domain.mentoring import (
    MIN_WEEKLY_HOURS,
    MentorRecord,
    gold_mentors,
    mentorship_end,
    week_start,
    weeks,
)
from career.service_layer.common import Context, iso, new_id, parse_day
from career.service_layer.files import CareerFiles
from career.service_layer.onboarding import NEW_HIRE_KIND, close_new_hire
from secretariat.career.v1 import events_pb2 as career_events
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

WEEK_TIMER = "career.mentoring.week"
GOLD_TIMER = "career.mentoring.gold_titles"
GOLD_AWARDED = "career.gold_mentor.awarded"
ROTATION_COMPLETED = "career.rotation.completed"
ROTATION_MIN_YEARS = 2
ROTATION_MAX_YEARS = 3
ROTATION_DUE_TIMER = "career.rotation.due"


class Mentoring:
    def __init__(self, ctx: Context, files: CareerFiles) -> None:
        self.ctx = ctx
        self.files = files

    # -- mentorships -----------------------------------------------------------

    def _answer(self, records: CareerRecords, m: dict[str, Any]) -> dict[str, Any]:
        sessions = [
            (date.fromisoformat(s["held_on"]), s["hours"]) for s in records.sessions.of(m["id"])
        ]
        logged = weeks(
            date.fromisoformat(m["starts_on"]),
            date.fromisoformat(m["ends_on"]),
            self.ctx.today(),
            sessions,
        )
        scores = list(m["feedback"])
        return {
            "id": m["id"],
            "mentor": m["mentor"],
            "mentee": m["mentee"],
            "kind": m["kind"],
            "starts_on": m["starts_on"],
            "ends_on": m["ends_on"],
            "weeks": [
                {
                    "week": w.week,
                    "starts_on": w.starts_on.isoformat(),
                    "hours": w.hours,
                    "met": w.met,
                }
                for w in logged
            ],
            "feedback": round(sum(scores) / len(scores), 2) if scores else 0.0,
        }

    def _may_assign(self, actor: Identity, mentee: str) -> bool:
        return actor.username != mentee and self.ctx.may_read(actor, mentee)

    def create(
        self, actor: Identity, mentor: str, mentee: str, kind: str, starts_on: str
    ) -> dict[str, Any]:
        self.ctx.known(mentor, "mentor")
        self.ctx.known(mentee, "mentee")
        if not self._may_assign(actor, mentee):
            raise PermissionDenied("HR or the mentee's superiors assign mentors")
        if mentor == mentee:
            raise ValidationFailed(FieldError("mentor", "a person cannot mentor themselves"))
        with self.ctx.uow() as uow:
            row = self._create(
                uow,
                actor.username,
                mentor,
                mentee,
                kind or "new_hire",
                parse_day(starts_on, "starts_on") if starts_on else self.ctx.today(),
            )
            uow.commit()
        return self.get(actor, row["id"])

    def _create(
        self, uow: UnitOfWork, actor: str, mentor: str, mentee: str, kind: str, starts: date
    ) -> dict[str, Any]:
        mentorships = self.ctx.records(uow).mentorships
        if mentorships.running_on(mentee, kind, starts.isoformat()):
            raise Conflict(f"{mentee} already has a {kind} mentor for that time")
        row: dict[str, Any] = {
            "id": new_id(),
            "mentor": mentor,
            "mentee": mentee,
            "kind": kind,
            "starts_on": starts.isoformat(),
            "ends_on": mentorship_end(starts).isoformat(),
            "feedback": [],
            "created_at": uow.clock.now(),
        }
        mentorships.add_row(row)
        if kind == NEW_HIRE_KIND:
            close_new_hire(uow, mentee, row["id"])
        self._schedule_week(uow, row, 1)
        self._schedule_gold(uow, quarter_of(starts))
        uow.audit(
            actor,
            "assign_mentor",
            "mentorship",
            row["id"],
            None,
            {k: row[k] for k in ("mentor", "mentee", "kind", "starts_on", "ends_on")},
        )
        self.ctx.notify(
            uow,
            [mentor, mentee],
            "mentorship_assigned",
            "导师结对",
            f"{mentor} 担任 {mentee} 的{'业务' if kind == 'business' else ''}导师（{row['starts_on']} 至 {row['ends_on']}），每周至少辅导2小时。",
            f"mentorships/{row['id']}",
        )
        return row

    def _schedule_week(self, uow: UnitOfWork, row: dict[str, Any], week: int) -> None:
        starts = date.fromisoformat(row["starts_on"])
        if week_start(starts, week) > date.fromisoformat(row["ends_on"]):
            return
        TIMERS.schedule(
            uow.session,
            WEEK_TIMER,
            f"mentoring:{row['id']}:{week}",
            self.ctx.at_midnight(week_start(starts, week + 1)),
            {"mentorship_id": row["id"], "week": week},
        )

    def _schedule_gold(self, uow: UnitOfWork, quarter: str) -> None:
        """The quarter's gold-mentor titles are awarded the day it ends."""
        TIMERS.schedule(
            uow.session,
            GOLD_TIMER,
            f"gold:{quarter}",
            self.ctx.at_midnight(quarter_bounds(quarter)[1]),
            {"quarter": quarter},
        )

    def on_gold_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """C-05: award the quarter's gold mentors, tell them and performance."""
        quarter = firing.payload["quarter"]
        titles = self.gold(quarter)
        for g in titles:
            uow.emit(
                GOLD_AWARDED,
                g["mentor"],
                career_events.GoldMentorAwarded(
                    quarter=quarter, mentor=g["mentor"], hours=g["hours"], feedback=g["feedback"]
                ),
            )
            self.ctx.notify(
                uow,
                [g["mentor"]],
                "gold_mentor",
                f"{quarter}金牌导师",
                f"您获评{quarter}“金牌导师”：本季度辅导{g['hours']:g}小时，学员评价{g['feedback']:g}分。",
                f"career/gold-mentors/{quarter}",
            )
        with self.ctx.read() as records:
            active = records.mentorships.any_ending_on_or_after(
                quarter_bounds(quarter)[1].isoformat()
            )
        if active:
            self._schedule_gold(uow, quarter_of(quarter_bounds(quarter)[1]))
        self.ctx.fired(
            uow, GOLD_TIMER, f"career/gold-mentors/{quarter}", "met", [g["mentor"] for g in titles]
        )

    def _readable(self, actor: Identity, mentorship_id: str) -> dict[str, Any]:
        with self.ctx.read() as records:
            row = records.mentorships.get(mentorship_id)
        if row is None or not (
            actor.username == row["mentor"] or self.ctx.may_read(actor, row["mentee"])
        ):
            raise NotFound(f"no mentorship {mentorship_id}")
        return row

    def get(self, actor: Identity, mentorship_id: str) -> dict[str, Any]:
        row = self._readable(actor, mentorship_id)
        with self.ctx.read() as records:
            return self._answer(records, row)

    def log_session(
        self, actor: Identity, mentorship_id: str, held_on: str, hours: float, note: str
    ) -> dict[str, Any]:
        """C-05: a session of positive length inside the mentorship, by mentor or mentee."""
        row = self._readable(actor, mentorship_id)
        if actor.username not in (row["mentor"], row["mentee"]):
            raise NotFound(f"no mentorship {mentorship_id}")
        if not hours > 0:
            raise ValidationFailed(FieldError("hours", "a session lasts more than 0 hours"))
        if hours > 24:
            raise ValidationFailed(FieldError("hours", "a session lasts at most 24 hours"))
        day = parse_day(held_on, "held_on") if held_on else self.ctx.today()
        if not row["starts_on"] <= day.isoformat() <= row["ends_on"]:
            raise ValidationFailed(
                FieldError(
                    "held_on", f"outside the mentorship ({row['starts_on']} to {row['ends_on']})"
                )
            )
        if day > self.ctx.today():
            raise ValidationFailed(FieldError("held_on", "cannot be in the future"))
        session = {
            "id": new_id(),
            "mentorship_id": mentorship_id,
            "held_on": day.isoformat(),
            "hours": hours,
            "note": note.strip(),
        }
        with self.ctx.uow() as uow:
            self.ctx.records(uow).sessions.add_row(
                {**session, "logged_by": actor.username, "created_at": uow.clock.now()},
            )
            uow.audit(actor.username, "log_session", "mentorship", mentorship_id, None, session)
            uow.commit()
        return session

    def rate(self, actor: Identity, mentorship_id: str, score: int) -> dict[str, Any]:
        row = self._readable(actor, mentorship_id)
        if actor.username != row["mentee"]:
            raise PermissionDenied("only the mentee rates the mentor")
        if not 1 <= score <= 5:
            raise ValidationFailed(FieldError("score", "must be 1..5"))
        with self.ctx.uow() as uow:
            self.ctx.records(uow).mentorships.rate(mentorship_id, [*row["feedback"], score])
            uow.audit(
                actor.username, "rate_mentor", "mentorship", mentorship_id, None, {"score": score}
            )
            uow.commit()
        return self.get(actor, mentorship_id)

    def on_week_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """C-05: a week ended; under 2 hours logged reminds mentor and mentee."""
        records = self.ctx.records(uow)
        m_id, week = firing.payload["mentorship_id"], int(firing.payload["week"])
        row = records.mentorships.get(m_id)
        ref = f"mentorships/{m_id}"
        if row is None:
            return
        starts = date.fromisoformat(row["starts_on"])
        first, after = week_start(starts, week), week_start(starts, week + 1)
        held = records.sessions.held_between(m_id, first.isoformat(), after.isoformat())
        hours = sum(s["hours"] for s in held)
        self._schedule_week(uow, row, week + 1)
        if hours + 1e-9 >= MIN_WEEKLY_HOURS:
            self.ctx.fired(uow, WEEK_TIMER, ref, "met", [])
            return
        recipients = [row["mentor"], row["mentee"]]
        self.ctx.notify(
            uow,
            recipients,
            "mentoring_week_short",
            "本周导师辅导不足2小时",
            f"{row['mentor']} 与 {row['mentee']} 第{week}周（{first.isoformat()} 起）仅记录{hours:g}小时辅导，每周至少2小时。",
            ref,
        )
        self.ctx.fired(uow, WEEK_TIMER, ref, "breached", recipients)

    def gold(self, quarter: str) -> list[dict[str, Any]]:
        """C-05 and the seed: quarterly gold-mentor titles (金牌导师)."""
        first, after = quarter_bounds(quarter)
        with self.ctx.read() as stored:
            records = [
                MentorRecord(
                    m["mentor"],
                    date.fromisoformat(m["starts_on"]),
                    date.fromisoformat(m["ends_on"]),
                    tuple(
                        (date.fromisoformat(s["held_on"]), s["hours"])
                        for s in stored.sessions.of(m["id"])
                    ),
                    tuple(m["feedback"]),
                )
                for m in stored.mentorships.overlapping(first.isoformat(), after.isoformat())
            ]
        return [
            {"mentor": g.mentor, "hours": g.hours, "feedback": g.feedback}
            for g in gold_mentors(quarter, records)
        ]

    # -- rotation (C-06) ------------------------------------------------------------

    def start_rotation(
        self,
        actor: Identity,
        username: str,
        to_department: str,
        post: str,
        goal: str,
        starts_on: str,
    ) -> dict[str, Any]:
        self.ctx.require_hr(actor)
        self.ctx.known(username)
        department = self.ctx.directory.department(to_department)
        if department is None:
            raise ValidationFailed(FieldError("to_department", f"no department {to_department}"))
        mentor = department.head_username
        if not mentor or mentor == username:
            raise PreconditionFailed(
                f"department {to_department} has no head to act as business mentor"
            )
        starts = parse_day(starts_on, "starts_on")
        if not goal.strip():
            raise ValidationFailed(
                FieldError("goal_statement", "write the goal statement before the rotation")
            )
        with self.ctx.uow() as uow:
            rotations = self.ctx.records(uow).rotations
            recent = rotations.started_after(
                username, add_months(starts, -12 * ROTATION_MIN_YEARS).isoformat()
            )
            if recent:
                raise Conflict(
                    f"rotations are every 2-3 years: the last one started {recent[0]['starts_on']}"
                )
            mentorship = self._create(uow, actor.username, mentor, username, "business", starts)
            row = {
                "id": new_id(),
                "username": username,
                "to_department": to_department,
                "post": post.strip(),
                "goal_statement": goal.strip(),
                "starts_on": starts.isoformat(),
                "business_mentor": mentor,
                "mentorship_id": mentorship["id"],
                "state": "active",
                "report": "",
            }
            rotations.add_row(row)
            TIMERS.schedule(
                uow.session,
                ROTATION_DUE_TIMER,
                f"rotation-due:{username}",
                self.ctx.at_midnight(add_months(starts, 12 * ROTATION_MAX_YEARS)),
                {"username": username, "since": starts.isoformat()},
            )
            uow.audit(actor.username, "start_rotation", "rotation", row["id"], None, row)
            uow.commit()
        return row

    def on_rotation_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """C-06: 3 years after the last rotation began, HR and the person are reminded."""
        username, since = firing.payload["username"], firing.payload["since"]
        ref = f"career/files/{username}"
        later = self.ctx.records(uow).rotations.started_after(username, since)
        if later or self.ctx.directory.person(username) is None:
            self.ctx.fired(uow, ROTATION_DUE_TIMER, ref, "met", [])
            return
        recipients = [username, *self.ctx.directory.role_holders(Role.HR)]
        self.ctx.notify(
            uow,
            recipients,
            "rotation_due",
            "轮岗到期提醒",
            f"{username} 自 {since} 开始上一次轮岗已满3年，请安排新的轮岗（每2-3年一次）。",
            ref,
        )
        self.ctx.fired(uow, ROTATION_DUE_TIMER, ref, "reminded", sorted(set(recipients)))

    def file_report(self, actor: Identity, rotation_id: str, report: str) -> dict[str, Any]:
        with self.ctx.uow() as uow:
            rotations = self.ctx.records(uow).rotations
            row = rotations.get(rotation_id)
            if row is None or not self.ctx.may_read(actor, row["username"]):
                raise NotFound(f"no rotation {rotation_id}")
            if (
                actor.username != row["username"]
                and actor.username != row["business_mentor"]
                and Role.HR not in actor.roles
            ):
                raise PermissionDenied(
                    "the rotating person, the business mentor or HR files the report"
                )
            if row["state"] != "active":
                raise Conflict("the rotation report is already filed")
            rotations.complete(rotation_id, report.strip())
            self.files.add_rotation_report(
                uow,
                row["username"],
                {
                    "rotation_id": rotation_id,
                    "to_department": row["to_department"],
                    "report": report.strip(),
                    "filed_at": iso(uow.clock.now()),
                },
            )
            uow.emit(
                ROTATION_COMPLETED,
                row["username"],
                career_events.RotationCompleted(
                    rotation_id=rotation_id,
                    username=row["username"],
                    to_department=row["to_department"],
                    post=row["post"],
                ),
            )
            uow.audit(
                actor.username,
                "file_rotation_report",
                "rotation",
                rotation_id,
                "active",
                "completed",
            )
            uow.commit()
        return {**row, "state": "completed", "report": report.strip()}
