"""Archive records (SPEC A-01) and their retrieval (A-02).

Records come from the D-05 archive step (``documents.document.archived``),
from sealed approvals (``documents.approval.sealed``, D-09), by hand and by
bulk import. Each is created once: a record remembers its source and a
redelivered event finds it.
"""

from __future__ import annotations

import hashlib
import html
import time
from dataclasses import dataclass, field
from typing import Any

from archives.adapters.loan_repository import Loans
from archives.adapters.record_repositories import ArchiveRecords, Copies, DestroyedCopies
from archives.adapters.seal_check import seal_intact
from archives.adapters.search import Filters, facet_tokens, index_record, search
from archives.adapters.segmenter import index_tokens, query_terms
from archives.adapters.vault import IntegrityError, SealedBlob
from archives.domain import records as domain
from archives.domain.access import PUBLIC, may_read
from archives.domain.importing import parse_rows
from archives.domain.records import NewRecord, RecordInvalid, Shelf
from archives.domain.search_text import highlight
from archives.service_layer import metrics
from archives.service_layer.common import ARCHIVIST_ROLE, Context, new_id, row_dict
from secretariat.archives.v1 import events_pb2
from secretariat.documents.v1 import events_pb2 as documents_events
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.identity import Identity
from secretariat_shared.paging import page_of
from secretariat_shared.spreadsheets import UnreadableFile, read_rows
from secretariat_shared.table_repository import Session
from secretariat_shared.uow import UnitOfWork

RECORD_CREATED = "archives.record.created"
MAX_COPY_BYTES = 20 * 1024 * 1024
# Personal approvals are confidential to the requester.
PERSONAL_TEMPLATES = frozenset({"leave", "expense", "appraisal_appeal", "job_transfer"})
TEMPLATE_TYPES = {"contract": "03", "document_release": "04"}
LONG_RETENTION_TEMPLATES = frozenset({"contract", "archive_destruction"})


@dataclass(frozen=True)
class CopyInput:
    content: bytes
    file_name: str
    content_type: str = "application/octet-stream"
    expected_sha256: str = ""


@dataclass
class CreateRecord:
    number: str
    title: str
    type_code: str
    department_code: str
    security_class: str
    retention: str
    document_date: str
    shelf: Shelf = field(default_factory=Shelf)
    copy: CopyInput | None = None
    readers: list[str] = field(default_factory=list)
    important: bool = False


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    number: str = ""
    department_code: str = ""
    type_code: str = ""
    security_class: str = ""
    date_from: str = ""
    date_to: str = ""
    page: int = 0
    page_size: int = 0


@dataclass(frozen=True)
class RecordCopy:
    content: bytes
    file_name: str
    content_type: str
    sha256: str


def require_archivist(actor: Identity) -> None:
    if not (actor.is_service or actor.has_role(ARCHIVIST_ROLE)):
        raise PermissionDenied("only archivists (secretariat) may do this")


class Records:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    # -- creation ----------------------------------------------------------------

    def create(self, actor: Identity, cmd: CreateRecord) -> dict[str, Any]:
        """Register a record by hand (A-01). Archivists only."""
        require_archivist(actor)
        try:
            new = NewRecord(
                number=cmd.number.strip(),
                title=cmd.title.strip(),
                type_code=cmd.type_code,
                department_code=cmd.department_code.strip(),
                security_class=cmd.security_class,
                retention=cmd.retention,
                document_date=domain.parse_date(cmd.document_date, "document_date"),
                origin="manual",
                shelf=cmd.shelf,
                readers=list(dict.fromkeys(r for r in cmd.readers if r)),
                important=cmd.important,
            )
            domain.validate(new)
        except RecordInvalid as exc:
            raise ValidationFailed(FieldError(exc.field, str(exc))) from exc
        copy = cmd.copy
        if copy is not None:
            if len(copy.content) > MAX_COPY_BYTES:
                raise ValidationFailed(FieldError("copy_content", "is larger than 20 MB"))
            actual = hashlib.sha256(copy.content).hexdigest()
            if copy.expected_sha256 and copy.expected_sha256 != actual:
                raise ValidationFailed(
                    FieldError(
                        "copy_sha256",
                        f"does not match the uploaded copy (its SHA-256 is {actual})",
                    )
                )
        if new.important and (copy is None or not new.shelf.is_set):
            raise ValidationFailed(
                FieldError(
                    "important",
                    "an important document keeps both an electronic copy and a shelf location",
                )
            )
        if not new.shelf.is_set and copy is None:
            raise ValidationFailed(
                FieldError("shelf", "a record needs an electronic copy or a shelf location")
            )
        with self._ctx.uow_factory() as uow:
            record_id = self._insert(uow, new, copy, actor.username)
            uow.commit()
        # The archivist who registers the record owns that step and sees the answer.
        with self._ctx.db.reading() as session:
            return self._view(session, ArchiveRecords(session).one(record_id))

    def import_file(self, actor: Identity, data: bytes) -> list[str]:
        """Bulk import (A-01): all rows or none; every bad row is reported."""
        require_archivist(actor)
        try:
            rows = read_rows(data)
        except UnreadableFile as exc:
            raise ValidationFailed(FieldError("file", str(exc))) from exc
        new_records, errors = parse_rows(rows)
        field_errors = [FieldError(f"rows[{e.row}].{e.field}", e.message) for e in errors]
        if not new_records and not field_errors:
            field_errors.append(FieldError("file", "has no data rows"))
        with self._ctx.db.reading() as session:
            taken = ArchiveRecords(session).numbers_taken(r.number for r in new_records)
        for index, record in enumerate(new_records):
            if record.number in taken:
                field_errors.append(
                    FieldError(
                        f"rows[{_row_of(rows, record.number, index)}].number", "already archived"
                    )
                )
        if field_errors:
            raise ValidationFailed(field_errors, "the import has bad rows; nothing was imported")
        with self._ctx.uow_factory() as uow:
            ids = [self._insert(uow, record, None, actor.username) for record in new_records]
            uow.commit()
        return ids

    def _insert(self, uow: UnitOfWork, new: NewRecord, copy: CopyInput | None, actor: str) -> str:
        session = uow.session
        records = ArchiveRecords(session)
        if records.number_taken(new.number):
            raise Conflict(f"a record numbered {new.number} is already archived")
        record_id = new_id()
        now = self._ctx.clock.now()
        until = domain.retention_until(new.retention, new.document_date)
        values = {
            "id": record_id,
            "number": new.number,
            "title": new.title,
            "type_code": new.type_code,
            "department_code": new.department_code,
            "security_class": new.security_class,
            "retention": new.retention,
            "document_date": new.document_date.isoformat(),
            "retention_until": until.isoformat() if until else None,
            "archived_at": now,
            "origin": new.origin,
            "source_ref": new.source_ref or None,
            "seal_sha256": new.seal_sha256,
            "seal_signature": "",
            "seal_public_key": "",
            "storeroom": new.shelf.storeroom,
            "cabinet": new.shelf.cabinet,
            "shelf": new.shelf.shelf,
            "box": new.shelf.box,
            "state": domain.ACTIVE,
            "readers": new.readers,
            "important": new.important,
            "search_text": index_tokens(new.title, new.number),
            "facets": facet_tokens(new.department_code, new.type_code, new.security_class),
        }
        records.add(values, new.readers)
        index_record(session, record_id, str(values["search_text"]), str(values["facets"]))
        if copy is not None:
            self._store_copy(session, record_id, copy)
        uow.emit(
            RECORD_CREATED,
            record_id,
            events_pb2.RecordCreated(
                record_id=record_id,
                number=new.number,
                origin=new.origin,
                source_ref=new.source_ref,
            ),
        )
        uow.audit(
            actor,
            "archives.record.created",
            "archive_record",
            record_id,
            after={k: v for k, v in values.items() if k not in ("search_text", "facets")},
        )
        uow.after_commit(lambda: metrics.RECORDS_CREATED.labels(new.origin).inc())
        return record_id

    def _store_copy(self, session: Session, record_id: str, copy: CopyInput) -> None:
        blob = self._ctx.vault.seal(record_id, copy.content)
        Copies(session).add_row(
            {
                "record_id": record_id,
                "kek_id": blob.kek_id,
                "wrapped_key": blob.wrapped_key,
                "nonce": blob.nonce,
                "ciphertext": blob.ciphertext,
                "sha256": blob.sha256,
                "size": blob.size,
                "file_name": copy.file_name or "copy.bin",
                "content_type": copy.content_type or "application/octet-stream",
                "created_at": self._ctx.clock.now(),
            }
        )

    def set_shelf(self, actor: Identity, record_id: str, shelf: Shelf) -> dict[str, Any]:
        """A-01: where the paper copy is kept (dual track)."""
        require_archivist(actor)
        if not shelf.is_set:
            raise ValidationFailed(FieldError("shelf.storeroom", "is required"))
        with self._ctx.uow_factory() as uow:
            records = ArchiveRecords(uow.session)
            row = records.get(record_id)
            if row is None:
                raise NotFound("no such archive record")
            if row.state != domain.ACTIVE:
                raise PreconditionFailed("the record was destroyed")
            before = {k: getattr(row, k) for k in ("storeroom", "cabinet", "shelf", "box")}
            after = {
                "storeroom": shelf.storeroom,
                "cabinet": shelf.cabinet,
                "shelf": shelf.shelf,
                "box": shelf.box,
            }
            records.change(record_id, after)
            uow.audit(
                actor.username,
                "archives.record.shelved",
                "archive_record",
                record_id,
                before,
                after,
            )
            uow.commit()
        with self._ctx.db.reading() as session:
            return self._view(session, ArchiveRecords(session).one(record_id))

    # -- from events ---------------------------------------------------------------

    def on_document_archived(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """D-05's archive step ended: the document becomes a record, once."""
        payload = event.payload_as(documents_events.DocumentArchived)
        assert isinstance(payload, documents_events.DocumentArchived)
        if ArchiveRecords(uow.session).came_from("document", payload.document_id):
            return
        doc = self._ctx.documents.document(payload.document_id)
        body = doc.body.encode("utf-8")
        new = NewRecord(
            number=doc.number,
            title=doc.title,
            type_code=doc.type_code,
            department_code=doc.department_code,
            security_class=doc.security_class,
            retention=doc.retention,
            document_date=doc.registered_at.astimezone(self._ctx.zone).date(),
            origin="document",
            source_ref=doc.id,
            readers=list(doc.readers),
            important=doc.priority == "important",
        )
        self._insert(
            uow,
            new,
            CopyInput(body, f"{doc.number}.txt", "text/plain; charset=utf-8"),
            payload.archived_by or "archives",
        )

    def on_approval_sealed(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """A sealed approval (D-09) becomes a record with the sealed file as its
        copy; the seal's hash is kept and its signature checked now and on reads."""
        payload = event.payload_as(documents_events.ApprovalSealed)
        assert isinstance(payload, documents_events.ApprovalSealed)
        ref = payload.approval
        if ArchiveRecords(uow.session).came_from("seal", ref.approval_id):
            return
        sealed = self._ctx.documents.seal(ref.approval_id)
        if sealed.content_sha256 != payload.content_sha256 or not seal_intact(
            sealed.file, payload.content_sha256, sealed.signature_b64, sealed.public_key_pem
        ):
            raise IntegrityError(f"the sealed file of approval {ref.approval_id} does not verify")
        requester = self._ctx.directory.person(ref.requester)
        personal = ref.template in PERSONAL_TEMPLATES
        new = NewRecord(
            number=f"SEAL-{ref.approval_id}"[:60],
            title=ref.subject or sealed.file_name,
            type_code=TEMPLATE_TYPES.get(ref.template, "12"),
            department_code=requester.department_code if requester else "",
            security_class="confidential" if personal else "internal",
            retention="30y" if ref.template in LONG_RETENTION_TEMPLATES else "10y",
            document_date=payload.sealed_at.ToDatetime().date()
            if payload.HasField("sealed_at")
            else self._ctx.today(),
            origin="seal",
            source_ref=ref.approval_id,
            readers=[ref.requester] if ref.requester else [],
            seal_sha256=payload.content_sha256,
        )
        if not new.department_code:
            new.department_code = "-"
        record_id = self._insert(
            uow,
            new,
            CopyInput(sealed.file, sealed.file_name, "application/json; charset=utf-8"),
            "archives",
        )
        ArchiveRecords(uow.session).change(
            record_id,
            {"seal_signature": sealed.signature_b64, "seal_public_key": sealed.public_key_pem},
        )

    # -- reads ---------------------------------------------------------------------

    def _readable_row(self, session: Session, actor: Identity, record_id: str) -> Any:
        row = ArchiveRecords(session).get(record_id)
        if row is None or not (
            actor.is_service
            or may_read(
                self._ctx.scope_of(actor), row.security_class, row.department_code, row.readers
            )
        ):
            raise NotFound("no such archive record")
        return row

    def get(self, actor: Identity, record_id: str) -> dict[str, Any]:
        with self._ctx.db.reading() as session:
            row = self._readable_row(session, actor, record_id)
            view = self._view(session, row)
        if row.security_class != PUBLIC:
            self._audit_read(actor, "archives.record.read", record_id)
        return view

    def _audit_read(self, actor: Identity, action: str, record_id: str) -> None:
        """X-04: every classified read is recorded."""
        with self._ctx.uow_factory() as uow:
            uow.audit(actor.username, action, "archive_record", record_id)
            uow.commit()

    def copy(self, actor: Identity, record_id: str) -> RecordCopy:
        """The electronic copy, decrypted and checked against its SHA-256 (A-01)."""
        with self._ctx.db.reading() as session:
            row = self._readable_row(session, actor, record_id)
            blob = Copies(session).of_record(record_id)
        if blob is None:
            raise NotFound("this record has no electronic copy (paper only, or destroyed)")
        try:
            content = self._ctx.vault.open(
                record_id,
                SealedBlob(
                    blob.kek_id,
                    blob.wrapped_key,
                    blob.nonce,
                    blob.ciphertext,
                    blob.sha256,
                    blob.size,
                ),
            )
            if row.origin == "seal" and not seal_intact(
                content, row.seal_sha256, row.seal_signature, row.seal_public_key
            ):
                raise IntegrityError("the sealed file no longer matches its seal")
        except IntegrityError as exc:
            metrics.COPY_INTEGRITY_FAILURES.inc()
            raise PreconditionFailed(f"the stored copy failed its integrity check: {exc}") from exc
        self._audit_read(actor, "archives.copy.read", record_id)
        return RecordCopy(content, blob.file_name, blob.content_type, blob.sha256)

    def search(
        self, actor: Identity, query: SearchQuery
    ) -> tuple[list[dict[str, Any]], int, int, int]:
        """A-02: combined filters and Chinese keywords, X-03 inside the query."""
        started = time.perf_counter()
        page = page_of(query.page, query.page_size)
        terms = query_terms(query.q) if query.q.strip() else []
        words = [w for word, parts in terms for w in (word, *parts)]
        if query.q.strip() and not terms:
            return [], 0, page.page, page.page_size
        filters = Filters(
            terms=terms,
            number=query.number.strip(),
            department_code=query.department_code.strip(),
            type_code=query.type_code,
            security_class=query.security_class,
            date_from=query.date_from,
            date_to=query.date_to,
        )
        scope = self._ctx.scope_of(actor)
        with self._ctx.db.reading() as session:
            rows, total = search(session, scope, filters, page.offset, page.limit)
            views = self._views(session, [row for row, _ in rows])
            hits = []
            for (row, score), view in zip(rows, views, strict=True):
                marked, matched = highlight(row.title, words)
                hits.append(
                    {"record": view, "score": score, "highlight": marked, "matched_words": matched}
                )
        metrics.SEARCH_SECONDS.observe(time.perf_counter() - started)
        return hits, total, page.page, page.page_size

    def expiring(
        self, actor: Identity, as_of: str, page_number: int, page_size: int
    ) -> tuple[list[dict[str, Any]], int, int, int]:
        """A-06: active records whose retention ended on or before ``as_of``.

        Archivists see every expired record: reviewing them for destruction is
        their step (X-03, owning a step)."""
        require_archivist(actor)
        day = as_of or self._ctx.today().isoformat()
        if as_of:
            try:
                domain.parse_date(as_of, "as_of")
            except RecordInvalid as exc:
                raise ValidationFailed(FieldError(exc.field, str(exc))) from exc
        page = page_of(page_number, page_size)
        with self._ctx.db.reading() as session:
            rows, total = ArchiveRecords(session).expiring_page(day, page)
            hits = [
                {
                    "record": view,
                    "score": 0.0,
                    "highlight": html.escape(row.title),
                    "matched_words": [],
                }
                for row, view in zip(rows, self._views(session, rows), strict=True)
            ]
        return hits, total, page.page, page.page_size

    def _view(self, session: Session, row: Any) -> dict[str, Any]:
        return self._views(session, [row])[0]

    def _views(self, session: Session, rows: list[Any]) -> list[dict[str, Any]]:
        """Record views of a page, with three lookups for the whole page."""
        ids = [row.id for row in rows]
        if not ids:
            return []
        copies: dict[str, dict[str, Any]] = {
            c.record_id: {
                "file_name": c.file_name,
                "content_type": c.content_type,
                "size": c.size,
                "sha256": c.sha256,
                "destroyed": False,
            }
            for c in Copies(session).summaries_of(ids)
        }
        for c in DestroyedCopies(session).of_records(ids):
            copies.setdefault(
                c.record_id,
                {
                    "file_name": c.file_name,
                    "content_type": c.content_type,
                    "size": c.size,
                    "sha256": c.sha256,
                    "destroyed": True,
                },
            )
        out_on_loan = Loans(session).out_among(ids)
        return [self._record_view(row, copies.get(row.id), row.id in out_on_loan) for row in rows]

    @staticmethod
    def _record_view(row: Any, copy: dict[str, Any] | None, on_loan: bool) -> dict[str, Any]:
        record = row_dict(row)
        shelf = None
        if record["storeroom"]:
            shelf = {k: record[k] for k in ("storeroom", "cabinet", "shelf", "box")}
        return {
            "id": record["id"],
            "number": record["number"],
            "title": record["title"],
            "type_code": record["type_code"],
            "department_code": record["department_code"],
            "security_class": record["security_class"],
            "retention": record["retention"],
            "document_date": record["document_date"],
            "archived_at": record["archived_at"],
            "origin": record["origin"],
            "source_ref": record["source_ref"] or "",
            "copy": copy,
            "shelf": shelf,
            "seal_sha256": record["seal_sha256"],
            "retention_until": record["retention_until"] or "",
            "state": record["state"],
            "on_loan": on_loan,
            "readers": list(record["readers"] or []),
            "important": bool(record["important"]),
        }


def _row_of(rows: list[Any], number: str, fallback: int) -> int:
    for index, raw in enumerate(rows, start=1):
        if str(raw.get("number") or "").strip() == number:
            return index
    return fallback + 1
