"""What every change of an approval shares: opening the next step (timers,
events, notices), following the directory, completing and sealing,
notices and metrics. The capability classes of the engine build on it."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from documents.adapters.approval_repository import ApprovalRepository
from documents.adapters.orm import platform
from documents.adapters.seal_signer import SealSigner
from documents.domain.approvals import model
from documents.domain.approvals.model import Approval, ApprovalStep
from documents.domain.approvals.routing import resolve_holders, seats_for, seats_now
from documents.domain.approvals.sla import sla_hours, step_deadlines
from documents.domain.approvals.templates import RuleKind
from documents.service_layer import approval_metrics as metrics
from documents.service_layer.approval_common import (
    ESCALATION_TIMER,
    REMINDER_TIMER,
    SERVICE,
    DirectoryOrganisation,
    UowFactory,
    approval_ref,
    approval_snapshot,
    timer_key,
    visible,
)
from documents.service_layer.approval_sealing import seal_approval
from documents.service_layer.approval_templates import ApprovalTemplates
from documents.service_layer.ports import Directory
from secretariat.documents.v1 import events_pb2
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.errors import NotFound
from secretariat_shared.identity import Identity
from secretariat_shared.notices import request_notice
from secretariat_shared.timers import TimerStore
from secretariat_shared.uow import UnitOfWork


class ApprovalFlow:
    def __init__(
        self,
        uow_factory: UowFactory,
        directory: Directory,
        calendar: BusinessCalendar,
        clock: Clock,
        db: Database,
        signer: SealSigner,
        templates: ApprovalTemplates,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self._uow = uow_factory
        self._directory = directory
        self._calendar = calendar
        self._clock = clock
        self._db = db
        self._signer = signer
        self._templates = templates
        self._zone = ZoneInfo(timezone)
        self._timers = TimerStore(platform)

    _ref = staticmethod(approval_ref)
    _visible = staticmethod(visible)
    _timer_key = staticmethod(timer_key)

    def _check_routable(self, approval: Approval, org: DirectoryOrganisation) -> None:
        """Refuse at the start a request some later step could never route (it would stall)."""
        for step in approval.steps[1:]:
            if step.revision != approval.revision:
                continue
            if any(r.kind is RuleKind.PREVIOUS_APPROVER_SUPERIOR for r in step.rules):
                continue
            resolve_holders(approval, step, org)

    def _advance(
        self,
        uow: UnitOfWork,
        repo: ApprovalRepository,
        approval: Approval,
        org: DirectoryOrganisation,
        now: datetime,
    ) -> None:
        """Open the next pending step, or complete and seal the approval when none is left."""
        step = approval.next_pending()
        if step is None:
            model.complete(approval, now)
            self._seal(uow, approval, now)
            self._announce_completion(uow, approval, "approved")
            return
        seats = seats_for(approval, step, org, now)
        due_at, escalate_at = step_deadlines(now, approval.urgent, self._calendar.add_sla)
        model.open_step(approval, step, seats, now, due_at, escalate_at)
        payload = {"approval_id": approval.id, "step_index": step.index}
        self._timers.schedule_many(
            uow.session,
            [
                (REMINDER_TIMER, self._timer_key(approval, step, "reminder"), due_at, payload),
                (
                    ESCALATION_TIMER,
                    self._timer_key(approval, step, "escalation"),
                    escalate_at,
                    payload,
                ),
            ],
        )
        event = events_pb2.ApprovalStepOpened(
            approval=self._ref(approval),
            step_index=step.index,
            step_name=step.name,
            approvers=step.waiting_on(),
            on_behalf_of=step.on_behalf_of(),
            due_provisional=not approval.urgent and self._calendar.is_provisional(now, due_at),
        )
        event.due_at.FromDatetime(due_at)
        uow.emit("documents.approval.step_opened", approval.id, event)
        self._notify(
            uow,
            approval,
            step.waiting_on(),
            "approval_step_opened",
            f"待审批：{approval.subject}",
            f"{approval.requester} 的{approval.template}审批，步骤「{step.name}」等待您的决定。",
            due_at,
        )

    def _cancel_timers(self, uow: UnitOfWork, approval: Approval, step: ApprovalStep) -> None:
        keys = [self._timer_key(approval, step, kind) for kind in ("reminder", "escalation")]
        self._timers.cancel_many(uow.session, keys, self._clock.now())

    # -- following the directory (X-01) ----------------------------------------

    def _follow_directory(
        self,
        uow: UnitOfWork,
        repo: ApprovalRepository,
        approval: Approval,
        org: DirectoryOrganisation,
        now: datetime,
    ) -> model.Reassignment | None:
        """Hand the open step to whoever its rules name now (a head replaced after it
        opened, a role changed hands); saved, audited (X-04) and notified (X-06).

        The gateway's directory publishes no change events, so this runs when
        the engine touches the step: before each decision and on each timer.
        """
        step = approval.current_step()
        if step is None or approval.status is not model.ApprovalStatus.IN_PROGRESS:
            return None
        seats = seats_now(approval, step, org, now)
        if seats is None:
            return None
        before = approval_snapshot(approval)
        change = model.reassign(approval, step.index, seats, now)
        if change is None:
            return None
        repo.save(approval, now)
        newcomers = [p for p in change.to_approvers if p not in change.from_approvers]
        relieved = [p for p in change.from_approvers if p not in change.to_approvers]
        self._notify(
            uow,
            approval,
            newcomers,
            "approval_reassigned",
            f"待审批：{approval.subject}",
            f"{approval.requester} 的{approval.template}审批，步骤「{step.name}」"
            f"因组织机构调整改由您决定（原审批人：{', '.join(change.from_holders)}）。",
            step.due_at,
        )
        self._notify(
            uow,
            approval,
            relieved,
            "approval_reassigned",
            f"审批已转交：{approval.subject}",
            f"步骤「{step.name}」因组织机构调整改由 {', '.join(change.to_holders)} 决定，"
            "无需您再处理。",
        )
        uow.audit(
            "system",
            "approval_reassigned",
            "approval",
            approval.id,
            before,
            {
                **approval_snapshot(approval),
                "step_index": step.index,
                "from": change.from_holders,
                "to": change.to_holders,
            },
        )
        return change

    def _load_following_directory(
        self, uow: UnitOfWork, repo: ApprovalRepository, actor: Identity, approval_id: str
    ) -> Approval:
        """Lock the approval for a decision, its open step first brought in line with the
        directory (X-01). A hand-over commits on its own before the decision goes on in
        a new transaction, so it stands even when the decision is refused (the replaced
        head asking to decide learns it is no longer theirs); most decisions find
        nothing to hand over and read the approval once."""
        approval = repo.get(approval_id, for_update=True)
        if approval is not None:
            org = DirectoryOrganisation(self._directory, repo)
            if self._follow_directory(uow, repo, approval, org, self._clock.now()) is not None:
                uow.commit()
                approval = repo.get(approval_id, for_update=True)
        if approval is None or not self._visible(approval, actor):
            raise NotFound(f"approval {approval_id} not found")
        return approval

    # -- deciding (D-09) ----------------------------------------------------

    def _load_for_update(
        self, repo: ApprovalRepository, actor: Identity, approval_id: str
    ) -> Approval:
        approval = repo.get(approval_id, for_update=True)
        if approval is None or not self._visible(approval, actor):
            raise NotFound(f"approval {approval_id} not found")
        return approval

    def _notify(
        self,
        uow: UnitOfWork,
        approval: Approval,
        recipients: list[str],
        kind: str,
        title: str,
        body: str,
        due_at: datetime | None = None,
    ) -> None:
        """SPEC X-06: an inbox item for each person (infohub turns the event into items)."""
        request_notice(
            uow,
            SERVICE,
            recipients,
            kind=kind,
            title=title,
            body=body,
            subject_ref=f"approvals/{approval.id}",
            key=approval.id,
            due_at=due_at,
            directory=self._directory,
        )

    def _announce_completion(
        self, uow: UnitOfWork, approval: Approval, outcome: str, reason: str = ""
    ) -> None:
        event = events_pb2.ApprovalCompleted(
            approval=self._ref(approval),
            outcome=outcome,
            payload_json=json.dumps(approval.payload, ensure_ascii=False, sort_keys=True),
            seal_id=approval.seal_id,
        )
        if approval.completed_at is not None:
            event.completed_at.FromDatetime(approval.completed_at)
        uow.emit("documents.approval.completed", approval.id, event)
        if outcome != "withdrawn":
            words = {"approved": "审批通过", "rejected": "审批驳回"}[outcome]
            self._notify(
                uow,
                approval,
                [approval.requester],
                f"approval_{outcome}",
                f"{words}：{approval.subject}",
                reason or words,
            )
        uow.after_commit(
            lambda: metrics.APPROVALS_FINISHED.labels(approval.template, outcome).inc()
        )

    def _record_closed_steps(self, approval: Approval, steps: list[ApprovalStep]) -> None:
        """SPEC D-10: duration and met/breached of each step that closed."""
        for step in steps:
            if step.opened_at is None or step.closed_at is None:
                continue
            outcome = "met" if step.met_deadline() else "breached"
            metrics.STEP_OUTCOMES.labels(approval.template, approval.priority, outcome).inc()
            metrics.STEP_DURATION.labels(approval.template, approval.priority).observe(
                sla_hours(
                    step.opened_at,
                    step.closed_at,
                    approval.urgent,
                    self._calendar.working_hours_between,
                )
            )

    def _seal(self, uow: UnitOfWork, approval: Approval, now: datetime) -> None:
        seal_approval(uow, approval, now, self._signer)
