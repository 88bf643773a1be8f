"""Deciding an approval (SPEC D-09): approve, reject, return, delegate; the
requester resubmits or withdraws."""

from __future__ import annotations

from typing import Any

from documents.adapters.approval_repository import ApprovalRepository
from documents.domain.approvals import model
from documents.domain.approvals.model import Action, Approval, ApprovalStep
from documents.domain.approvals.routing import level_refusal
from documents.domain.approvals.templates import plan_for
from documents.domain.approvals.validation import (
    ACTION_PROBLEM,
    action_of,
    parse_json_object,
    subject_problems,
)
from documents.service_layer.approval_commands import Decide, Resubmit, Withdraw
from documents.service_layer.approval_common import (
    STEP_APPROVED,
    DirectoryOrganisation,
    approval_snapshot,
    domain_errors,
)
from documents.service_layer.approval_flow import ApprovalFlow
from secretariat.documents.v1 import events_pb2
from secretariat_shared.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity


class ApprovalDecisions(ApprovalFlow):
    def decide(self, actor: Identity, cmd: Decide) -> Approval:
        action = action_of(cmd.action)
        if action is None:
            raise ValidationFailed(ACTION_PROBLEM)
        delegate = cmd.delegate_to.strip()
        if action is Action.DELEGATE and delegate and self._directory.person(delegate) is None:
            raise ValidationFailed(FieldError("delegate_to", f"unknown person {delegate!r}"))
        with self._uow() as uow:
            repo = ApprovalRepository(uow.session)
            approval = self._load_following_directory(uow, repo, actor, cmd.approval_id)
            before = approval_snapshot(approval)
            now = self._clock.now()
            current = approval.current_step()
            org = DirectoryOrganisation(self._directory, repo)
            with domain_errors():
                outcome = model.decide(
                    approval,
                    actor.username,
                    action,
                    now,
                    cmd.comment,
                    delegate,
                    level_refusal(approval, current, org) if current is not None else None,
                )
            step = outcome.step
            closed: list[ApprovalStep] = []
            if outcome.step_closed:
                closed.append(step)
                self._cancel_timers(uow, approval, step)
            if action is Action.APPROVE:
                step_approved = events_pb2.ApprovalStepApproved(
                    approval=self._ref(approval),
                    step_index=step.index,
                    approver=actor.username,
                    met_deadline=step.due_at is None or now <= step.due_at,
                    step_closed=outcome.step_closed,
                )
                uow.emit(STEP_APPROVED, approval.id, step_approved)
                # Deprecated name of the same fact (issue 11 item 7): published
                # until every consumer has moved to STEP_APPROVED.
                uow.emit("documents.approval.approved", approval.id, step_approved)
                if outcome.step_closed:
                    with domain_errors():
                        self._advance(uow, repo, approval, org, now)
            elif action is Action.REJECT:
                uow.emit(
                    "documents.approval.rejected",
                    approval.id,
                    events_pb2.ApprovalRejected(
                        approval=self._ref(approval),
                        step_index=step.index,
                        approver=actor.username,
                        reason=outcome.decision.comment,
                    ),
                )
                self._announce_completion(uow, approval, "rejected", outcome.decision.comment)
            elif action is Action.RETURN:
                uow.emit(
                    "documents.approval.returned",
                    approval.id,
                    events_pb2.ApprovalReturned(
                        approval=self._ref(approval),
                        step_index=step.index,
                        approver=actor.username,
                        comment=outcome.decision.comment,
                    ),
                )
                self._notify(
                    uow,
                    approval,
                    [approval.requester],
                    "approval_returned",
                    f"审批退回修改：{approval.subject}",
                    f"{actor.username} 退回：{outcome.decision.comment}",
                )
            else:
                uow.emit(
                    "documents.approval.delegated",
                    approval.id,
                    events_pb2.ApprovalDelegated(
                        approval=self._ref(approval),
                        step_index=step.index,
                        from_approver=actor.username,
                        to_approver=delegate,
                        comment=outcome.decision.comment,
                    ),
                )
                self._notify(
                    uow,
                    approval,
                    [delegate],
                    "approval_step_opened",
                    f"委托审批：{approval.subject}",
                    f"{actor.username} 将步骤「{step.name}」委托给您审批。",
                    step.due_at,
                )
            with self._db.pipelined(uow.session):
                repo.save(approval, now)
            uow.audit(
                actor.username,
                f"approval_{action.value}",
                "approval",
                approval.id,
                before,
                {**approval_snapshot(approval), "comment": outcome.decision.comment},
            )
            uow.after_commit(lambda: self._record_closed_steps(approval, closed))
            uow.commit()
        return approval

    def resubmit(self, actor: Identity, cmd: Resubmit) -> Approval:
        """SPEC D-09: the requester edits a returned approval; it starts again at its first step."""
        with self._db.reading() as session:
            repo = ApprovalRepository(session)
            found = repo.get(cmd.approval_id)
            if found is None or not self._visible(found, actor):
                raise NotFound(f"approval {cmd.approval_id} not found")
            template = repo.template(found.template, found.template_version)
        if template is None:
            raise PreconditionFailed(
                f"template {found.template} version {found.template_version} no longer exists"
            )
        errors: list[FieldError] = []
        payload: dict[str, Any] | None = found.payload
        if cmd.payload_json.strip():
            payload = parse_json_object(cmd.payload_json, "payload", errors)
        if payload is not None:
            errors.extend(self._templates.form_errors(template, payload))
        subject = cmd.subject.strip() or found.subject
        errors.extend(subject_problems(subject))
        if errors or payload is None:
            raise ValidationFailed(errors)
        with self._uow() as uow:
            repo = ApprovalRepository(uow.session)
            approval = self._load_for_update(repo, actor, cmd.approval_id)
            self._require_requester(approval, actor, "resubmit")
            before = approval_snapshot(approval)
            now = self._clock.now()
            org = DirectoryOrganisation(self._directory, repo)
            with domain_errors():
                model.resubmit(
                    approval,
                    actor.username,
                    payload,
                    subject,
                    plan_for(template, payload, approval.urgent),
                    now,
                    cmd.comment,
                )
                self._check_routable(approval, org)
                uow.emit(
                    "documents.approval.resubmitted",
                    approval.id,
                    events_pb2.ApprovalResubmitted(
                        approval=self._ref(approval),
                        revision=approval.revision,
                        comment=cmd.comment.strip(),
                    ),
                )
                self._advance(uow, repo, approval, org, now)
            repo.save(approval, now)
            uow.audit(
                actor.username,
                "resubmit_approval",
                "approval",
                approval.id,
                before,
                approval_snapshot(approval),
            )
            uow.commit()
        return approval

    def withdraw(self, actor: Identity, cmd: Withdraw) -> Approval:
        with self._uow() as uow:
            repo = ApprovalRepository(uow.session)
            approval = self._load_for_update(repo, actor, cmd.approval_id)
            self._require_requester(approval, actor, "withdraw")
            before = approval_snapshot(approval)
            now = self._clock.now()
            open_step = approval.current_step()
            with domain_errors():
                waiting = model.withdraw(approval, actor.username, now, cmd.comment)
            closed = [open_step] if open_step is not None else []
            for step in closed:
                self._cancel_timers(uow, approval, step)
            self._announce_completion(uow, approval, "withdrawn", cmd.comment.strip())
            self._notify(
                uow,
                approval,
                waiting,
                "approval_withdrawn",
                f"审批已撤回：{approval.subject}",
                f"{approval.requester} 撤回了此审批，无需再处理。",
            )
            repo.save(approval, now)
            uow.audit(
                actor.username,
                "withdraw_approval",
                "approval",
                approval.id,
                before,
                approval_snapshot(approval),
            )
            uow.after_commit(lambda: self._record_closed_steps(approval, closed))
            uow.commit()
        return approval

    @staticmethod
    def _require_requester(approval: Approval, actor: Identity, what: str) -> None:
        if actor.is_service or actor.username == approval.requester:
            return
        raise PermissionDenied(f"only the requester {approval.requester} can {what} this approval")
