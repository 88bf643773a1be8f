"""Appeals (SPEC P-10) through the approval engine's ``appraisal_appeal`` template.

Filed by the person within 3 working days of the result's publication (a
later one is refused naming the deadline); a second appeal, to the
committee, within 3 working days of the first one's rejection, is final.
The approval starts after our commit, from a timer that retries, so a
failed commit cannot orphan it. The panel's decision comes back as
``documents.approval.completed``: approved means upheld, which strikes the
disputed facts, recomputes the result and re-publishes it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from performance.adapters import orm
from performance.adapters import repository as repo
from performance.service_layer.appraisal import Appraisals, _ts
from performance.service_layer.context import SERVICE, Context
from performance.service_layer.metrics import SLA_OUTCOMES
from performance.service_layer.ports import ApprovalRequest
from secretariat.documents.v1 import events_pb2 as documents
from secretariat.performance.v1 import events_pb2 as ev
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.identity import Identity
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

START_TIMER = "appeal.start_approval"
DECISION_TIMER = "appeal.decision_due"
REVIEW_TIMER = "appeal.review_due"
APPEAL_DAYS = 3
REVIEW_DAYS = 2
"""HR opens the review (its first decision on the approval) within 2 working days."""
DECISION_DAYS = 7
"""HR opens the review within 2 working days, the panel concludes within 5."""
TEMPLATE = "appraisal_appeal"
PENDING = ("filed", "under_review")


class Appeals:
    def __init__(self, ctx: Context, appraisals: Appraisals) -> None:
        self.ctx = ctx
        self.appraisals = appraisals

    def file(self, actor: Identity, result_id: str, reason: str, disputed: list[str]) -> Any:
        reason = reason.strip()
        if not reason:
            raise ValidationFailed(FieldError("reason", "is required"))
        now = self.ctx.now()
        with self.ctx.uow_factory() as uow:
            result = repo.get_result(uow.session, result_id)
            if result is None or not self.appraisals._may_read(actor, result.username):
                raise NotFound(f"result {result_id} not found")
            if result.username != actor.username:
                raise PreconditionFailed("only the person appraised may appeal their result")
            earlier = repo.appeals_of_result(uow.session, result_id)
            if any(a.state in PENDING for a in earlier):
                raise Conflict("an appeal of this result is already under review")
            second = bool(earlier)
            if second:
                last = earlier[-1]
                if last.second or last.state != "rejected" or last.decided_at is None:
                    raise Conflict("the second appeal's decision is final; no further appeal")
                deadline = self.ctx.calendar.add_working_days(last.decided_at, APPEAL_DAYS)
            else:
                deadline = result.appeal_deadline
            if now >= deadline:
                raise PreconditionFailed(
                    f"the appeal deadline passed at {self.ctx.local(deadline)}"
                    f" ({APPEAL_DAYS} working days after {'the first decision' if second else 'publication'})"
                )
            known = repo.fact_ids_of(uow.session, disputed)
            wrong = [f for f in disputed if known.get(f) != result.username]
            if wrong:
                raise ValidationFailed(
                    FieldError("disputed_fact_ids", f"not facts of this result: {', '.join(wrong)}")
                )
            cycle = repo.get_cycle(uow.session, result.cycle_id)
            appeal_id = str(uuid.uuid4())
            decision_due = self.ctx.calendar.add_working_days(now, DECISION_DAYS)
            review_due = self.ctx.calendar.add_working_days(now, REVIEW_DAYS)
            quarter = (
                cycle.period if cycle.kind == "quarterly" else _quarter_of(self.ctx.local_date(now))
            )
            uow.session.execute(
                insert(orm.appeals).values(
                    id=appeal_id,
                    result_id=result_id,
                    appellant=actor.username,
                    reason=reason,
                    disputed_fact_ids=list(disputed),
                    state="filed",
                    second=int(second),
                    approval_id="",
                    period=quarter,
                    filed_at=now,
                    deadline=deadline,
                    decision_due_at=decision_due,
                    review_due_at=review_due,
                    review_opened_at=None,
                    decided_at=None,
                    decision="",
                )
            )
            self.ctx.timers.schedule(
                uow.session, START_TIMER, f"appeal:{appeal_id}:start", now, {"appeal_id": appeal_id}
            )
            self.ctx.timers.schedule(
                uow.session,
                REVIEW_TIMER,
                f"appeal:{appeal_id}:review",
                review_due,
                {"appeal_id": appeal_id},
            )
            self.ctx.timers.schedule(
                uow.session,
                DECISION_TIMER,
                f"appeal:{appeal_id}:decision",
                decision_due,
                {"appeal_id": appeal_id},
            )
            self._emit(
                uow,
                "performance.appeal.filed",
                appeal_id,
                result_id,
                actor.username,
                "filed",
                second,
                decision_due,
            )
            uow.audit(
                actor.username,
                "appeal.filed",
                "appeal",
                appeal_id,
                after={"result_id": result_id, "second": second},
            )
            uow.commit()
        return self.get(actor, appeal_id)

    def _emit(
        self,
        uow: UnitOfWork,
        kind: str,
        appeal_id: str,
        result_id: str,
        appellant: str,
        state: str,
        second: bool,
        due: datetime,
    ) -> None:
        uow.emit(
            kind,
            appeal_id,
            ev.AppealChanged(
                appeal_id=appeal_id,
                result_id=result_id,
                appellant=appellant,
                state=state,
                second=second,
                decision_due_at=_ts(due),
            ),
        )

    def get(self, actor: Identity, appeal_id: str) -> Any:
        with self.ctx.db.reading() as session:
            row = repo.get_appeal(session, appeal_id)
        if row is None or not self.appraisals._may_read(actor, row.appellant):
            raise NotFound(f"appeal {appeal_id} not found")
        return row

    def on_start_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """Start the approval after the appeal committed; a failure retries."""
        row = repo.get_appeal(uow.session, firing.payload["appeal_id"])
        if row is None or row.approval_id or row.state != "filed":
            return
        result = repo.get_result(uow.session, row.result_id)
        cycle = repo.get_cycle(uow.session, result.cycle_id)
        approval_id = self.ctx.approvals.start(
            ApprovalRequest(
                template=TEMPLATE,
                subject=f"{cycle.period} 绩效申诉 {row.appellant}",
                payload={
                    "appraisal_id": row.result_id,
                    "period": cycle.period,
                    "reason": row.reason,
                    "second_appeal": bool(row.second),
                },
                requester_username=row.appellant,
                source_ref=f"appeal:{row.id}",
            )
        )
        repo.update_row(
            uow.session, orm.appeals, row.id, {"approval_id": approval_id, "state": "under_review"}
        )

    def on_approval_step_approved(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """HR's first decision on an appeal's approval opens the review (P-10)."""
        p = event.payload_as(documents.ApprovalStepApproved)
        assert isinstance(p, documents.ApprovalStepApproved)
        if p.approval.source_service != SERVICE or p.approver not in self.ctx.holders("hr"):
            return
        kind, _, appeal_id = p.approval.source_ref.partition(":")
        row = repo.get_appeal(uow.session, appeal_id) if kind == "appeal" else None
        if row is None or row.review_opened_at is not None:
            return
        now = self.ctx.now()
        repo.update_row(uow.session, orm.appeals, row.id, {"review_opened_at": now})
        self.ctx.timers.cancel(uow.session, f"appeal:{row.id}:review", now)
        met = now <= row.review_due_at
        SLA_OUTCOMES.labels(sla="appeal_review", outcome="met" if met else "breached").inc()

    def on_review_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """Two working days passed and HR has not opened the review: a breach."""
        row = repo.get_appeal(uow.session, firing.payload["appeal_id"])
        if row is None or row.state not in PENDING or row.review_opened_at is not None:
            return
        SLA_OUTCOMES.labels(sla="appeal_review", outcome="breached").inc()
        self._emit(
            uow,
            "performance.appeal.review_overdue",
            row.id,
            row.result_id,
            row.appellant,
            row.state,
            bool(row.second),
            row.review_due_at,
        )
        self.ctx.notify(
            uow,
            self.ctx.holders("hr"),
            "performance_appeal_review_overdue",
            "绩效申诉待人力资源部受理",
            f"人力资源部应于 {self.ctx.local(row.review_due_at)} 前受理复核（P-10）。",
            f"appeal:{row.id}",
        )

    def on_decision_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        row = repo.get_appeal(uow.session, firing.payload["appeal_id"])
        if row is None or row.state not in PENDING:
            return
        SLA_OUTCOMES.labels(sla="appeal_decision", outcome="breached").inc()
        self._emit(
            uow,
            "performance.appeal.decision_overdue",
            row.id,
            row.result_id,
            row.appellant,
            row.state,
            bool(row.second),
            row.decision_due_at,
        )
        self.ctx.notify(
            uow,
            self.ctx.holders("hr", "committee"),
            "performance_appeal_overdue",
            "绩效申诉逾期未结",
            f"应于 {self.ctx.local(row.decision_due_at)} 前作出书面决定（P-10）。",
            f"appeal:{row.id}",
        )

    def on_approval_completed(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        p = event.payload_as(documents.ApprovalCompleted)
        assert isinstance(p, documents.ApprovalCompleted)
        ref = p.approval
        if ref.source_service != SERVICE:
            return
        kind, _, appeal_id = ref.source_ref.partition(":")
        if kind != "appeal":
            return
        row = repo.get_appeal(uow.session, appeal_id)
        if row is None or row.state not in PENDING:
            return
        now = self.ctx.now()
        upheld = p.outcome == "approved"
        state = "upheld" if upheld else ("rejected" if p.outcome == "rejected" else "withdrawn")
        panel = "绩效考核委员会" if row.second else "部门负责人与人力资源部组成的复核小组"
        if upheld:
            struck = repo.strike_facts(uow.session, row.disputed_fact_ids, row.appellant, row.id)
            decision = (
                f"经{panel}审批（审批 {ref.approval_id}）申诉成立；依据：申诉人所列 {struck} 项事实经核实不应计入，"
                "予以剔除，重新计算得分与等级并重新发布。"
            )
        else:
            decision = f"经{panel}审批（审批 {ref.approval_id}）申诉{'不成立' if state == 'rejected' else '已撤回'}，维持原结果。"
        repo.update_row(
            uow.session,
            orm.appeals,
            row.id,
            {
                "state": state,
                "decided_at": now,
                "decision": decision,
                "approval_id": ref.approval_id,
            },
        )
        met = now <= row.decision_due_at
        SLA_OUTCOMES.labels(sla="appeal_decision", outcome="met" if met else "breached").inc()
        self.ctx.timers.cancel(uow.session, f"appeal:{row.id}:decision", now)
        self.ctx.timers.cancel(uow.session, f"appeal:{row.id}:review", now)
        self._emit(
            uow,
            f"performance.appeal.{state}",
            row.id,
            row.result_id,
            row.appellant,
            state,
            bool(row.second),
            row.decision_due_at,
        )
        if upheld:
            self.appraisals.recompute(uow, row.result_id, "appeal", f"申诉 {row.id} 成立")
        self.ctx.notify(
            uow,
            [row.appellant],
            "performance_appeal_decided",
            f"绩效申诉{'成立' if upheld else '未获支持'}",
            decision,
            f"appeal:{row.id}",
        )

    def statistics(self, period: str) -> dict[str, Any]:
        with self.ctx.db.reading() as session:
            rows = repo.appeals_of_period(session, period)
        states = Counter(r.state for r in rows)
        late = sum(1 for r in rows if r.decided_at is not None and r.decided_at > r.decision_due_at)
        return {
            "period": period,
            "filed": len(rows),
            "upheld": states["upheld"],
            "rejected": states["rejected"],
            "pending": states["filed"] + states["under_review"],
            "second_appeals": sum(1 for r in rows if r.second),
            "decided_late": late,
        }


def _quarter_of(day: Any) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
