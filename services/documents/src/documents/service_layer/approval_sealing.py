"""The sealed final version of an approval (SPEC D-09): produced in the
completing transaction, fetched, and verified by anyone."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from documents.adapters.approval_repository import ApprovalRepository
from documents.adapters.seal_repository import Seals
from documents.adapters.seal_signer import SealSigner, signature_valid
from documents.domain.approvals.model import Approval
from documents.domain.approvals.seal import (
    SealRecord,
    Verdict,
    content_digest,
    sealed_content,
    sealed_file,
    verify_sealed_file,
)
from documents.service_layer.approval_common import approval_ref, visible
from secretariat.documents.v1 import events_pb2
from secretariat_shared.db import Database
from secretariat_shared.errors import FieldError, NotFound, ValidationFailed
from secretariat_shared.identity import Identity
from secretariat_shared.uow import UnitOfWork


def seal_approval(
    uow: UnitOfWork,
    approval: Approval,
    now: datetime,
    signer: SealSigner,
) -> None:
    """Produce the sealed final version in the completing transaction; announce it."""
    seal_id = str(uuid.uuid4())
    content = sealed_content(approval, seal_id, now, signer.name)
    digest = content_digest(content)
    signature = signer.sign(digest)
    record = SealRecord(
        id=seal_id,
        approval_id=approval.id,
        file=sealed_file(content, digest, signature, signer.public_key_pem),
        file_name=f"approval-{approval.id}-sealed.json",
        content_sha256=digest.hex(),
        signature_b64=signature,
        signer=signer.name,
        public_key_pem=signer.public_key_pem,
        sealed_at=now,
    )
    Seals(uow.session).add(record)
    approval.seal_id = seal_id
    event = events_pb2.ApprovalSealed(
        approval=approval_ref(approval),
        seal_id=seal_id,
        content_sha256=record.content_sha256,
        file_name=record.file_name,
    )
    event.sealed_at.FromDatetime(now)
    uow.emit("documents.approval.sealed", approval.id, event)
    uow.audit(
        "system",
        "seal_approval",
        "approval",
        approval.id,
        None,
        {"seal_id": seal_id, "content_sha256": record.content_sha256, "signer": record.signer},
    )


class ApprovalSeals:
    def __init__(self, db: Database, timezone: str = "Asia/Shanghai") -> None:
        self._db = db
        self._zone = ZoneInfo(timezone)

    _visible = staticmethod(visible)

    def get_seal(self, actor: Identity, approval_id: str) -> SealRecord:
        with self._db.reading() as session:
            repo = ApprovalRepository(session)
            approval = repo.get(approval_id)
            if approval is None or not self._visible(approval, actor):
                raise NotFound(f"approval {approval_id} not found")
            seal = Seals(session).of_approval(approval_id)
        if seal is None:
            raise NotFound(
                f"approval {approval_id} has no sealed version: it is {approval.status.value}"
            )
        return seal

    def verify_seal(self, actor: Identity, data: bytes) -> Verdict:
        """SPEC D-09: anyone can check that a sealed file is exactly what was sealed."""
        if not data:
            raise ValidationFailed(FieldError("file", "upload the sealed file to verify"))

        def find_seal(seal_id: str) -> SealRecord | None:
            with self._db.reading() as session:
                return Seals(session).get(seal_id)

        return verify_sealed_file(data, find_seal, signature_valid, self._zone)
