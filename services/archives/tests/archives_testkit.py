"""Test kit of the archives service: fake Directory, approval engine and
documents service, people, and a harness wired like the real service."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf.message import Message

from archives.adapters.orm import platform
from archives.adapters.seal_check import canonical_json
from archives.adapters.vault import Vault
from archives.bootstrap import MIGRATIONS, timer_handlers
from archives.service_layer.climate import Climate
from archives.service_layer.common import Context
from archives.service_layer.destruction import Destructions
from archives.service_layer.loans import Loans
from archives.service_layer.outcomes import ApprovalOutcomes
from archives.service_layer.ports import (
    ArchivedDocument,
    SealedFile,
)
from archives.service_layer.records import CopyInput, CreateRecord, Records
from archives.service_layer.stocktake import StockTakes
from secretariat.common.v1 import notice_pb2
from secretariat_shared.clock import ManualClock
from secretariat_shared.db import Database
from secretariat_shared.events import ReceivedEvent, make_envelope
from secretariat_shared.identity import Identity
from secretariat_shared.test_databases import migrate_test_database
from secretariat_shared.testing import FakeApprovals, notices_in, outbox_events, person
from secretariat_shared.testing import FakeDirectory as SharedFakeDirectory
from secretariat_shared.timers import TimerScheduler
from secretariat_shared.uow import UnitOfWork

HR_STAFF = person("hr.staff", "HR")
HR_HEAD = person("hr.head", "HR", "employee", heads=("HR",))
FIN_STAFF = person("fin.staff", "FIN")
ARCHIVIST = person("sec.archivist", "SEC", "employee", "secretariat")
LEADER = person("leader.li", "", "leader")
SUPERVISOR = person("leader.wang", "", "supervising_leader", supervises=("HR",))
SENSOR = Identity(username="sensor-gateway", kind="service")


class FakeDirectory(SharedFakeDirectory):
    """The archive's small organisation: HR, FIN and SEC, the archivist in SEC."""

    def __init__(self) -> None:
        super().__init__(demo=False)
        self.add_department("HR", "人力资源部", "hr.head", "leader.wang")
        self.add_department("FIN", "财务部", "fin.head")
        self.add_department("SEC", "秘书处", "sec.head")
        for name, dept, superior in [
            ("hr.staff", "HR", "hr.head"),
            ("hr.head", "HR", "leader.wang"),
            ("fin.staff", "FIN", "fin.head"),
            ("sec.archivist", "SEC", "sec.head"),
        ]:
            self.add_person(name, dept, superior)
        self.roles["secretariat"] = ["sec.archivist"]


class FakeDocuments:
    """Documents and seals as the documents service would serve them."""

    def __init__(self) -> None:
        self.docs: dict[str, ArchivedDocument] = {}
        self.seals: dict[str, SealedFile] = {}
        self._key = Ed25519PrivateKey.generate()
        self.calls = 0

    def document(self, document_id: str) -> ArchivedDocument:
        self.calls += 1
        return self.docs[document_id]

    def seal(self, approval_id: str) -> SealedFile:
        self.calls += 1
        return self.seals[approval_id]

    def add_seal(self, approval_id: str, content: dict[str, Any]) -> SealedFile:
        digest = hashlib.sha256(canonical_json(content)).digest()
        signature = base64.b64encode(self._key.sign(digest)).decode()
        pem = (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        file = canonical_json(
            {
                "sealed": content,
                "seal": {"content_sha256": digest.hex(), "signature": signature, "public_key": pem},
            }
        )
        sealed = SealedFile(
            f"seal-{approval_id}",
            approval_id,
            file,
            f"approval-{approval_id}-sealed.json",
            digest.hex(),
            signature,
            pem,
        )
        self.seals[approval_id] = sealed
        return sealed


def event_of(event_type: str, subject: str, payload: Message, when: datetime) -> ReceivedEvent:
    envelope = make_envelope(event_type, "documents", subject, payload, when)
    return ReceivedEvent.from_bytes(envelope.SerializeToString())


@dataclass
class Harness:
    db: Database
    clock: ManualClock
    directory: FakeDirectory
    approvals: FakeApprovals
    documents: FakeDocuments
    ctx: Context
    records: Records
    loans: Loans
    climate: Climate
    stock_takes: StockTakes
    destructions: Destructions
    outcomes: ApprovalOutcomes
    scheduler: TimerScheduler

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, platform, "archives", self.clock)

    def deliver(self, handler: Any, event: ReceivedEvent) -> None:
        with self.uow() as uow:
            handler(uow, event)
            uow.commit()

    def decide(self, source_ref: str, outcome: str = "approved") -> None:
        event = self.approvals.completed(source_ref, "archives", self.clock.now(), outcome)
        self.deliver(self.outcomes.on_approval_completed, event)

    def fire_timers(self) -> int:
        return self.scheduler.run_once()

    def outbox(self) -> list[tuple[str, ReceivedEvent]]:
        return outbox_events(self.db, platform)

    def event_types(self) -> list[str]:
        return [t for t, _ in self.outbox()]

    def notices(self, kind: str | None = None) -> list[notice_pb2.Notice]:
        return notices_in(self.outbox(), "archives", kind)

    def advance(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta).total_seconds())

    def add_record(
        self,
        number: str,
        title: str = "关于做好年终总结工作的通知",
        dept: str = "HR",
        security_class: str = "public",
        retention: str = "10y",
        document_date: str = "2026-01-15",
        paper: bool = True,
        content: bytes | None = None,
        readers: list[str] | None = None,
        type_code: str = "04",
    ) -> dict[str, Any]:
        from archives.domain.records import Shelf

        copy = CopyInput(content, f"{number}.txt", "text/plain") if content is not None else None
        return self.records.create(
            ARCHIVIST,
            CreateRecord(
                number=number,
                title=title,
                type_code=type_code,
                department_code=dept,
                security_class=security_class,
                retention=retention,
                document_date=document_date,
                shelf=Shelf("R1", "C1", "S1", "B1") if paper else Shelf(),
                copy=copy,
                readers=readers or [],
            ),
        )


def make_harness(database_url: str, start: datetime | None = None) -> Harness:
    migrate_test_database(MIGRATIONS, database_url)
    db = Database(database_url)
    # Monday 2026-03-02 09:00 Beijing time.
    clock = ManualClock(start or datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    directory = FakeDirectory()
    approvals = FakeApprovals()
    documents = FakeDocuments()

    def uow() -> UnitOfWork:
        return UnitOfWork(db, platform, "archives", clock)

    vault = Vault({"k1": b"0" * 32}, "k1")
    ctx = Context(uow, db, clock, directory, approvals, documents, vault)
    records = Records(ctx)
    loans = Loans(ctx)
    destructions = Destructions(ctx)
    outcomes = ApprovalOutcomes(loans, destructions)
    scheduler = TimerScheduler(
        db, platform, clock, timer_handlers(loans, outcomes), uow, "archives"
    )
    return Harness(
        db,
        clock,
        directory,
        approvals,
        documents,
        ctx,
        records,
        loans,
        Climate(ctx),
        StockTakes(ctx),
        destructions,
        outcomes,
        scheduler,
    )


__all__ = ["json"]
