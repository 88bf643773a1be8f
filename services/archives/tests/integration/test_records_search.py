"""A-01 records and A-02 search against a real database (X-03 inside the query)."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

import pytest
from archives_testkit import (
    ARCHIVIST,
    FIN_STAFF,
    HR_HEAD,
    HR_STAFF,
    LEADER,
    SUPERVISOR,
    Harness,
    event_of,
)
from google.protobuf.timestamp_pb2 import Timestamp
from openpyxl import Workbook
from sqlalchemy import func, select, update

from archives.adapters import orm
from archives.service_layer.ports import ArchivedDocument
from archives.service_layer.records import CopyInput, CreateRecord, SearchQuery
from secretariat.documents.v1 import events_pb2 as documents_events
from secretariat_shared.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)


def _count(h: Harness, table: object) -> int:
    with h.db.reading() as s:
        return int(s.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_a01_an_archived_document_becomes_one_record_with_its_encrypted_copy(
    harness: Harness,
) -> None:
    harness.documents.docs["doc-1"] = ArchivedDocument(
        id="doc-1",
        number="HR-2026-04-001",
        title="关于做好年终总结工作的通知",
        type_code="04",
        department_code="HR",
        security_class="internal",
        retention="10y",
        body="各部门：请于12月20日前提交年度总结。",
        registered_at=datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
        readers=["hr.clerk"],
    )
    payload = documents_events.DocumentArchived(
        document_id="doc-1", number="HR-2026-04-001", archived_by="sec.archivist"
    )
    event = event_of("documents.document.archived", "doc-1", payload, harness.clock.now())
    harness.deliver(harness.records.on_document_archived, event)
    harness.deliver(
        harness.records.on_document_archived,
        event_of("documents.document.archived", "doc-1", payload, harness.clock.now()),
    )
    assert _count(harness, orm.records) == 1
    hits, total, _, _ = harness.records.search(HR_STAFF, SearchQuery(q="总结"))
    assert total == 1
    record = hits[0]["record"]
    assert record["origin"] == "document"
    assert record["document_date"] == "2026-03-01"
    assert record["retention_until"] == "2036-03-01"
    with harness.db.reading() as s:
        blob = s.execute(select(orm.blobs)).one()
    assert "年度总结".encode() not in blob.ciphertext
    copy = harness.records.copy(HR_STAFF, record["id"])
    assert copy.content.decode() == "各部门：请于12月20日前提交年度总结。"
    assert copy.sha256 == hashlib.sha256(copy.content).hexdigest()
    assert "archives.record.created" in harness.event_types()


def test_a01_a_sealed_approval_is_kept_with_its_hash_and_reverified_on_read(
    harness: Harness,
) -> None:
    sealed = harness.documents.add_seal(
        "appr-9",
        {"format": "secretariat-seal/1", "approval": {"id": "appr-9"}, "content": "采购合同"},
    )
    stamp = Timestamp()
    stamp.FromDatetime(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    payload = documents_events.ApprovalSealed(
        approval=documents_events.ApprovalRef(
            approval_id="appr-9",
            template="contract",
            subject="办公楼保洁合同",
            requester="hr.staff",
        ),
        seal_id=sealed.seal_id,
        content_sha256=sealed.content_sha256,
        file_name=sealed.file_name,
        sealed_at=stamp,
    )
    harness.deliver(
        harness.records.on_approval_sealed,
        event_of("documents.approval.sealed", "appr-9", payload, harness.clock.now()),
    )
    hits, _, _, _ = harness.records.search(HR_STAFF, SearchQuery(q="保洁合同"))
    record = hits[0]["record"]
    assert record["seal_sha256"] == sealed.content_sha256
    assert record["retention"] == "30y"
    assert record["type_code"] == "03"
    assert harness.records.copy(HR_STAFF, record["id"]).content == sealed.file
    # Someone re-encrypts a doctored file under the right key: the seal check still catches it.
    doctored = sealed.file.replace("采购合同".encode(), "采购合同X".encode())
    blob = harness.ctx.vault.seal(record["id"], doctored)
    with harness.uow() as uow:
        uow.session.execute(
            update(orm.blobs)
            .where(orm.blobs.c.record_id == record["id"])
            .values(
                wrapped_key=blob.wrapped_key,
                nonce=blob.nonce,
                ciphertext=blob.ciphertext,
                sha256=blob.sha256,
            )
        )
        uow.commit()
    with pytest.raises(PreconditionFailed):
        harness.records.copy(HR_STAFF, record["id"])


def test_a01_a_copy_whose_hash_does_not_match_is_refused_and_changes_nothing(
    harness: Harness,
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        harness.records.create(
            ARCHIVIST,
            CreateRecord(
                number="HR-2019-01-001",
                title="旧制度",
                type_code="01",
                department_code="HR",
                security_class="internal",
                retention="30y",
                document_date="2019-05-01",
                copy=CopyInput(b"scan", "scan.pdf", "application/pdf", "0" * 64),
            ),
        )
    assert caught.value.errors[0].field == "copy_sha256"
    assert _count(harness, orm.records) == 0
    assert _count(harness, orm.blobs) == 0


def test_a01_a_tampered_stored_copy_fails_its_hash_check_on_read(harness: Harness) -> None:
    record = harness.add_record("HR-2019-01-002", content=b"original scan")
    with harness.uow() as uow:
        uow.session.execute(
            update(orm.blobs).where(orm.blobs.c.record_id == record["id"]).values(sha256="f" * 64)
        )
        uow.commit()
    with pytest.raises(PreconditionFailed):
        harness.records.copy(HR_STAFF, record["id"])


def test_a01_records_are_registered_by_archivists_only_and_numbers_are_unique(
    harness: Harness,
) -> None:
    harness.add_record("HR-2019-01-003")
    with pytest.raises(Conflict):
        harness.add_record("HR-2019-01-003")
    with pytest.raises(PermissionDenied):
        harness.records.create(
            HR_STAFF,
            CreateRecord("X-1", "t", "01", "HR", "public", "10y", "2020-01-01"),
        )


CSV_HEADER = "number,title,type_code,department_code,security_class,retention,document_date,storeroom,cabinet,shelf,box\n"


def test_a01_bulk_import_of_csv_is_all_or_nothing_with_a_per_row_report(harness: Harness) -> None:
    bad = CSV_HEADER + (
        "HR-2001-01-001,人事档案管理办法,01,HR,internal,30y,2001-03-01,R1,C1,S1,B1\n"
        ",缺编号的档案,01,HR,internal,30y,2001-03-01,R1,C1,S1,B2\n"
    )
    with pytest.raises(ValidationFailed) as caught:
        harness.records.import_file(ARCHIVIST, bad.encode())
    assert [e.field for e in caught.value.errors] == ["rows[2].number"]
    assert _count(harness, orm.records) == 0
    good = (
        CSV_HEADER + "HR-2001-01-001,人事档案管理办法,01,HR,internal,30y,2001-03-01,R1,C1,S1,B1\n"
    )
    ids = harness.records.import_file(ARCHIVIST, ("\ufeff" + good).encode())
    assert len(ids) == 1
    record = harness.records.get(HR_STAFF, ids[0])
    assert record["origin"] == "import"
    assert record["shelf"]["box"] == "B1"
    with pytest.raises(ValidationFailed) as again:
        harness.records.import_file(ARCHIVIST, good.encode())
    assert again.value.errors[0].field == "rows[1].number"


def test_a01_bulk_import_reads_excel(harness: Harness) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(CSV_HEADER.strip().split(","))
    sheet.append(
        [
            "FIN-1998-03-001",
            "财务合同汇编",
            3,
            "FIN",
            "internal",
            "10y",
            datetime(1998, 6, 1),
            "R2",
            "C1",
            "S1",
            "B1",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    ids = harness.records.import_file(ARCHIVIST, buffer.getvalue())
    record = harness.records.get(FIN_STAFF, ids[0])
    assert (record["type_code"], record["document_date"]) == ("03", "1998-06-01")


def test_a02_chinese_keyword_search_is_ranked_highlighted_and_combines_filters(
    harness: Harness,
) -> None:
    harness.add_record("HR-2026-04-001", "关于做好年终总结工作的通知", document_date="2026-01-05")
    harness.add_record(
        "HR-2026-02-001",
        "年终总结报告：总结经验，总结不足",
        type_code="02",
        document_date="2026-02-10",
    )
    harness.add_record("FIN-2026-02-001", "财务年终总结", dept="FIN", type_code="02")
    harness.add_record("HR-2026-08-001", "年度培训计划", type_code="08")
    hits, total, _, _ = harness.records.search(HR_STAFF, SearchQuery(q="总结"))
    assert total == 3
    assert hits[0]["record"]["number"] == "HR-2026-02-001"  # the word three times ranks first
    assert "<mark>总结</mark>" in hits[0]["highlight"]
    assert hits[0]["matched_words"] == ["总结"]
    _, total, _, _ = harness.records.search(HR_STAFF, SearchQuery(q="总结", department_code="HR"))
    assert total == 2
    hits, total, _, _ = harness.records.search(
        HR_STAFF,
        SearchQuery(
            q="总结",
            department_code="HR",
            type_code="02",
            date_from="2026-02-01",
            date_to="2026-02-28",
        ),
    )
    assert [h["record"]["number"] for h in hits] == ["HR-2026-02-001"]
    hits, _, _, _ = harness.records.search(HR_STAFF, SearchQuery(number="HR-2026-*"))
    assert {h["record"]["number"] for h in hits} == {
        "HR-2026-04-001",
        "HR-2026-02-001",
        "HR-2026-08-001",
    }
    hits, _, _, _ = harness.records.search(HR_STAFF, SearchQuery(number="HR-2026-04-001"))
    assert len(hits) == 1
    _, total, _, _ = harness.records.search(HR_STAFF, SearchQuery(q="不存在的词"))
    assert total == 0


def test_a02_class_department_and_date_filters_work_without_a_keyword(harness: Harness) -> None:
    harness.add_record("HR-A", "人事档案一", security_class="internal", document_date="2025-12-31")
    harness.add_record("HR-B", "人事档案二", security_class="internal", document_date="2026-01-10")
    harness.add_record("HR-C", "人事档案三", security_class="public", document_date="2026-01-20")
    harness.add_record("FIN-A", "财务档案", dept="FIN", document_date="2026-03-01")

    def numbers(query: SearchQuery) -> list[str]:
        hits, total, _, _ = harness.records.search(HR_HEAD, query)
        assert total == len(hits)
        return sorted(h["record"]["number"] for h in hits)

    assert numbers(SearchQuery(security_class="internal")) == ["HR-A", "HR-B"]
    assert numbers(SearchQuery(security_class="public", department_code="HR")) == ["HR-C"]
    assert numbers(SearchQuery(date_from="2026-01-01", date_to="2026-01-15")) == ["HR-B"]
    assert numbers(
        SearchQuery(security_class="internal", date_from="2026-01-01", department_code="HR")
    ) == ["HR-B"]


def test_x03_search_pages_and_totals_count_only_readable_records(harness: Harness) -> None:
    harness.add_record("HR-1", "年终总结 公开", security_class="public")
    harness.add_record("HR-2", "年终总结 内部", security_class="internal")
    harness.add_record("HR-3", "年终总结 机密", security_class="confidential")
    harness.add_record("HR-4", "年终总结 绝密", security_class="secret", readers=["fin.staff"])
    harness.add_record("FIN-1", "年终总结 财务内部", dept="FIN", security_class="internal")

    def numbers(who: object) -> tuple[int, set[str]]:
        hits, total, _, _ = harness.records.search(who, SearchQuery(q="总结", page_size=2))  # type: ignore[arg-type]
        every, _, _, _ = harness.records.search(who, SearchQuery(q="总结", page_size=100))  # type: ignore[arg-type]
        assert len(hits) == min(2, total)
        return total, {h["record"]["number"] for h in every}

    assert numbers(HR_STAFF) == (2, {"HR-1", "HR-2"})
    assert numbers(HR_HEAD) == (3, {"HR-1", "HR-2", "HR-3"})
    assert numbers(FIN_STAFF) == (3, {"HR-1", "HR-4", "FIN-1"})
    assert numbers(SUPERVISOR) == (3, {"HR-1", "HR-2", "HR-3"})
    assert numbers(LEADER) == (4, {"HR-1", "HR-2", "HR-3", "FIN-1"})
    secret_id = harness.records.search(FIN_STAFF, SearchQuery(number="HR-4"))[0][0]["record"]["id"]
    with pytest.raises(NotFound):
        harness.records.get(HR_HEAD, secret_id)
    assert harness.records.get(FIN_STAFF, secret_id)["number"] == "HR-4"


def test_x04_classified_reads_are_audited(harness: Harness) -> None:
    record = harness.add_record("HR-9", security_class="internal", content=b"x")
    harness.records.get(HR_STAFF, record["id"])
    harness.records.copy(HR_STAFF, record["id"])
    with harness.db.reading() as s:
        actions = (
            s.execute(
                select(orm.platform.audit_log.c.action).where(
                    orm.platform.audit_log.c.actor == "hr.staff"
                )
            )
            .scalars()
            .all()
        )
    assert actions == ["archives.record.read", "archives.copy.read"]


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04 not really a workbook", b"number,title\n\x00,\x00\n", b"\xff\xfe\xfa", b""],
)
def test_a01_an_unreadable_import_file_is_refused_clearly(harness: Harness, data: bytes) -> None:
    with pytest.raises(ValidationFailed) as caught:
        harness.records.import_file(ARCHIVIST, data)
    assert caught.value.errors[0].field.startswith(("file", "rows["))
    assert _count(harness, orm.records) == 0


def test_a01_important_documents_keep_both_the_electronic_and_the_paper_copy(
    harness: Harness,
) -> None:
    from archives.domain.records import Shelf

    base = CreateRecord(
        "HR-2026-11-001",
        "关于机构调整的决定",
        "11",
        "HR",
        "internal",
        "permanent",
        "2026-02-01",
        copy=CopyInput(b"scan", "decision.pdf"),
        important=True,
    )
    with pytest.raises(ValidationFailed) as caught:
        harness.records.create(ARCHIVIST, base)
    assert caught.value.errors[0].field == "important"
    base.shelf = Shelf("R1", "C1", "S1", "B1")
    assert harness.records.create(ARCHIVIST, base)["important"] is True
    harness.documents.docs["doc-2"] = ArchivedDocument(
        id="doc-2",
        number="HR-2026-11-002",
        title="关于干部任免的决定",
        type_code="11",
        department_code="HR",
        security_class="internal",
        retention="permanent",
        body="正文",
        registered_at=datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
        priority="important",
    )
    harness.deliver(
        harness.records.on_document_archived,
        event_of(
            "documents.document.archived",
            "doc-2",
            documents_events.DocumentArchived(document_id="doc-2", number="HR-2026-11-002"),
            harness.clock.now(),
        ),
    )
    record = harness.records.search(HR_STAFF, SearchQuery(number="HR-2026-11-002"))[0][0]["record"]
    assert record["important"] is True
    assert record["shelf"] is None
    shelved = harness.records.set_shelf(ARCHIVIST, record["id"], Shelf("R2", "C3", "S1", "B7"))
    assert shelved["shelf"] == {"storeroom": "R2", "cabinet": "C3", "shelf": "S1", "box": "B7"}
    assert shelved["copy"] is not None
    with pytest.raises(PermissionDenied):
        harness.records.set_shelf(HR_STAFF, record["id"], Shelf("R2"))


def test_x03_the_sql_scope_and_the_domain_rule_agree_on_every_class_and_viewer(
    harness: Harness,
) -> None:
    """``adapters.search.readable`` must mirror ``domain.access.may_read``."""
    from archives.adapters.search import readable
    from archives.domain.access import CLASSES, may_read

    made = []
    for cls in CLASSES:
        for dept in ("HR", "FIN", "SEC"):
            for readers in ([], ["fin.staff"]):
                number = f"{dept}-{cls}-{len(readers)}"
                harness.add_record(number, dept=dept, security_class=cls, readers=readers)
                made.append((number, cls, dept, readers))
    for viewer in (HR_STAFF, HR_HEAD, FIN_STAFF, ARCHIVIST, LEADER, SUPERVISOR):
        scope = harness.ctx.scope_of(viewer)
        expected = {n for n, cls, dept, readers in made if may_read(scope, cls, dept, readers)}
        with harness.db.reading() as s:
            found = set(s.execute(select(orm.records.c.number).where(readable(scope))).scalars())
        assert found == expected, viewer.username
