"""Reading approvals (SPEC X-03): one approval, the oversight list, the
"waiting for me" inbox, and the monthly SLA report (D-10)."""

from __future__ import annotations

from documents.adapters.approval_repository import ApprovalFilter, ApprovalRepository
from documents.domain.approvals import access as approval_access
from documents.domain.approvals.model import Approval
from documents.domain.approvals.sla import SlaFigures, month_bounds, month_figures
from documents.domain.approvals.validation import paging_problems
from documents.service_layer.approval_commands import ListApprovals
from documents.service_layer.approval_flow import ApprovalFlow
from secretariat_shared import access
from secretariat_shared.access import viewer_of
from secretariat_shared.errors import FieldError, ValidationFailed
from secretariat_shared.identity import Identity


class ApprovalQueries(ApprovalFlow):
    @staticmethod
    def _check_paging(page: int, page_size: int) -> None:
        errors = paging_problems(page, page_size)
        if errors:
            raise ValidationFailed(errors)

    def get(self, actor: Identity, approval_id: str) -> Approval:
        with self._db.reading() as session:
            approval = ApprovalRepository(session).get(approval_id)
        if approval is None or not self._visible(approval, actor):
            raise access.not_found("approval", approval_id)
        if not actor.is_service and approval_access.is_classified(approval):
            with self._uow() as uow:
                uow.audit(
                    actor.username,
                    "read_classified",
                    "approval",
                    approval.id,
                    None,
                    {"template": approval.template, "requester": approval.requester},
                )
                uow.commit()
        return approval

    def search(self, actor: Identity, query: ListApprovals) -> tuple[list[Approval], int]:
        """SPEC X-03: the approvals the caller may read; overseers list every
        approval, those they may not read without content (:func:`redacted`)."""
        self._check_paging(query.page, query.page_size)
        viewer = viewer_of(actor)
        with self._db.reading() as session:
            found, total = ApprovalRepository(session).search(
                ApprovalFilter(
                    status=query.status,
                    template=query.template,
                    requester=actor.username if query.mine else "",
                    source_service=query.source_service,
                    source_ref=query.source_ref,
                ),
                viewer,
                query.page,
                query.page_size,
            )
        return [a if self._visible(a, actor) else approval_access.redacted(a) for a in found], total

    def pending_for(self, actor: Identity, page: int, page_size: int) -> tuple[list[Approval], int]:
        """The caller's approval inbox: approvals whose current step waits for them."""
        self._check_paging(page, page_size)
        with self._db.reading() as session:
            return ApprovalRepository(session).pending_for(actor.username, page, page_size)

    def sla_report(self, actor: Identity, month: str = "") -> tuple[str, SlaFigures]:
        now = self._clock.now()
        month = month.strip() or now.astimezone(self._zone).strftime("%Y-%m")
        try:
            start, end = month_bounds(month, self._zone)
        except ValueError as exc:
            raise ValidationFailed(FieldError("month", str(exc))) from exc
        with self._db.reading() as session:
            steps = ApprovalRepository(session).sla_steps(start, end)
        return month, month_figures(steps, start, end, now)
