"""Career files (SPEC C-03): interests, skills, goals, the career-anchor
assessment; reviewed every 6 months with a reminder; X-03 confidential."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from career.adapters.records import TIMERS
from career.domain.anchors import QUESTIONS, score
from career.domain.calendar import add_months
from career.service_layer.common import Context, iso
from secretariat_shared.errors import FieldError, ValidationFailed
from secretariat_shared.identity import Identity
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

REVIEW_TIMER = "career.file.review_due"
REVIEW_MONTHS = 6


def _empty(username: str) -> dict[str, Any]:
    return {
        "username": username,
        "interests": [],
        "skills": [],
        "goals": [],
        "anchor_answers": [],
        "anchors": [],
        "rotation_reports": [],
        "reviewed_at": None,
        "next_review_due": None,
    }


def _answer(row: dict[str, Any]) -> dict[str, Any]:
    anchors = list(row["anchors"])
    return {
        "username": row["username"],
        "interests": row["interests"],
        "skills": row["skills"],
        "goals": row["goals"],
        "anchors": anchors,
        "dominant_anchor": anchors[0]["anchor"] if anchors else "",
        "reviewed_at": iso(row["reviewed_at"]),
        "next_review_due": iso(row["next_review_due"]),
        "rotation_reports": row["rotation_reports"],
    }


def _clean(values: list[str], field: str) -> list[str]:
    cleaned = [v.strip() for v in values if v.strip()]
    if len(set(cleaned)) != len(cleaned):
        raise ValidationFailed(FieldError(field, "has duplicates"))
    return cleaned


class CareerFiles:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def get(self, actor: Identity, username: str) -> dict[str, Any]:
        self.ctx.check_read(actor, username)
        with self.ctx.read() as records:
            row = records.career_files.of(username)
        if actor.username != username:
            # a confidential read by someone else is recorded.
            with self.ctx.uow() as uow:
                uow.audit(actor.username, "read_career_file", "career_file", username)
                uow.commit()
        return _answer(row or _empty(username))

    def put(
        self,
        actor: Identity,
        username: str,
        interests: list[str],
        skills: list[str],
        goals: list[str],
        anchor_answers: list[int],
    ) -> dict[str, Any]:
        """Writing the file is its review; the next is due in 6 months."""
        self.ctx.check_read(actor, username)
        values: dict[str, Any] = {
            "interests": _clean(interests, "interests"),
            "skills": _clean(skills, "skills"),
            "goals": _clean(goals, "goals"),
        }
        if anchor_answers:
            try:
                anchors = score(list(anchor_answers))
            except ValueError as exc:
                raise ValidationFailed(
                    FieldError("anchor_answers", f"{exc} ({QUESTIONS} answers, 1..6)")
                ) from None
            values["anchor_answers"] = list(anchor_answers)
            values["anchors"] = [
                {"anchor": a.anchor, "name": a.name, "score": a.score} for a in anchors
            ]
        with self.ctx.uow() as uow:
            files = self.ctx.records(uow).career_files
            now = uow.clock.now()
            due = self.ctx.at_midnight(add_months(self.ctx.today(), REVIEW_MONTHS))
            before = files.of(username)
            row = {
                **(before or _empty(username)),
                **values,
                "reviewed_at": now,
                "next_review_due": due,
            }
            files.put(username, {k: v for k, v in row.items() if k != "username"})
            TIMERS.schedule(
                uow.session, REVIEW_TIMER, f"file:{username}", due, {"username": username}
            )
            uow.audit(
                actor.username,
                "review_career_file",
                "career_file",
                username,
                None if before is None else {k: before[k] for k in values},
                values,
            )
            uow.commit()
        return _answer(row)

    def add_rotation_report(self, uow: UnitOfWork, username: str, report: dict[str, Any]) -> None:
        files = self.ctx.records(uow).career_files
        row = files.of(username) or _empty(username)
        reports = [*row["rotation_reports"], report]
        files.put(
            username,
            {**{k: v for k, v in row.items() if k != "username"}, "rotation_reports": reports},
        )

    def on_review_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """C-03: the 6-monthly review is due: remind the person and their superior."""
        username = firing.payload["username"]
        row = self.ctx.records(uow).career_files.of(username)
        ref = f"career/files/{username}"
        due: datetime | None = row["next_review_due"] if row else None
        if due is not None and due > firing.fired_at:
            self.ctx.fired(uow, REVIEW_TIMER, ref, "met", [])
            return
        recipients = [username, *self.ctx.superiors(username)[:1]]
        self.ctx.notify(
            uow,
            recipients,
            "career_file_review_due",
            "职业档案半年回顾到期",
            f"{username} 的职业发展档案已满6个月未回顾，请更新兴趣、技能与目标。",
            ref,
            due,
        )
        self.ctx.fired(uow, REVIEW_TIMER, ref, "reminded", [r for r in recipients if r])
