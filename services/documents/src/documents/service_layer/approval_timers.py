"""The approval step's timers (SPEC D-08, X-05): the reminder at its due time and
the escalation to superiors 48 working hours after it opened."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from documents.adapters.approval_repository import ApprovalRepository
from documents.domain.approvals import model
from documents.domain.approvals.model import Approval
from documents.domain.approvals.routing import escalation_targets
from documents.service_layer import approval_metrics as metrics
from documents.service_layer.approval_common import ApprovalBusy, DirectoryOrganisation
from documents.service_layer.approval_flow import ApprovalFlow
from secretariat.documents.v1 import events_pb2
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork


class ApprovalTimers(ApprovalFlow):
    @staticmethod
    def _lock_for_timer(repo: ApprovalRepository, firing: TimerFiring) -> Approval | None:
        """Lock the approval a timer concerns without waiting.

        The scheduler already holds the timer's row, while a decision locks
        the approval and then cancels its timers: waiting here could
        deadlock. A busy approval fails the firing instead; the scheduler
        retries it after a short backoff, by when the decision has either
        cancelled the timer or left it due.
        """
        try:
            return repo.get(str(firing.payload["approval_id"]), for_update=True, nowait=True)
        except OperationalError as exc:
            raise ApprovalBusy(
                f"approval {firing.payload['approval_id']} is being changed; timer retries"
            ) from exc

    def on_step_reminder(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """The step reached its due time while open: remind who must decide, once."""
        repo = ApprovalRepository(uow.session)
        approval = self._lock_for_timer(repo, firing)
        if approval is None:
            return
        now = self._clock.now()
        self._follow_directory(
            uow, repo, approval, DirectoryOrganisation(self._directory, repo), now
        )
        step = model.remind(approval, int(firing.payload["step_index"]), now)
        if step is None:
            return
        repo.save(approval, now)
        event = events_pb2.ApprovalReminded(
            approval=self._ref(approval), step_index=step.index, approvers=step.waiting_on()
        )
        if step.due_at is not None:
            event.due_at.FromDatetime(step.due_at)
        uow.emit("documents.approval.reminded", approval.id, event)
        self._notify(
            uow,
            approval,
            step.waiting_on(),
            "approval_reminder",
            f"审批已到期：{approval.subject}",
            f"步骤「{step.name}」已到处理时限，请尽快决定。",
            step.due_at,
        )
        uow.audit(
            "system",
            "approval_reminded",
            "approval",
            approval.id,
            None,
            {"step_index": step.index, "waiting_on": step.waiting_on()},
        )
        uow.after_commit(
            lambda: metrics.REMINDERS.labels(approval.template, approval.priority).inc()
        )

    def on_step_escalation(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """48 hours after opening and still waiting: each pending approver's superior joins."""
        repo = ApprovalRepository(uow.session)
        approval = self._lock_for_timer(repo, firing)
        if approval is None:
            return
        step = approval.step(int(firing.payload["step_index"]))
        if step is None or not step.is_open or step.escalated:
            return
        now = self._clock.now()
        org = DirectoryOrganisation(self._directory, repo)
        self._follow_directory(uow, repo, approval, org, now)
        escalation = model.escalate(
            approval, step.index, escalation_targets(approval, step, org, now), now
        )
        if escalation is None:
            return
        repo.save(approval, now)
        uow.emit(
            "documents.approval.escalated",
            approval.id,
            events_pb2.ApprovalEscalated(
                approval=self._ref(approval),
                step_index=step.index,
                from_approvers=escalation.from_approvers,
                to_approvers=escalation.to_approvers,
            ),
        )
        self._notify(
            uow,
            approval,
            escalation.to_approvers,
            "approval_escalated",
            f"审批升级：{approval.subject}",
            f"步骤「{step.name}」开启48小时仍未处理（{', '.join(escalation.from_approvers)}），"
            "已升级给您。",
            step.due_at,
        )
        uow.audit(
            "system",
            "approval_escalated",
            "approval",
            approval.id,
            None,
            {
                "step_index": step.index,
                "from": escalation.from_approvers,
                "to": escalation.to_approvers,
            },
        )
        uow.after_commit(
            lambda: metrics.ESCALATIONS.labels(approval.template, approval.priority).inc()
        )
