"""Loans of archive records (SPEC A-03): apply → ``archive_loan`` approval
(D-06) → registered out → returned, with a due-date reminder and an overdue
escalation to the borrower's head (X-05, X-06). Every step is audited (X-04)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError as DbIntegrityError

from archives.adapters.loan_repository import Loans as LoanRows
from archives.adapters.record_repositories import ArchiveRecords
from archives.domain import loans as rules
from archives.domain.access import may_read
from archives.domain.records import DESTROYED, RecordInvalid, parse_date
from archives.service_layer import metrics
from archives.service_layer.common import (
    ARCHIVIST_ROLE,
    START_APPROVAL_TIMER,
    Context,
    new_id,
    notify,
    row_dict,
)
from archives.service_layer.ports import ApprovalRequest
from secretariat.archives.v1 import events_pb2
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page, page_of
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

LOAN_CHANGED = "archives.loan.changed"
LOAN_DUE_REMINDER = "archives.loan.due_reminder"
LOAN_OVERDUE = "archives.loan.overdue"
DUE_TIMER = "archives.loan_due"
OVERDUE_TIMER = "archives.loan_overdue"


def _loan_view(row: Any) -> dict[str, Any]:
    return row_dict(row)


class Loans:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def apply(self, actor: Identity, record_id: str, purpose: str, due_date: str) -> dict[str, Any]:
        try:
            due = parse_date(due_date, "due_date")
            rules.check_due_date(due, self._ctx.today())
        except (RecordInvalid, rules.LoanRefused) as exc:
            raise ValidationFailed(FieldError("due_date", str(exc))) from exc
        if not purpose.strip():
            raise ValidationFailed(FieldError("purpose", "is required"))
        scope = self._ctx.scope_of(actor)
        loan_id = new_id()
        now = self._ctx.clock.now()
        with self._ctx.uow_factory() as uow:
            record = ArchiveRecords(uow.session).get(record_id)
            if record is None or not may_read(
                scope, record.security_class, record.department_code, record.readers
            ):
                raise NotFound("no such archive record")
            if record.state == DESTROYED:
                raise PreconditionFailed("the record was destroyed; it cannot be lent")
            self._refuse_if_held(uow, record_id)
            values = {
                "id": loan_id,
                "record_id": record_id,
                "record_number": record.number,
                "borrower": actor.username,
                "purpose": purpose.strip(),
                "due_date": due.isoformat(),
                "state": rules.PENDING,
                "approval_id": "",
                "applied_at": now,
                "checked_out_by": "",
                "returned_by": "",
                "overdue": False,
            }
            try:
                with uow.savepoint():
                    LoanRows(uow.session).add_row(values)
            except DbIntegrityError as exc:
                raise Conflict("the record is already on loan or requested") from exc
            # The approval starts after this commit, from a timer (issue 11 item 6).
            self._ctx.timers().schedule(
                uow.session,
                START_APPROVAL_TIMER,
                f"approval:loan:{loan_id}",
                now,
                {"kind": "loan", "id": loan_id},
            )
            self._changed(uow, values, actor.username, "archives.loan.applied")
            uow.commit()
        return self.get(actor, loan_id)

    def _refuse_if_held(self, uow: UnitOfWork, record_id: str) -> None:
        held = LoanRows(uow.session).holding_state(record_id)
        if held is not None:
            if held == rules.OUT:
                raise Conflict("the record is out on loan; it cannot be lent again until returned")
            raise Conflict("the record already has a loan waiting for approval or checkout")

    def _changed(self, uow: UnitOfWork, loan: dict[str, Any], actor: str, action: str) -> None:
        uow.emit(
            LOAN_CHANGED,
            loan["id"],
            events_pb2.LoanChanged(
                loan_id=loan["id"],
                record_id=loan["record_id"],
                borrower=loan["borrower"],
                state=loan["state"],
            ),
        )
        uow.audit(actor, action, "archive_loan", loan["id"], after=loan)

    def start_approval(self, uow: UnitOfWork, loan_id: str) -> None:
        loans = LoanRows(uow.session)
        loan = loans.get(loan_id)
        if loan is None or loan.approval_id or loan.state != rules.PENDING:
            return
        record = ArchiveRecords(uow.session).one(loan.record_id)
        request = ApprovalRequest(
            template="archive_loan",
            subject=f"借阅档案 {loan.record_number} {record.title}"[:200],
            payload={
                "record_id": loan.record_id,
                "record_number": loan.record_number,
                "purpose": loan.purpose,
                "due_date": loan.due_date,
                "security_class": record.security_class,
            },
            requester_username=loan.borrower,
            source_ref=f"loan:{loan.id}",
        )
        try:
            approval_id = self._ctx.approvals.start(request)
        except ValidationFailed as exc:
            self._decide(uow, loan_id, "", "rejected", actor="archives")
            notify(
                uow,
                [loan.borrower],
                "archive_loan_rejected",
                f"档案借阅申请未能提交：{loan.record_number}",
                str(exc),
                f"archives/loans/{loan.id}",
            )
            return
        loans.change(loan_id, {"approval_id": approval_id})

    def decided(self, uow: UnitOfWork, loan_id: str, approval_id: str, outcome: str) -> None:
        """The archive_loan approval ended (D-06)."""
        self._decide(uow, loan_id, approval_id, outcome, actor="archives")

    def _decide(
        self, uow: UnitOfWork, loan_id: str, approval_id: str, outcome: str, actor: str
    ) -> None:
        loans = LoanRows(uow.session)
        loan = loans.get(loan_id)
        if loan is None or loan.state != rules.PENDING:
            return
        state = rules.APPROVED if outcome == "approved" else rules.REJECTED
        changes: dict[str, Any] = {"state": state}
        if approval_id:
            changes["approval_id"] = approval_id
        loans.change(loan_id, changes)
        view = {**row_dict(loan), **changes}
        self._changed(uow, view, actor, f"archives.loan.{state}")
        ref = f"archives/loans/{loan_id}"
        if state == rules.APPROVED:
            notify(
                uow,
                [loan.borrower],
                "archive_loan_approved",
                f"档案借阅已批准：{loan.record_number}",
                f"请到档案室办理借出，归还日期 {loan.due_date}。",
                ref,
            )
            notify(
                uow,
                self._ctx.archivists(),
                "archive_loan_checkout",
                f"待办理借出：{loan.record_number}",
                f"借阅人 {loan.borrower}，归还日期 {loan.due_date}。",
                ref,
            )
        else:
            notify(
                uow,
                [loan.borrower],
                "archive_loan_rejected",
                f"档案借阅未获批准：{loan.record_number}",
                f"审批结果：{outcome}",
                ref,
            )

    def _archivist_transition(
        self, actor: Identity, loan_id: str, target: str, note: str
    ) -> dict[str, Any]:
        if not (actor.is_service or actor.has_role(ARCHIVIST_ROLE)):
            raise PermissionDenied("only archivists (secretariat) register loans out and in")
        now = self._ctx.clock.now()
        with self._ctx.uow_factory() as uow:
            loans = LoanRows(uow.session)
            loan = loans.get(loan_id)
            if loan is None:
                raise NotFound("no such loan")
            try:
                rules.check_transition(loan.state, target)
            except rules.LoanRefused as exc:
                raise PreconditionFailed(str(exc)) from exc
            due = date.fromisoformat(loan.due_date)
            timers = self._ctx.timers()
            if target == rules.OUT:
                changes: dict[str, Any] = {
                    "state": rules.OUT,
                    "checked_out_at": now,
                    "checked_out_by": actor.username,
                }
                payload = {"loan_id": loan_id}
                timers.schedule(
                    uow.session,
                    DUE_TIMER,
                    f"loan-due:{loan_id}",
                    rules.reminder_at(due, self._ctx.zone),
                    payload,
                )
                timers.schedule(
                    uow.session,
                    OVERDUE_TIMER,
                    f"loan-overdue:{loan_id}",
                    rules.overdue_at(due, self._ctx.zone),
                    payload,
                )
            else:
                changes = {
                    "state": rules.RETURNED,
                    "returned_at": now,
                    "returned_by": actor.username,
                }
                timers.cancel(uow.session, f"loan-due:{loan_id}", now)
                timers.cancel(uow.session, f"loan-overdue:{loan_id}", now)
                on_time = self._ctx.today() <= due
                uow.after_commit(
                    lambda: metrics.LOANS_RETURNED.labels("met" if on_time else "breached").inc()
                )
            loans.change(loan_id, changes)
            view = {**row_dict(loan), **changes, "note": note}
            self._changed(uow, view, actor.username, f"archives.loan.{changes['state']}")
            uow.commit()
        return self.get(actor, loan_id)

    def checkout(self, actor: Identity, loan_id: str, note: str = "") -> dict[str, Any]:
        return self._archivist_transition(actor, loan_id, rules.OUT, note)

    def give_back(self, actor: Identity, loan_id: str, note: str = "") -> dict[str, Any]:
        return self._archivist_transition(actor, loan_id, rules.RETURNED, note)

    # -- timers (X-05) ------------------------------------------------------------

    def _out_loan(self, uow: UnitOfWork, firing: TimerFiring) -> Any:
        loan_id = str(firing.payload.get("loan_id", ""))
        loan = LoanRows(uow.session).get(loan_id)
        if loan is None or loan.state != rules.OUT:
            return None
        return loan

    def on_due_reminder(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        loan = self._out_loan(uow, firing)
        if loan is None:
            return
        uow.emit(
            LOAN_DUE_REMINDER,
            loan.id,
            events_pb2.LoanOverdue(
                loan_id=loan.id,
                record_id=loan.record_id,
                borrower=loan.borrower,
                due_date=loan.due_date,
            ),
        )
        notify(
            uow,
            [loan.borrower],
            "archive_loan_due",
            f"借阅档案今天到期：{loan.record_number}",
            f"请于今天（{loan.due_date}）归还档案。",
            f"archives/loans/{loan.id}",
        )
        uow.after_commit(lambda: metrics.LOAN_TIMERS.labels("due_reminder").inc())

    def on_overdue(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        loan = self._out_loan(uow, firing)
        if loan is None:
            return
        head = self._head_of(loan.borrower)
        LoanRows(uow.session).change(loan.id, {"overdue": True})
        uow.emit(
            LOAN_OVERDUE,
            loan.id,
            events_pb2.LoanOverdue(
                loan_id=loan.id,
                record_id=loan.record_id,
                borrower=loan.borrower,
                escalated_to=head,
                due_date=loan.due_date,
            ),
        )
        uow.audit(
            "archives",
            "archives.loan.overdue",
            "archive_loan",
            loan.id,
            after={"escalated_to": head},
        )
        ref = f"archives/loans/{loan.id}"
        notify(
            uow,
            [loan.borrower],
            "archive_loan_overdue",
            f"借阅档案已逾期：{loan.record_number}",
            f"归还日期 {loan.due_date} 已过，请尽快归还。",
            ref,
        )
        if head and head != loan.borrower:
            notify(
                uow,
                [head],
                "archive_loan_overdue",
                f"部门人员借阅档案逾期：{loan.record_number}",
                f"{loan.borrower} 借阅的档案已超过归还日期 {loan.due_date}。",
                ref,
            )
        uow.after_commit(lambda: metrics.LOAN_TIMERS.labels("overdue").inc())

    def _head_of(self, username: str) -> str:
        person = self._ctx.directory.person(username)
        if person is None:
            return ""
        department = self._ctx.directory.department(person.department_code)
        head = department.head_username if department else ""
        if not head or head == username:
            return person.superior_username or (
                department.supervising_leader_username if department else ""
            )
        return head

    # -- reads -------------------------------------------------------------------

    def get(self, actor: Identity, loan_id: str) -> dict[str, Any]:
        with self._ctx.db.reading() as session:
            loan = LoanRows(session).get(loan_id)
        if loan is None or not (
            actor.is_service or actor.username == loan.borrower or actor.has_role(ARCHIVIST_ROLE)
        ):
            raise NotFound("no such loan")
        return _loan_view(loan)

    def list_for(
        self, actor: Identity, borrower: str, page_number: int, page_size: int
    ) -> tuple[list[dict[str, Any]], int, int, int]:
        who = borrower or actor.username
        if who != actor.username and not actor.has_role(ARCHIVIST_ROLE):
            return (
                [],
                0,
                page_of(page_number, page_size).page,
                page_of(page_number, page_size).page_size,
            )
        return self._page(
            lambda loans, page: loans.page_of_borrower(who, page), page_number, page_size
        )

    def list_of_record(
        self, actor: Identity, record_id: str, page_number: int, page_size: int
    ) -> tuple[list[dict[str, Any]], int, int, int]:
        scope = self._ctx.scope_of(actor)
        with self._ctx.db.reading() as session:
            record = ArchiveRecords(session).get(record_id)
        if record is None or not may_read(
            scope, record.security_class, record.department_code, record.readers
        ):
            raise NotFound("no such archive record")
        return self._page(
            lambda loans, page: loans.page_of_record(record_id, page), page_number, page_size
        )

    def _page(
        self,
        rows_of: Callable[[LoanRows, Page], tuple[list[Any], int]],
        page_number: int,
        page_size: int,
    ) -> tuple[list[dict[str, Any]], int, int, int]:
        page = page_of(page_number, page_size)
        with self._ctx.db.reading() as session:
            rows, total = rows_of(LoanRows(session), page)
        return [_loan_view(r) for r in rows], total, page.page, page.page_size
