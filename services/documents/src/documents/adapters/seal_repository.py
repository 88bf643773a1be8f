"""Loading and saving the sealed final versions of approvals (SPEC D-09)."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.orm import Session

from documents.adapters.approval_tables import approval_seals
from documents.domain.approvals.seal import SealRecord
from secretariat_shared.records import Records


class Seals(Records[SealRecord]):
    """Seals, one per completed approval, found by their own id or the approval's."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, approval_seals, SealRecord)

    def from_row(self, row: Any) -> SealRecord:
        # Drivers may hand binary columns back as a memoryview.
        seal = super().from_row(row)
        return dataclasses.replace(seal, file=bytes(seal.file))

    def of_approval(self, approval_id: str) -> SealRecord | None:
        found = self.find(self.table.c.approval_id == approval_id, limit=1)
        return found[0] if found else None
