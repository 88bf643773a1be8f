"""What follows a published result: the feedback interview (SPEC P-08) and the
improvement plan's weekly check-ins (P-07)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from performance.adapters import repository as repo
from performance.adapters.appraisal_repositories import Interviews, Plans
from performance.service_layer.appraisal import CHECK_IN_TIMER, PLAN_WEEKS, Appraisals, _ts
from performance.service_layer.context import Context
from performance.service_layer.metrics import SLA_OUTCOMES
from secretariat.performance.v1 import events_pb2 as ev
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork


class FollowUps:
    def __init__(self, ctx: Context, appraisals: Appraisals) -> None:
        self.ctx = ctx
        self.appraisals = appraisals

    # --- interview (P-08) -----------------------------------------------------

    def record_interview(self, actor: Identity, result_id: str, texts: dict[str, str]) -> Any:
        errors = [FieldError(k, "is required") for k, v in texts.items() if not v.strip()]
        if errors:
            raise ValidationFailed(errors)
        view = self.appraisals.result_by_id(actor, result_id)
        row = view.row
        if actor.username not in self.ctx.superior_chain(row.username) and not actor.has_role(
            "hr", "admin"
        ):
            raise PermissionDenied("the interview is held by the person's superior or HR")
        now = self.ctx.now()
        met = now <= row.interview_due_at
        interview_id = str(uuid.uuid4())
        with self.ctx.uow_factory() as uow:
            if repo.interview_of(uow.session, result_id) is not None:
                raise Conflict("the interview of this result is already recorded")
            Interviews(uow.session).add_row(
                dict(
                    id=interview_id,
                    result_id=result_id,
                    recorded_by=actor.username,
                    recorded_at=now,
                    met_deadline=int(met),
                    **{k: v.strip() for k, v in texts.items()},
                )
            )
            self.ctx.timers.cancel(uow.session, f"result:{result_id}:interview", now)
            SLA_OUTCOMES.labels(sla="interview", outcome="met" if met else "breached").inc()
            uow.emit(
                "performance.interview.recorded",
                result_id,
                ev.InterviewChanged(
                    result_id=result_id,
                    username=row.username,
                    due_at=_ts(row.interview_due_at),
                    met_deadline=met,
                ),
            )
            uow.audit(actor.username, "interview.recorded", "result", result_id)
            uow.commit()
        with self.ctx.db.reading() as session:
            return repo.interview_of(session, result_id)

    def on_interview_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        result_id = firing.payload["result_id"]
        row = repo.get_result(uow.session, result_id)
        if row is None or repo.interview_of(uow.session, result_id) is not None:
            return
        SLA_OUTCOMES.labels(sla="interview", outcome="breached").inc()
        uow.emit(
            "performance.interview.overdue",
            result_id,
            ev.InterviewChanged(
                result_id=result_id,
                username=row.username,
                due_at=_ts(row.interview_due_at),
                met_deadline=False,
            ),
        )
        chain = self.ctx.superior_chain(row.username)
        self.ctx.notify(
            uow,
            [*chain[:1], *self.ctx.holders("hr")],
            "performance_interview_overdue",
            "绩效面谈逾期未完成",
            f"{row.username} 的绩效面谈应于 {self.ctx.local(row.interview_due_at)} 前完成（P-08）。",
            f"result:{result_id}",
        )

    # --- improvement plan (P-07) ----------------------------------------------

    def plan(self, actor: Identity, plan_id: str) -> Any:
        with self.ctx.db.reading() as session:
            row = repo.get_plan(session, plan_id)
        if row is None or not self.appraisals._may_read(actor, row.username):
            raise NotFound(f"plan {plan_id} not found")
        return row

    def check_in(self, actor: Identity, plan_id: str, note: str) -> Any:
        row = self.plan(actor, plan_id)
        if not note.strip():
            raise ValidationFailed(FieldError("note", "is required"))
        if actor.username != row.username and actor.username not in self.ctx.superior_chain(
            row.username
        ):
            raise PermissionDenied("check-ins are recorded by the person or their superior")
        if row.state != "open":
            raise Conflict("the plan is closed")
        now = self.ctx.now()
        with self.ctx.uow_factory() as uow:
            entries = [
                *list(row.check_ins),
                {
                    "recorded_by": actor.username,
                    "recorded_at": now.isoformat(),
                    "note": note.strip(),
                },
            ]
            Plans(uow.session).change(plan_id, {"check_ins": entries})
            uow.audit(actor.username, "plan.check_in", "plan", plan_id)
            uow.commit()
        return self.plan(actor, plan_id)

    def on_check_in_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """A week passed: no check-in since the previous due time reminds the
        person and their superior; a second missed week escalates to the head."""
        row = repo.get_plan(uow.session, firing.payload["plan_id"])
        if row is None or row.state != "open":
            return
        week = int(firing.payload["week"])
        since = row.next_check_in_due_at - timedelta(days=7)
        recent = [c for c in row.check_ins if c["recorded_at"] >= since.isoformat()]
        missed = row.missed_check_ins
        chain = self.ctx.superior_chain(row.username)
        if recent:
            SLA_OUTCOMES.labels(sla="check_in", outcome="met").inc()
        else:
            missed += 1
            SLA_OUTCOMES.labels(sla="check_in", outcome="breached").inc()
        nxt = row.next_check_in_due_at + timedelta(days=7)
        state = "open" if week < PLAN_WEEKS else "closed"
        Plans(uow.session).change(
            row.id,
            {"missed_check_ins": missed, "next_check_in_due_at": nxt, "state": state},
        )
        message = ev.ImprovementPlanChanged(
            plan_id=row.id,
            username=row.username,
            result_id=row.result_id,
            missed_check_ins=missed,
            next_check_in_due_at=_ts(nxt),
        )
        if not recent:
            uow.emit("performance.improvement_plan.check_in_missed", row.id, message)
            self.ctx.notify(
                uow,
                [row.username, *chain[:1]],
                "performance_check_in_missed",
                "绩效改进计划本周未记录进展",
                f"请尽快补记；下次应于 {self.ctx.local(nxt)} 前记录。",
                f"plan:{row.id}",
                nxt,
            )
            if missed >= 2:
                person = self.ctx.directory.person(row.username)
                dept = self.ctx.directory.department(person.department_code) if person else None
                uow.emit("performance.improvement_plan.escalated", row.id, message)
                self.ctx.notify(
                    uow,
                    [dept.head_username if dept else ""],
                    "performance_check_in_escalated",
                    f"{row.username} 的绩效改进计划已 {missed} 周未记录进展",
                    "请部门负责人跟进（P-07）。",
                    f"plan:{row.id}",
                )
        if state == "open":
            self.ctx.timers.schedule(
                uow.session,
                CHECK_IN_TIMER,
                f"plan:{row.id}:week:{week + 1}",
                nxt,
                {"plan_id": row.id, "week": week + 1},
            )
