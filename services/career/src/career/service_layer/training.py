"""Training (SPEC C-04): courses, enrolments, completions with hours; 40
mandatory hours a year with reminders, for everyone HR has put in a post or
who has enrolled, every year; each completion tells performance (P-04) its
hours and certificate."""

from __future__ import annotations

from datetime import date
from typing import Any

from career.adapters.records import TIMERS, CareerRecords
from career.service_layer.common import Context, iso, new_id
from secretariat.career.v1 import events_pb2 as career_events
from secretariat_shared.errors import Conflict, FieldError, NotFound, ValidationFailed
from secretariat_shared.identity import Identity
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

TRAINING_COMPLETED = "career.training.completed"
MANDATORY_TIMER = "career.training.mandatory_hours"
MANDATORY_HOURS = 40.0
MANDATORY_KINDS = frozenset({"mandatory", "onboarding"})
# Reminders while there is still time in the year: 1 October and 1 December.
REMINDER_DAYS = ((10, 1), (12, 1))


def track_mandatory_hours(uow: UnitOfWork, ctx: Context, username: str, year: int) -> None:
    """C-04: remind ``username`` on 1 October and 1 December of ``year`` if short
    of 40 mandatory hours (idempotent; reminders already past are skipped)."""
    now = uow.clock.now()
    for month, day in REMINDER_DAYS:
        due = ctx.at_midnight(date(year, month, day))
        if due > now:
            TIMERS.schedule(
                uow.session,
                MANDATORY_TIMER,
                f"training:{username}:{year}:{month}",
                due,
                {"username": username, "year": year},
            )


class Training:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def create_course(
        self, actor: Identity, title: str, kind: str, hours: float, certificate: str
    ) -> dict[str, Any]:
        self.ctx.require_hr(actor)
        if hours <= 0:
            raise ValidationFailed(FieldError("hours", "must be more than 0"))
        row: dict[str, Any] = {
            "id": new_id(),
            "title": title.strip(),
            "kind": kind,
            "hours": hours,
            "certificate": certificate.strip(),
        }
        with self.ctx.uow() as uow:
            self.ctx.records(uow).courses.add_row({**row, "created_at": uow.clock.now()})
            uow.audit(actor.username, "create_course", "course", row["id"], None, row)
            uow.commit()
        return row

    def _course(self, course_id: str) -> dict[str, Any]:
        with self.ctx.read() as records:
            course = records.courses.get(course_id)
        if course is None:
            raise NotFound(f"no course {course_id}")
        return course

    def _schedule_reminders(self, uow: UnitOfWork, username: str, year: int) -> None:
        track_mandatory_hours(uow, self.ctx, username, year)

    def enrol(self, actor: Identity, course_id: str, username: str) -> dict[str, Any]:
        username = username or actor.username
        if username != actor.username:
            self.ctx.require_hr(actor)
        self.ctx.known(username)
        self._course(course_id)
        with self.ctx.uow() as uow:
            enrolments = self.ctx.records(uow).enrolments
            if enrolments.enrolled(course_id, username):
                raise Conflict(f"{username} is already enrolled")
            now = uow.clock.now()
            enrolments.add_row({"course_id": course_id, "username": username, "enrolled_at": now})
            self._schedule_reminders(uow, username, self.ctx.today().year)
            uow.audit(actor.username, "enrol", "course", course_id, None, {"username": username})
            uow.commit()
        return {"course_id": course_id, "username": username, "enrolled_at": iso(now)}

    def complete(
        self, actor: Identity, course_id: str, username: str, hours: float, certificate: str
    ) -> dict[str, Any]:
        """C-04 -> P-04: the completion and its hours reach performance as an event."""
        self.ctx.require_hr(actor)
        self.ctx.known(username)
        course = self._course(course_id)
        hours = hours or course["hours"]
        if hours <= 0:
            raise ValidationFailed(FieldError("hours", "must be more than 0"))
        today = self.ctx.today()
        row: dict[str, Any] = {
            "id": new_id(),
            "course_id": course_id,
            "username": username,
            "hours": hours,
            "certificate": certificate.strip() or course["certificate"],
            "completed_on": today.isoformat(),
            "year": today.year,
        }
        with self.ctx.uow() as uow:
            completions = self.ctx.records(uow).completions
            if completions.completed(course_id, username, today.year):
                raise Conflict(f"{username} already completed this course in {today.year}")
            completions.add_row(row)
            uow.emit(
                TRAINING_COMPLETED,
                username,
                career_events.TrainingCompleted(
                    completion_id=row["id"],
                    username=username,
                    course_id=course_id,
                    course_title=course["title"],
                    course_kind=course["kind"],
                    hours=hours,
                    certificate=row["certificate"],
                    completed_on=row["completed_on"],
                    mandatory=course["kind"] in MANDATORY_KINDS,
                ),
            )
            self._schedule_reminders(uow, username, today.year)
            uow.audit(actor.username, "complete_course", "completion", row["id"], None, row)
            uow.commit()
        return self._completion(row, course)

    @staticmethod
    def _completion(row: dict[str, Any], course: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": row["id"],
            "course_id": row["course_id"],
            "course_title": course["title"],
            "course_kind": course["kind"],
            "username": row["username"],
            "hours": row["hours"],
            "certificate": row["certificate"],
            "completed_on": row["completed_on"],
        }

    def _summary(self, records: CareerRecords, username: str, year: int) -> dict[str, Any]:
        done = records.completions.in_year(username, year)
        courses = records.courses.by_id()
        items = [
            self._completion(r, courses[r["course_id"]]) for r in done if r["course_id"] in courses
        ]
        mandatory = sum(i["hours"] for i in items if i["course_kind"] in MANDATORY_KINDS)
        return {
            "username": username,
            "year": year,
            "mandatory_hours": round(mandatory, 2),
            "mandatory_required": MANDATORY_HOURS,
            "total_hours": round(sum(i["hours"] for i in items), 2),
            "certificates": sorted({i["certificate"] for i in items if i["certificate"]}),
            "completions": items,
        }

    def hours(self, actor: Identity, username: str, year: int) -> dict[str, Any]:
        self.ctx.check_read(actor, username)
        with self.ctx.read() as records:
            return self._summary(records, username, year or self.ctx.today().year)

    def on_mandatory_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """C-04: remind a person short of the year's 40 mandatory hours."""
        username, year = firing.payload["username"], int(firing.payload["year"])
        if firing.key == f"training:{username}:{year}:{REMINDER_DAYS[-1][0]}":
            track_mandatory_hours(uow, self.ctx, username, year + 1)  # every year, not once
        summary = self._summary(self.ctx.records(uow), username, year)
        ref = f"career/training/{username}"
        if summary["mandatory_hours"] >= MANDATORY_HOURS:
            self.ctx.fired(uow, MANDATORY_TIMER, ref, "met", [])
            return
        missing = MANDATORY_HOURS - summary["mandatory_hours"]
        self.ctx.notify(
            uow,
            [username],
            "mandatory_training_short",
            f"{year}年必修培训学时不足",
            f"您{year}年必修培训已完成{summary['mandatory_hours']:g}学时，还差{missing:g}学时（每年40学时）。",
            ref,
        )
        self.ctx.fired(uow, MANDATORY_TIMER, ref, "reminded", [username])
