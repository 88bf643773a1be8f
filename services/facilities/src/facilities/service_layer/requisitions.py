"""Supply requisitions and the department head's signature on each (SPEC F-01
level 1); requisitions under the former approval settle by its outcome."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from facilities.domain.limits import MAX_QUANTITY
from facilities.domain.supplies import (
    Requisition,
    RequisitionLine,
    RequisitionState,
    SignatureRefused,
    may_sign,
    requisition_problems,
    sign,
    signers_for,
)
from facilities.service_layer import metrics
from facilities.service_layer.catalogue import snapshot, yuan
from facilities.service_layer.common import (
    OVERSEERS,
    Listing,
    add_problems,
    raise_if,
)
from facilities.service_layer.purchasing import Purchasing
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

log = logging.getLogger(__name__)


SIGNATURE_DUE_TIMER = "requisition_signature_due"
SIGNATURE_HOURS = 24
"""F-01 level 1 is due like an approval step (D-08): 24 working hours."""


class Requisitioning(Purchasing):
    """Requisitions and the department head's signature (F-01 level 1)."""

    # -- requisitions (F-01) -------------------------------------------------

    def submit_requisition(
        self, actor: Identity, purpose: str, lines: Sequence[tuple[str, int]]
    ) -> Requisition:
        """SPEC F-01: an employee asks for items; their department head signs (level 1)."""
        errors: list[FieldError] = []
        add_problems(errors, requisition_problems(purpose, lines))
        with self.reading() as stores:
            catalogue = stores.items.catalogue()
        wanted: list[RequisitionLine] = []
        for index, (raw_code, quantity) in enumerate(lines):
            item = catalogue.get(raw_code.strip().upper())
            if item is None or not item.active:
                errors.append(FieldError(f"lines[{index}].item_code", f"unknown item {raw_code!r}"))
            if item is not None and 0 < quantity <= MAX_QUANTITY:
                wanted.append(
                    RequisitionLine(
                        item.code, item.name, item.unit, quantity, item.agreed_price_fen
                    )
                )
        raise_if(errors)
        if actor.is_service or not actor.department_code:
            raise PreconditionFailed("a requisition is made by a person in a department")
        department = self.directory.department(actor.department_code)
        signers = signers_for(
            actor.username,
            department.head_username if department else "",
            department.supervising_leader_username if department else "",
        )
        if not signers:
            raise PreconditionFailed(
                f"nobody can sign a requisition of {actor.department_code}: "
                "the department has no head (or supervising leader) in the directory"
            )
        now = self.now()
        requisition = Requisition(
            id=str(uuid.uuid4()),
            requester=actor.username,
            department_code=actor.department_code,
            purpose=purpose.strip(),
            lines=wanted,
            state=RequisitionState.PENDING_APPROVAL,
            submitted_at=now,
            signers=signers,
        )
        due = self.calendar.add_sla(now, SIGNATURE_HOURS)
        with self.uow() as uow:
            uow.requisitions.add(requisition)
            self._requisition_event(uow, "submitted", requisition, actor.username)
            uow.audit(
                actor.username, "submit", "requisition", requisition.id, None, snapshot(requisition)
            )
            self.timers.schedule(
                uow.session,
                SIGNATURE_DUE_TIMER,
                _signature_timer_key(requisition.id),
                due,
                {"requisition_id": requisition.id},
            )
            self._ask_signers(uow, requisition, department.name if department else "", due)
            uow.after_commit(lambda: metrics.REQUISITIONS.labels("submitted").inc())
            uow.commit()
        return requisition

    def _ask_signers(
        self,
        uow: FacilitiesUnitOfWork,
        requisition: Requisition,
        department_name: str,
        due: datetime,
        reminder: bool = False,
    ) -> None:
        person = self.directory.person(requisition.requester)
        who = (person.name if person else "") or requisition.requester
        where = f"（{department_name}）" if department_name else ""
        items = "、".join(f"{line.name}×{line.quantity}{line.unit}" for line in requisition.lines)
        self.notify(
            uow,
            requisition.signers,
            "supply_requisition_signature_overdue" if reminder else "supply_requisition_to_sign",
            ("催办：" if reminder else "")
            + f"物品申领待签批：{who}{where}，合计 {yuan(requisition.total_fen):.2f} 元",
            f"{who}申领 {items}；用途：{requisition.purpose or '未填写'}。"
            "请签批（同意后列入本月需求汇总，由财务审核、办公室主任批准）。",
            f"facilities/requisitions/{requisition.id}",
            due_at=due,
        )

    def sign_requisition(
        self, actor: Identity, requisition_id: str, action: str, comment: str
    ) -> Requisition:
        """SPEC F-01 level 1: the department head signs (approves or rejects with a
        reason). Approved, the requisition waits for the month's list."""
        if action not in ("approve", "reject"):
            raise ValidationFailed(FieldError("action", "must be approve or reject"))
        with self.uow() as uow:
            requisition = uow.requisitions.get(requisition_id, for_update=True)
            if requisition is None or not self._may_read_requisition(actor, requisition):
                raise NotFound(f"requisition {requisition_id} not found")
            heads = requisition.department_code in actor.headed_departments
            if not may_sign(requisition, actor.username, heads):
                raise PermissionDenied(
                    "only the requester's department head (for a head's own requisition, "
                    "the supervising leader) signs it"
                )
            before = snapshot(requisition)
            now = self.now()
            try:
                sign(requisition, actor.username, action == "approve", comment, now)
            except SignatureRefused as exc:
                raise Conflict(str(exc)) from exc
            except ValueError as exc:
                raise ValidationFailed(FieldError("comment", str(exc))) from exc
            uow.requisitions.save(requisition)
            outcome = requisition.state
            self._requisition_event(uow, outcome, requisition, actor.username)
            uow.audit(
                actor.username,
                f"sign_{action}",
                "requisition",
                requisition.id,
                before,
                snapshot(requisition),
            )
            self.timers.cancel(uow.session, _signature_timer_key(requisition.id), now)
            ref = f"facilities/requisitions/{requisition.id}"
            if outcome == RequisitionState.APPROVED:
                self.notify(
                    uow,
                    [requisition.requester],
                    "supply_requisition_signed",
                    "物品申领已由部门负责人签批",
                    "您的物品申领已签批，将列入本月需求汇总；汇总经财务审核、办公室主任批准后，"
                    "凭领取码扫码领取。",
                    ref,
                )
            else:
                self.notify(
                    uow,
                    [requisition.requester],
                    "supply_requisition_rejected",
                    "物品申领未通过",
                    f"部门负责人未同意您的物品申领：{requisition.sign_comment}",
                    ref,
                )
            uow.after_commit(lambda: metrics.REQUISITIONS.labels(outcome).inc())
            uow.commit()
        return requisition

    def on_signature_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """SPEC X-05, D-08: the head's signature is due; remind the signers once."""
        assert isinstance(uow, FacilitiesUnitOfWork)
        requisition = uow.requisitions.get(str(firing.payload["requisition_id"]), for_update=True)
        if requisition is None or requisition.state != RequisitionState.PENDING_APPROVAL:
            return
        self._requisition_event(uow, "signature_overdue", requisition, "system")
        department = self.directory.department(requisition.department_code)
        self._ask_signers(
            uow, requisition, department.name if department else "", firing.due_at, True
        )
        uow.after_commit(lambda: metrics.REQUISITIONS.labels("signature_overdue").inc())

    def _requisition_started(
        self, uow: FacilitiesUnitOfWork, requisition_id: str, approval_id: str, actor: str
    ) -> None:
        requisition = uow.requisitions.get(requisition_id, for_update=True)
        if requisition is None or requisition.approval_id:
            return
        requisition.approval_id = approval_id
        uow.requisitions.save(requisition)
        self._requisition_event(uow, "submitted", requisition, actor)
        uow.audit(actor, "submit", "requisition", requisition.id, None, snapshot(requisition))
        uow.after_commit(lambda: metrics.REQUISITIONS.labels("submitted").inc())

    def _requisition_refused(self, uow: FacilitiesUnitOfWork, requisition_id: str) -> None:
        requisition = uow.requisitions.get(requisition_id, for_update=True)
        if requisition is not None and not requisition.approval_id:
            uow.requisitions.delete(requisition_id)

    def _may_read_requisition(self, actor: Identity, requisition: Requisition) -> bool:
        return (
            actor.is_service
            or requisition.requester == actor.username
            or actor.username in requisition.signers
            or actor.has_role(*OVERSEERS)
            or requisition.department_code in actor.headed_departments
        )

    def get_requisition(self, actor: Identity, requisition_id: str) -> Requisition:
        with self.reading() as stores:
            requisition = stores.requisitions.get(requisition_id)
        if requisition is None or not self._may_read_requisition(actor, requisition):
            raise NotFound(f"requisition {requisition_id} not found")
        return requisition

    def list_requisitions(
        self, actor: Identity, state: str, mine: bool, page: Page | None = None
    ) -> Listing[Requisition]:
        overseer = actor.has_role(*OVERSEERS)
        requester = "" if overseer and not mine else actor.username
        departments = () if mine or overseer else sorted(actor.headed_departments)
        with self.reading() as stores:
            return Listing.of(stores.requisitions.page_for(state, page, requester, departments))

    def requisition_decided(
        self, uow: FacilitiesUnitOfWork, requisition_id: str, approval_id: str, outcome: str
    ) -> None:
        requisition = uow.requisitions.get(requisition_id, for_update=True)
        if requisition is None:
            log.warning("approval %s decided unknown requisition %s", approval_id, requisition_id)
            return
        if requisition.state != RequisitionState.PENDING_APPROVAL or (
            requisition.approval_id and approval_id and requisition.approval_id != approval_id
        ):
            return
        now = self.now()
        before = snapshot(requisition)
        requisition.state = outcome
        requisition.decided_at = now
        uow.requisitions.save(requisition)
        self._requisition_event(uow, outcome, requisition, "system")
        uow.audit(
            "system",
            f"requisition_{outcome}",
            "requisition",
            requisition.id,
            before,
            snapshot(requisition),
        )
        ref = f"facilities/requisitions/{requisition.id}"
        if outcome == RequisitionState.APPROVED:
            self.notify(
                uow,
                [requisition.requester],
                "supply_requisition_approved",
                "物品申领已批准",
                "您的物品申领已审批通过，将列入本月需求汇总；到货后凭领取码扫码领取。",
                ref,
            )
        else:
            self.notify(
                uow,
                [requisition.requester],
                f"supply_requisition_{outcome}",
                "物品申领未通过" if outcome == RequisitionState.REJECTED else "物品申领已撤回",
                "您的物品申领审批结果：" + ("未通过" if outcome == "rejected" else "已撤回") + "。",
                ref,
            )
        uow.after_commit(lambda: metrics.REQUISITIONS.labels(outcome).inc())


def _signature_timer_key(requisition_id: str) -> str:
    return f"requisition:{requisition_id}:signature"
