"""The documents service's unit of work: the shared one plus its repository."""

from __future__ import annotations

from documents.adapters.repository import DocumentRepository
from secretariat_shared.uow import UnitOfWork


class DocumentsUnitOfWork(UnitOfWork):
    @property
    def documents(self) -> DocumentRepository:
        return DocumentRepository(self.session)
