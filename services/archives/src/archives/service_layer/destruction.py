"""Retention expiry and destruction (SPEC A-06).

A destruction runs as an ``archive_destruction`` approval (D-06). On
approval each record's electronic copy is destroyed — the ciphertext and
its wrapped key are deleted, so nothing can decrypt it — and one permanent
row per record goes to ``destruction_records``, which database triggers
protect from any UPDATE or DELETE.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from archives.adapters.destruction_repositories import DestructionRecords
from archives.adapters.destruction_repositories import Destructions as DestructionRows
from archives.adapters.loan_repository import Loans
from archives.adapters.record_repositories import ArchiveRecords, Copies, DestroyedCopies
from archives.domain.records import ACTIVE, is_expired
from archives.service_layer import metrics
from archives.service_layer.common import START_APPROVAL_TIMER, Context, new_id, notify
from archives.service_layer.ports import ApprovalRequest
from archives.service_layer.records import require_archivist
from secretariat.archives.v1 import events_pb2
from secretariat_shared.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.roles import Role
from secretariat_shared.uow import UnitOfWork

DESTRUCTION_COMPLETED = "archives.destruction.completed"
READER_ROLES = (Role.SECRETARIAT.value, Role.DISCIPLINE.value, Role.OFFICE_DIRECTOR.value)
PENDING = "pending"
REJECTED = "rejected"
DONE = "destroyed"


class Destructions:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def request(
        self, actor: Identity, record_ids: list[str], reason: str, witnesses: list[str]
    ) -> dict[str, Any]:
        require_archivist(actor)
        if not reason.strip():
            raise ValidationFailed(FieldError("reason", "is required"))
        ids = list(dict.fromkeys(record_ids))
        if not ids:
            raise ValidationFailed(FieldError("record_ids", "name at least one record"))
        today = self._ctx.today()
        destruction_id = new_id()
        with self._ctx.uow_factory() as uow:
            rows = ArchiveRecords(uow.session).by_ids(ids)
            held = Loans(uow.session).held_among(ids)
            errors = []
            for i, record_id in enumerate(ids):
                row = rows.get(record_id)
                if row is None:
                    errors.append(FieldError(f"record_ids[{i}]", "no such archive record"))
                elif row.state != ACTIVE:
                    errors.append(FieldError(f"record_ids[{i}]", "is already destroyed"))
                elif not is_expired(row.retention, date.fromisoformat(row.document_date), today):
                    errors.append(
                        FieldError(
                            f"record_ids[{i}]", f"{row.number} is still within its retention"
                        )
                    )
                elif record_id in held:
                    errors.append(FieldError(f"record_ids[{i}]", f"{row.number} is on loan"))
            if errors:
                raise ValidationFailed(errors, "nothing was requested")
            now = self._ctx.clock.now()
            values = {
                "id": destruction_id,
                "state": PENDING,
                "reason": reason.strip(),
                "requested_by": actor.username,
                "requested_at": now,
                "approval_id": "",
                "witnesses": list(dict.fromkeys(w for w in witnesses if w)),
                "record_ids": ids,
                "destroyed_at": None,
            }
            DestructionRows(uow.session).add_row(values)
            self._ctx.timers().schedule(
                uow.session,
                START_APPROVAL_TIMER,
                f"approval:destruction:{destruction_id}",
                now,
                {"kind": "destruction", "id": destruction_id},
            )
            uow.audit(
                actor.username,
                "archives.destruction.requested",
                "archive_destruction",
                destruction_id,
                after=values,
            )
            uow.commit()
        return self.get(actor, destruction_id)

    def start_approval(self, uow: UnitOfWork, destruction_id: str) -> None:
        destructions = DestructionRows(uow.session)
        row = destructions.get(destruction_id)
        if row is None or row.approval_id or row.state != PENDING:
            return
        numbers = ArchiveRecords(uow.session).numbers_of(row.record_ids)
        request = ApprovalRequest(
            template="archive_destruction",
            subject=f"档案销毁 {len(numbers)} 件：{'、'.join(sorted(numbers))}"[:200],
            payload={"record_ids": list(row.record_ids), "reason": row.reason},
            requester_username=row.requested_by,
            source_ref=f"destruction:{destruction_id}",
        )
        try:
            approval_id = self._ctx.approvals.start(request)
        except ValidationFailed:
            self.decided(uow, destruction_id, "", "rejected")
            return
        destructions.change(destruction_id, {"approval_id": approval_id})

    def decided(self, uow: UnitOfWork, destruction_id: str, approval_id: str, outcome: str) -> None:
        session = uow.session
        destructions = DestructionRows(session)
        row = destructions.get(destruction_id)
        if row is None or row.state != PENDING:
            return
        approval = approval_id or row.approval_id
        if outcome != "approved":
            destructions.change(destruction_id, {"state": REJECTED, "approval_id": approval})
            uow.audit(
                "archives", "archives.destruction.rejected", "archive_destruction", destruction_id
            )
            return
        now = self._ctx.clock.now()
        destroyed = []
        records, copies = ArchiveRecords(session), Copies(session)
        for record_id in row.record_ids:
            record = records.get(record_id)
            if record is None or record.state != ACTIVE:
                continue
            blob = copies.summary_of(record_id)
            sha = ""
            if blob is not None:
                sha = blob.sha256
                DestroyedCopies(session).add_row(
                    {
                        "record_id": record_id,
                        "sha256": blob.sha256,
                        "size": blob.size,
                        "file_name": blob.file_name,
                        "content_type": blob.content_type,
                    }
                )
                copies.shred(record_id)
            records.mark_destroyed(record_id)
            DestructionRecords(session).add_row(
                {
                    "destruction_id": destruction_id,
                    "record_id": record_id,
                    "number": record.number,
                    "title": record.title,
                    "copy_sha256": sha,
                    "reason": row.reason,
                    "approval_id": approval,
                    "requested_by": row.requested_by,
                    "witnesses": list(row.witnesses),
                    "destroyed_at": now,
                }
            )
            destroyed.append(record_id)
        destructions.change(
            destruction_id, {"state": DONE, "approval_id": approval, "destroyed_at": now}
        )
        stamp = Timestamp()
        stamp.FromDatetime(now)
        uow.emit(
            DESTRUCTION_COMPLETED,
            destruction_id,
            events_pb2.DestructionCompleted(
                destruction_id=destruction_id, record_ids=destroyed, destroyed_at=stamp
            ),
        )
        uow.audit(
            "archives",
            "archives.destruction.completed",
            "archive_destruction",
            destruction_id,
            after={"records": destroyed, "approval_id": approval, "witnesses": list(row.witnesses)},
        )
        notify(
            uow,
            [row.requested_by, *row.witnesses],
            "archive_destruction_done",
            f"档案销毁已完成：{len(destroyed)} 件",
            row.reason,
            f"archives/destructions/{destruction_id}",
        )
        count = len(destroyed)
        uow.after_commit(lambda: metrics.DESTROYED_COPIES.inc(count))

    def get(self, actor: Identity, destruction_id: str) -> dict[str, Any]:
        if not (actor.is_service or actor.has_role(*READER_ROLES)):
            raise PermissionDenied("only archivists, the discipline office and the office director")
        with self._ctx.db.reading() as session:
            row = DestructionRows(session).get(destruction_id)
            if row is None:
                raise NotFound("no such destruction")
            permanent = DestructionRecords(session).of_destruction(destruction_id)
            records = ArchiveRecords(session).by_ids(row.record_ids)
        listed = []
        for record_id in row.record_ids:
            kept = permanent.get(record_id)
            if kept is not None:
                listed.append(
                    {
                        "record_id": record_id,
                        "number": kept.number,
                        "title": kept.title,
                        "copy_sha256": kept.copy_sha256,
                    }
                )
            elif record_id in records:
                r = records[record_id]
                listed.append(
                    {
                        "record_id": record_id,
                        "number": r.number,
                        "title": r.title,
                        "copy_sha256": "",
                    }
                )
        return {
            "id": row.id,
            "state": row.state,
            "reason": row.reason,
            "requested_by": row.requested_by,
            "requested_at": row.requested_at,
            "approval_id": row.approval_id,
            "witnesses": list(row.witnesses),
            "records": listed,
            "destroyed_at": row.destroyed_at,
        }
