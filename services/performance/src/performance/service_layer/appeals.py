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
from datetime import datetime, timedelta
from typing import Any

from performance.adapters import repository as repo
from performance.adapters.appraisal_repositories import Appeals as AppealRows
from performance.domain.periods import parse_period
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
STATISTICS_TIMER = "appeal.statistics_due"
EMPLOYEE_REPRESENTATIVE = "employee_representative"
"""The role the approval engine's panel step asks for (added to shared roles
by the documents work on the template)."""
PANEL = ("department_head", "hr", EMPLOYEE_REPRESENTATIVE, "discipline")
"""P-10: who sits on the review panel (the discipline office joins it)."""
ROLE_LABELS = {
    "department_head": "部门负责人",
    "hr": "人力资源部",
    EMPLOYEE_REPRESENTATIVE: "职工代表",
    "discipline": "纪检监察",
    "committee": "绩效考核委员会",
}


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
            AppealRows(uow.session).add_row(
                dict(
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
                subject=f"{cycle.period} 绩效申诉 {row.appellant}"
                + ("（再申诉，终局）" if row.second else ""),
                payload=self.approval_payload(uow, row, result, cycle),
                requester_username=row.appellant,
                source_ref=f"appeal:{row.id}",
            )
        )
        AppealRows(uow.session).change(
            row.id, {"approval_id": approval_id, "state": "under_review"}
        )

    def approval_payload(
        self, uow: UnitOfWork, row: Any, result: Any, cycle: Any
    ) -> dict[str, Any]:
        """What the panel reads in the approval (P-10). ``appraisal_id``,
        ``reason`` and ``second_appeal`` drive the template (a second appeal goes
        to the committee); the rest is the case: the result as published, the
        disputed facts with their source events and, for a second appeal, the
        first decision."""
        facts = repo.facts_by_ids(uow.session, row.disputed_fact_ids)
        payload: dict[str, Any] = {
            "appraisal_id": row.result_id,
            "period": cycle.period,
            "cycle_kind": cycle.kind,
            "reason": row.reason,
            "second_appeal": bool(row.second),
            "appeal_id": row.id,
            "appellant": row.appellant,
            "department_code": result.department_code,
            "score": result.score,
            "grade": result.grade,
            "result_version": result.version,
            "formula": result.explanation.get("formula", ""),
            "disputed_facts": [
                {
                    "id": f.id,
                    "kind": f.kind,
                    "detail": f.detail,
                    "source_event_id": f.source_event_id,
                    "source_event_type": f.source_event_type,
                }
                for f in facts
            ],
            "panel": ["committee"] if row.second else list(PANEL),
            "decision_due_at": row.decision_due_at.isoformat(),
        }
        if row.second:
            first = next(
                (a for a in repo.appeals_of_result(uow.session, row.result_id) if not a.second),
                None,
            )
            if first is not None:
                payload["first_appeal_id"] = first.id
                payload["first_decision"] = first.decision
        return payload

    def _panel_role(self, uow: UnitOfWork, row: Any, approver: str) -> str:
        """Which seat of the panel a decider holds (for the written decision)."""
        if row.second and approver in self.ctx.holders("committee"):
            return "committee"
        result = repo.get_result(uow.session, row.result_id)
        dept = self.ctx.directory.department(result.department_code) if result else None
        if dept is not None and dept.head_username == approver:
            return "department_head"
        for role in ("hr", EMPLOYEE_REPRESENTATIVE, "discipline", "committee"):
            if approver in self.ctx.holders(role):
                return role
        return ""

    def _appeal_of(self, uow: UnitOfWork, ref: Any) -> Any:
        if ref.source_service != SERVICE:
            return None
        kind, _, appeal_id = ref.source_ref.partition(":")
        return repo.get_appeal(uow.session, appeal_id) if kind == "appeal" else None

    def _record_decision(
        self, uow: UnitOfWork, row: Any, approver: str, step: int, action: str, reason: str = ""
    ) -> None:
        """Add one panel member's decision to the trail; HR's first decision opens
        the review (P-10: within 2 working days)."""
        now = self.ctx.now()
        role = self._panel_role(uow, row, approver)
        entry = {
            "at": now.isoformat(),
            "approver": approver,
            "role": role,
            "step_index": step,
            "action": action,
            "reason": reason,
        }
        values: dict[str, Any] = {"panel_trail": [*list(row.panel_trail or []), entry]}
        if row.review_opened_at is None and approver in self.ctx.holders("hr"):
            values["review_opened_at"] = now
            self.ctx.timers.cancel(uow.session, f"appeal:{row.id}:review", now)
            met = now <= row.review_due_at
            SLA_OUTCOMES.labels(sla="appeal_review", outcome="met" if met else "breached").inc()
        AppealRows(uow.session).change(row.id, values)

    def on_approval_step_approved(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """A panel member approved (``documents.approval.step_approved``)."""
        p = event.payload_as(documents.ApprovalStepApproved)
        assert isinstance(p, documents.ApprovalStepApproved)
        row = self._appeal_of(uow, p.approval)
        if row is None or row.state not in PENDING:
            return
        self._record_decision(uow, row, p.approver, p.step_index, "approved")

    def on_approval_rejected(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """A panel member rejected, with the reason that becomes the basis of a
        rejection (``documents.approval.rejected``)."""
        p = event.payload_as(documents.ApprovalRejected)
        assert isinstance(p, documents.ApprovalRejected)
        row = self._appeal_of(uow, p.approval)
        if row is None or row.state not in PENDING:
            return
        self._record_decision(uow, row, p.approver, p.step_index, "rejected", p.reason)

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
        """The panel (or, for a second appeal, the committee) concluded: approved
        means upheld. The written decision states the process and the basis."""
        p = event.payload_as(documents.ApprovalCompleted)
        assert isinstance(p, documents.ApprovalCompleted)
        ref = p.approval
        row = self._appeal_of(uow, ref)
        if row is None or row.state not in PENDING:
            return
        now = self.ctx.now()
        upheld = p.outcome == "approved"
        state = "upheld" if upheld else ("rejected" if p.outcome == "rejected" else "withdrawn")
        struck = (
            repo.strike_facts(uow.session, row.disputed_fact_ids, row.appellant, row.id)
            if upheld
            else 0
        )
        decision = self.written_decision(uow, row, ref.approval_id, state, now, struck)
        AppealRows(uow.session).change(
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

    def written_decision(
        self, uow: UnitOfWork, row: Any, approval_id: str, state: str, now: datetime, struck: int
    ) -> str:
        """P-10: the written decision — the process followed, then the basis."""
        local = self.ctx.local
        body = (
            "绩效考核委员会（再申诉）"
            if row.second
            else "复核小组（部门负责人、人力资源部、职工代表，纪检监察列席）"
        )
        process = [
            f"{local(row.filed_at)} {row.appellant} 提出{'再' if row.second else ''}申诉",
            f"经审批 {approval_id}（{TEMPLATE}）由{body}复核",
        ]
        if row.review_opened_at is not None:
            process.append(f"人力资源部于 {local(row.review_opened_at)} 受理复核")
        for entry in row.panel_trail or []:
            seat = ROLE_LABELS.get(entry["role"], "审批人")
            verb = "同意申诉" if entry["action"] == "approved" else "不同意申诉"
            at = local(datetime.fromisoformat(entry["at"]))
            process.append(f"{seat} {entry['approver']} 于 {at} {verb}")
        process.append(f"{local(now)} 作出决定")
        if state == "upheld":
            facts = repo.facts_by_ids(uow.session, row.disputed_fact_ids)
            listed = "；".join(
                f"「{f.detail or f.kind}」（来源事件 {f.source_event_id}）" for f in facts
            )
            basis = (
                f"申诉成立。依据：申诉人所列 {struck} 项事实经核实不应计入考核"
                + (f"：{listed}" if listed else "")
                + "，予以剔除，依《绩效考核办法》P-10 重新计算得分、等级及相关激励并重新发布。"
            )
        elif state == "rejected":
            reasons = [
                f"{ROLE_LABELS.get(e['role'], '审批人')}：{e['reason']}"
                for e in row.panel_trail or []
                if e["action"] == "rejected" and e["reason"]
            ]
            basis = (
                "申诉不成立，维持原考核结果。依据："
                + ("；".join(reasons) if reasons else "原结果所依据的事实经复核无误")
                + "。"
            )
        else:
            basis = "申诉已撤回，维持原考核结果。"
        if row.second:
            closing = "本决定为终局决定。"
        elif state == "rejected":
            until = self.ctx.calendar.add_working_days(now, APPEAL_DAYS)
            closing = f"如不服，可于 {local(until)} 前向绩效考核委员会提出再申诉（终局）。"
        else:
            closing = ""
        return f"处理过程：{'；'.join(process)}。{basis}{closing}"

    def statistics(self, period: str) -> dict[str, Any]:
        with self.ctx.db.reading() as session:
            return _statistics(period, repo.appeals_of_period(session, period))

    def statistics_due(self, quarter: str) -> datetime:
        """The quarter's statistics are published at 09:00 on the first working
        day after it ends."""
        period = parse_period(quarter, "quarterly")
        day = period.end + timedelta(days=1)
        while not self.ctx.calendar.is_working_day(day):
            day += timedelta(days=1)
        return self.ctx.calendar.start_of_day(day) + timedelta(hours=9)

    def schedule_statistics(self, uow: UnitOfWork, quarter: str) -> None:
        self.ctx.timers.schedule(
            uow.session,
            STATISTICS_TIMER,
            f"appeal-statistics:{quarter}",
            self.statistics_due(quarter),
            {"period": quarter},
        )

    def seed_statistics(self) -> None:
        """At start: the current quarter's publication is scheduled (idempotent)."""
        with self.ctx.uow_factory() as uow:
            self.schedule_statistics(uow, _quarter_of(self.ctx.local_date(self.ctx.now())))
            uow.commit()

    def on_statistics_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """P-10: publish the quarter's appeal statistics to HR and the committee,
        then schedule the next quarter's."""
        quarter = firing.payload["period"]
        stats = _statistics(quarter, repo.appeals_of_period(uow.session, quarter))
        uow.emit(
            "performance.appeal_statistics.published",
            quarter,
            ev.AppealStatisticsPublished(**stats),
        )
        self.ctx.notify(
            uow,
            self.ctx.holders("hr", "committee"),
            "performance_appeal_statistics",
            f"{quarter} 绩效申诉统计",
            f"共受理 {stats['filed']} 件：成立 {stats['upheld']} 件，不成立 {stats['rejected']} 件，"
            f"撤回 {stats['withdrawn']} 件，未结 {stats['pending']} 件；再申诉 {stats['second_appeals']} 件；"
            f"逾期决定 {stats['decided_late']} 件，逾期受理 {stats['review_opened_late']} 件（P-10）。",
            f"appeal-statistics:{quarter}",
        )
        nxt = parse_period(quarter, "quarterly").end + timedelta(days=1)
        self.schedule_statistics(uow, _quarter_of(nxt))


def _statistics(period: str, rows: list[Any]) -> dict[str, Any]:
    states = Counter(r.state for r in rows)
    late = sum(1 for r in rows if r.decided_at is not None and r.decided_at > r.decision_due_at)
    review_late = sum(
        1
        for r in rows
        if (r.review_opened_at is not None and r.review_opened_at > r.review_due_at)
        or (
            r.review_opened_at is None
            and r.state not in PENDING
            and r.decided_at is not None
            and r.decided_at > r.review_due_at
        )
    )
    return {
        "period": period,
        "filed": len(rows),
        "upheld": states["upheld"],
        "rejected": states["rejected"],
        "pending": states["filed"] + states["under_review"],
        "second_appeals": sum(1 for r in rows if r.second),
        "decided_late": late,
        "withdrawn": states["withdrawn"],
        "review_opened_late": review_late,
    }


def _quarter_of(day: Any) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
