"""Facts from the other services' events (SPEC P-02, X-07).

Each handler turns one event into facts that keep the event's id; a
duplicate event finds its facts already kept and changes nothing. A fact
falling in an already published period recomputes the results it touches.

Consumed today: documents.step.assigned/.completed/.overdue,
documents.approval.step_approved/.escalated, meetings.survey.closed,
meetings.action_item.updated, meetings.action_items.weekly_digest,
meetings.meeting.preparation_warning,
career.training.completed (hours, required courses passed and certificates, P-04),
infohub.suggestion.adopted (innovation, P-03, P-09).
"""

from __future__ import annotations

import uuid
import weakref
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from google.protobuf.message import Message

from performance.adapters import repository as repo
from performance.domain import facts as k
from performance.domain.facts import Fact
from performance.service_layer.appraisal import Appraisals
from performance.service_layer.context import Context
from performance.service_layer.metrics import FACTS_INGESTED
from secretariat.career.v1 import events_pb2 as career
from secretariat.documents.v1 import events_pb2 as documents
from secretariat.infohub.v1 import events_pb2 as infohub
from secretariat.meetings.v1 import events_pb2 as meetings
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.uow import UnitOfWork

Handler = Callable[[UnitOfWork, ReceivedEvent], None]
KEEP_KEY = "performance.keep_facts"


class FactIntake:
    """Event handlers that keep facts. The facts of a transaction (one event, or
    a batch of them from the batched consumer) are kept together just before
    it commits, and the new ones recompute the published results they touch,
    once."""

    def __init__(self, ctx: Context, appraisals: Appraisals) -> None:
        self.ctx = ctx
        self.appraisals = appraisals
        self._pending: weakref.WeakKeyDictionary[UnitOfWork, list[Fact]] = (
            weakref.WeakKeyDictionary()
        )

    def handlers(self) -> dict[str, Handler]:
        """Event type → handler; the consumer subscribes each."""
        return {
            "documents.step.assigned": self.on_step_assigned,
            "documents.step.completed": self.on_step_completed,
            "documents.step.overdue": self.on_step_overdue,
            "documents.approval.step_approved": self.on_approval_step_approved,
            "documents.approval.escalated": self.on_approval_escalated,
            "meetings.survey.closed": self.on_survey_closed,
            "meetings.action_item.updated": self.on_action_item_updated,
            "meetings.meeting.preparation_warning": self.on_preparation_warning,
            "meetings.action_items.weekly_digest": self.on_weekly_digest,
            "career.training.completed": self.on_training_completed,
            "infohub.suggestion.adopted": self.on_suggestion_adopted,
        }

    def _keep(
        self,
        uow: UnitOfWork,
        event: ReceivedEvent,
        kind: str,
        username: str,
        value: float,
        detail: str,
        department: str | None = None,
        ref: str = "",
        occurred_at: datetime | None = None,
    ) -> None:
        if not username and not department:
            return
        fact = Fact(
            id=str(uuid.uuid4()),
            kind=kind,
            username=username,
            department_code=department
            if department is not None
            else self.ctx.department_of(username),
            occurred_at=occurred_at or event.time,
            value=value,
            source_event_id=event.id,
            source_event_type=event.type,
            detail=detail,
            ref=ref,
        )
        self._pending.setdefault(uow, []).append(fact)
        uow.before_commit(KEEP_KEY, lambda: self._keep_pending(uow))

    def _keep_pending(self, uow: UnitOfWork) -> None:
        """Keep the transaction's new facts in one statement; those not kept
        before recompute the published periods they fall in (P-02: late facts)."""
        facts = self._pending.pop(uow, [])
        kept = repo.add_facts(uow.session, facts, self.ctx.now())
        touched = []
        kinds: Counter[str] = Counter()
        for fact in facts:
            if fact.id in kept:
                kinds[fact.kind] += 1
                if fact.username:
                    touched.append(fact)
        for kind, count in kinds.items():
            FACTS_INGESTED.labels(kind=kind).inc(count)
        if touched:
            self.appraisals.recompute_for_facts(uow, touched)

    @staticmethod
    def _payload(event: ReceivedEvent, message: type[Message]) -> Message:
        return event.payload_as(message)

    def on_step_assigned(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        p = event.payload_as(documents.StepAssigned)
        assert isinstance(p, documents.StepAssigned)
        self._keep(
            uow,
            event,
            k.STEP_ASSIGNED,
            p.assignee_username,
            1.0,
            f"{p.number} {p.step_kind} 已分派",
            ref=p.step_id,
        )

    def on_step_completed(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        p = event.payload_as(documents.StepCompleted)
        assert isinstance(p, documents.StepCompleted)
        detail = f"文件步骤 {p.step_kind} {'按时' if p.met_deadline else '超时'}完成"
        self._keep(
            uow,
            event,
            k.DOCUMENT_STEP,
            p.completed_by,
            1.0 if p.met_deadline else 0.0,
            detail,
            ref=p.step_id,
        )

    def on_step_overdue(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        p = event.payload_as(documents.StepOverdue)
        assert isinstance(p, documents.StepOverdue)
        for owner in p.owners:
            self._keep(
                uow,
                event,
                k.STEP_OVERDUE,
                owner,
                1.0,
                f"{p.number} {p.step_kind} 已逾期",
                ref=p.step_id,
            )

    def on_approval_step_approved(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        p = event.payload_as(documents.ApprovalStepApproved)
        assert isinstance(p, documents.ApprovalStepApproved)
        detail = f"审批 {p.approval.template} 第 {p.step_index + 1} 步{'按时' if p.met_deadline else '超时'}"
        self._keep(
            uow,
            event,
            k.APPROVAL_STEP,
            p.approver,
            1.0 if p.met_deadline else 0.0,
            detail,
            ref=p.approval.approval_id,
        )

    def on_approval_escalated(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        p = event.payload_as(documents.ApprovalEscalated)
        assert isinstance(p, documents.ApprovalEscalated)
        for approver in p.from_approvers:
            self._keep(
                uow,
                event,
                k.APPROVAL_ESCALATED,
                approver,
                1.0,
                f"审批 {p.approval.template} 超时升级",
                ref=p.approval.approval_id,
            )

    def on_survey_closed(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        p = event.payload_as(meetings.SurveyClosed)
        assert isinstance(p, meetings.SurveyClosed)
        if not p.HasField("satisfaction") or p.responses == 0:
            return
        m = p.meeting
        detail = f"会议「{m.topic}」满意度 {p.satisfaction:.2f}（{p.responses} 份答卷）"
        self._keep(
            uow,
            event,
            k.MEETING_SATISFACTION,
            m.organiser,
            p.satisfaction,
            detail,
            department=m.department_code,
            ref=m.meeting_id,
        )

    def on_action_item_updated(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        p = event.payload_as(meetings.ActionItemUpdated)
        assert isinstance(p, meetings.ActionItemUpdated)
        if p.status not in ("completed", "delayed"):
            return
        on_time = p.status == "completed" and p.completed_on_time
        scope = "跨部门" if p.cross_department else "部门内"
        detail = f"{scope}督办事项{'按期完成' if on_time else ('逾期' if p.status == 'delayed' else '逾期完成')}"
        self._keep(
            uow,
            event,
            k.ACTION_ITEM,
            p.owner,
            1.0 if on_time else 0.0,
            detail,
            department=p.owner_department,
            ref=p.action_item_id,
        )

    def on_weekly_digest(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """P-02: each department's open action items of the week (M-06 digest),
        as the share delayed; a department fact, no person's."""
        p = event.payload_as(meetings.ActionItemsWeeklyDigest)
        assert isinstance(p, meetings.ActionItemsWeeklyDigest)
        for d in p.departments:
            open_items = d.in_progress + d.delayed
            if not d.department_code or open_items == 0:
                continue
            share = round(100.0 * d.delayed / open_items, 2)
            detail = (
                f"{p.week_of} 周督办事项：进行中 {d.in_progress}、逾期 {d.delayed}、"
                f"本周完成 {d.completed}（跨部门 {d.cross_department}）"
            )
            self._keep(
                uow,
                event,
                k.ACTION_ITEMS_WEEKLY,
                "",
                share,
                detail,
                department=d.department_code,
                ref=p.week_of,
            )

    def on_preparation_warning(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        p = event.payload_as(meetings.PreparationWarning)
        assert isinstance(p, meetings.PreparationWarning)
        m = p.meeting
        detail = f"会议「{m.topic}」筹备不足 3 天（提前 {p.lead_time_hours:.1f} 小时）"
        self._keep(
            uow,
            event,
            k.PREPARATION_WARNING,
            m.organiser,
            1.0,
            detail,
            department=m.department_code,
            ref=m.meeting_id,
        )

    def on_training_completed(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """P-04: training hours and certificates, on the day the course was completed."""
        p = event.payload_as(career.TrainingCompleted)
        assert isinstance(p, career.TrainingCompleted)
        try:
            day = date.fromisoformat(p.completed_on)
            occurred = self.ctx.calendar.start_of_day(day) + timedelta(hours=12)
        except ValueError:
            occurred = event.time
        if p.hours > 0:
            detail = f"培训「{p.course_title}」{p.hours:g} 学时（{p.course_kind}）"
            self._keep(
                uow,
                event,
                k.TRAINING_HOURS,
                p.username,
                p.hours,
                detail,
                ref=p.completion_id,
                occurred_at=occurred,
            )
        if p.mandatory and p.hours > 0:
            detail = f"必修课程「{p.course_title}」合格，{p.hours:g} 学时（{p.course_kind}）"
            self._keep(
                uow,
                event,
                k.REQUIRED_TRAINING,
                p.username,
                p.hours,
                detail,
                ref=p.course_id,
                occurred_at=occurred,
            )
        if p.certificate:
            detail = f"取得证书「{p.certificate}」（培训「{p.course_title}」）"
            self._keep(
                uow,
                event,
                k.CERTIFICATE,
                p.username,
                1.0,
                detail,
                ref=p.completion_id,
                occurred_at=occurred,
            )

    def on_suggestion_adopted(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """P-03/P-09: an adopted suggestion counts for its submitter (anonymous
        ones for nobody) on the day it was adopted."""
        p = event.payload_as(infohub.SuggestionAdopted)
        assert isinstance(p, infohub.SuggestionAdopted)
        if not p.submitter:
            return
        occurred = p.adopted_at.ToDatetime(tzinfo=UTC) if p.HasField("adopted_at") else event.time
        detail = f"合理化建议「{p.title}」被采纳"
        self._keep(
            uow,
            event,
            k.SUGGESTION_ADOPTED,
            p.submitter,
            1.0,
            detail,
            department=p.department_code or None,
            ref=p.item_id,
            occurred_at=occurred,
        )
