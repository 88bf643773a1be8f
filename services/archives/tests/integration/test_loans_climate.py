"""A-03 loans, A-04 climate, A-05 stock-take and A-06 destruction against a
real database, with the timers fired by the real scheduler."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pypdfium2
import pytest
from archives_testkit import ARCHIVIST, FIN_STAFF, HR_STAFF, SENSOR, Harness
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DatabaseError

from archives.adapters import orm
from archives.adapters.labels import label_text
from archives.domain.climate import Reading
from archives.service_layer import metrics
from secretariat_shared.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)


def _loan_out(h: Harness, record_id: str, due: str = "2026-03-06") -> dict[str, object]:
    loan = h.loans.apply(HR_STAFF, record_id, "编写年度报告需要查阅", due)
    h.fire_timers()  # starts the archive_loan approval after the commit
    h.decide(f"loan:{loan['id']}")
    return h.loans.checkout(ARCHIVIST, str(loan["id"]))


def test_a03_loan_goes_through_the_archive_loan_approval_checkout_and_return(
    harness: Harness,
) -> None:
    record = harness.add_record("HR-2020-01-001", security_class="internal")
    loan = harness.loans.apply(HR_STAFF, record["id"], "编写年度报告需要查阅", "2026-03-06")
    assert loan["state"] == "pending"
    assert harness.approvals.started == []
    harness.fire_timers()
    approval_id, request = harness.approvals.for_ref(f"loan:{loan['id']}")
    assert request.template == "archive_loan"
    assert request.payload["security_class"] == "internal"
    assert request.requester_username == "hr.staff"
    with pytest.raises(PreconditionFailed):
        harness.loans.checkout(ARCHIVIST, loan["id"])  # not approved yet
    harness.decide(f"loan:{loan['id']}")
    assert harness.loans.get(HR_STAFF, loan["id"])["approval_id"] == approval_id
    assert harness.notices("archive_loan_checkout")[0].recipients == ["sec.archivist"]
    with pytest.raises(PermissionDenied):
        harness.loans.checkout(HR_STAFF, loan["id"])
    out = harness.loans.checkout(ARCHIVIST, loan["id"])
    assert out["state"] == "out"
    assert out["checked_out_by"] == "sec.archivist"
    assert harness.records.get(HR_STAFF, record["id"])["on_loan"] is True
    back = harness.loans.give_back(ARCHIVIST, loan["id"])
    assert back["state"] == "returned"
    history, total, _, _ = harness.loans.list_of_record(HR_STAFF, record["id"], 1, 20)
    assert total == 1
    assert history[0]["borrower"] == "hr.staff"
    mine, total, _, _ = harness.loans.list_for(HR_STAFF, "", 1, 20)
    assert total == 1
    assert mine[0]["purpose"] == "编写年度报告需要查阅"
    with harness.db.reading() as s:
        actions = (
            s.execute(
                select(orm.platform.audit_log.c.action).where(
                    orm.platform.audit_log.c.entity_type == "archive_loan"
                )
            )
            .scalars()
            .all()
        )
    assert actions == [
        "archives.loan.applied",
        "archives.loan.approved",
        "archives.loan.out",
        "archives.loan.returned",
    ]


def test_a03_a_record_on_loan_cannot_be_lent_again_and_bad_dates_are_refused(
    harness: Harness,
) -> None:
    record = harness.add_record("HR-2020-01-002")
    _loan_out(harness, record["id"])
    with pytest.raises(Conflict):
        harness.loans.apply(FIN_STAFF, record["id"], "查阅", "2026-03-09")
    with pytest.raises(ValidationFailed) as caught:
        harness.loans.apply(FIN_STAFF, record["id"], "查阅", "2026-03-01")
    assert caught.value.errors[0].field == "due_date"
    with harness.db.reading() as s:
        assert s.execute(select(func.count()).select_from(orm.loans)).scalar_one() == 1


def test_a03_a_record_the_borrower_may_not_read_cannot_be_borrowed(harness: Harness) -> None:
    record = harness.add_record("HR-2020-01-003", security_class="internal")
    with pytest.raises(NotFound):
        harness.loans.apply(FIN_STAFF, record["id"], "查阅", "2026-03-09")


def test_a03_a_rejected_loan_frees_the_record(harness: Harness) -> None:
    record = harness.add_record("HR-2020-01-004")
    loan = harness.loans.apply(HR_STAFF, record["id"], "查阅", "2026-03-09")
    harness.fire_timers()
    harness.decide(f"loan:{loan['id']}", "rejected")
    assert harness.loans.get(HR_STAFF, loan["id"])["state"] == "rejected"
    assert harness.notices("archive_loan_rejected")[0].recipients == ["hr.staff"]
    harness.loans.apply(FIN_STAFF, record["id"], "查阅", "2026-03-09")


def test_a03_an_unreachable_engine_is_retried_and_the_loan_waits(harness: Harness) -> None:
    record = harness.add_record("HR-2020-01-005")
    harness.approvals.unreachable = True
    loan = harness.loans.apply(HR_STAFF, record["id"], "查阅", "2026-03-09")
    harness.fire_timers()
    assert harness.loans.get(HR_STAFF, loan["id"])["approval_id"] == ""
    harness.approvals.unreachable = False
    harness.advance(minutes=10)
    harness.fire_timers()
    assert harness.loans.get(HR_STAFF, loan["id"])["approval_id"] == "approval-1"


def test_a03_due_date_reminds_the_borrower_and_overdue_escalates_to_the_head(
    harness: Harness,
) -> None:
    record = harness.add_record("HR-2020-01-006")
    loan = _loan_out(harness, record["id"], due="2026-03-04")
    before = metrics.LOAN_TIMERS.labels("overdue")._value.get()
    harness.clock.set(datetime(2026, 3, 4, 1, 5, tzinfo=UTC))  # 09:05 on the due date, Beijing
    harness.fire_timers()
    due = harness.notices("archive_loan_due")
    assert [n.recipients for n in due] == [["hr.staff"]]
    assert harness.notices("archive_loan_overdue") == []
    harness.clock.set(datetime(2026, 3, 4, 16, 1, tzinfo=UTC))  # 00:01 the day after
    harness.fire_timers()
    overdue = harness.notices("archive_loan_overdue")
    assert sorted(r for n in overdue for r in n.recipients) == ["hr.head", "hr.staff"]
    assert harness.loans.get(HR_STAFF, str(loan["id"]))["overdue"] is True
    assert "archives.loan.overdue" in harness.event_types()
    assert metrics.LOAN_TIMERS.labels("overdue")._value.get() == before + 1
    harness.advance(days=2)
    harness.fire_timers()
    assert len(harness.notices("archive_loan_overdue")) == 2  # each timer fires once


def test_a03_a_returned_loan_is_not_reminded(harness: Harness) -> None:
    record = harness.add_record("HR-2020-01-007")
    loan = _loan_out(harness, record["id"], due="2026-03-04")
    harness.loans.give_back(ARCHIVIST, str(loan["id"]))
    harness.clock.set(datetime(2026, 3, 6, 1, 0, tzinfo=UTC))
    harness.fire_timers()
    assert harness.notices("archive_loan_due") == []
    assert harness.notices("archive_loan_overdue") == []


def _r(t: float, h: float, minutes: float, room: str = "R1") -> Reading:
    return Reading(room, t, h, datetime(2026, 3, 2, 1, 0, tzinfo=UTC) + timedelta(minutes=minutes))


def test_a04_out_of_band_reading_raises_one_alert_notice_and_metric_then_clears_after_the_hold(
    harness: Harness,
) -> None:
    summary = harness.climate.ingest(SENSOR, [_r(20, 50, 0), _r(24.5, 50, 1), _r(25, 62, 2)])
    assert (summary.accepted, summary.alerts_raised) == (3, 1)
    assert metrics.CLIMATE_ALERT_OPEN.labels("R1")._value.get() == 1
    notice = harness.notices("archive_climate_alert")[0]
    assert notice.recipients == ["sec.archivist"]
    assert "R1" in notice.title
    alerts, total, _, _ = harness.climate.alerts(ARCHIVIST, True, "", 1, 20)
    assert total == 1
    assert alerts[0]["cause"] == "temperature"
    harness.climate.ingest(SENSOR, [_r(21, 50, 5), _r(22.4, 50, 10), _r(21, 50, 12)])
    harness.climate.ingest(SENSOR, [_r(21, 50, 30)])
    assert harness.climate.alerts(ARCHIVIST, True, "", 1, 20)[1] == 1  # 18 min in band: still open
    summary = harness.climate.ingest(SENSOR, [_r(21, 50, 42)])
    assert summary.alerts_cleared == 1
    assert harness.climate.alerts(ARCHIVIST, True, "", 1, 20)[1] == 0
    assert metrics.CLIMATE_ALERT_OPEN.labels("R1")._value.get() == 0
    assert harness.event_types().count("archives.climate.alert_raised") == 1
    assert harness.event_types().count("archives.climate.alert_cleared") == 1


def test_a04_a_reading_without_storeroom_is_refused_and_nothing_is_stored(harness: Harness) -> None:
    with pytest.raises(ValidationFailed) as caught:
        harness.climate.ingest(SENSOR, [_r(20, 50, 0), _r(30, 50, 1, room=" ")])
    assert caught.value.errors[0].field == "readings[1].storeroom"
    with harness.db.reading() as s:
        assert s.execute(select(func.count()).select_from(orm.climate_readings)).scalar_one() == 0
    with pytest.raises(PermissionDenied):
        harness.climate.ingest(HR_STAFF, [_r(20, 50, 0)])


def test_a05_stock_take_lists_paper_records_checks_labels_and_opens_repairs(
    harness: Harness,
) -> None:
    paper = [harness.add_record(f"HR-2010-01-00{i}") for i in range(1, 4)]
    harness.add_record("HR-2010-01-009", paper=False, content=b"e-only")
    campaign = harness.stock_takes.start(ARCHIVIST, 2026)
    assert (campaign["total"], campaign["unchecked"]) == (3, 3)
    with pytest.raises(Conflict):
        harness.stock_takes.start(ARCHIVIST, 2026)
    png = harness.stock_takes.labels(ARCHIVIST, campaign["id"])
    assert png.startswith(b"\x89PNG")
    harness.stock_takes.check(ARCHIVIST, campaign["id"], label_text(paper[0]["id"]), "present", "")
    harness.stock_takes.check(ARCHIVIST, campaign["id"], label_text(paper[1]["id"]), "missing", "")
    with pytest.raises(ValidationFailed):
        harness.stock_takes.check(ARCHIVIST, campaign["id"], paper[2]["id"], "damaged", "")
    harness.stock_takes.check(ARCHIVIST, campaign["id"], paper[2]["id"], "damaged", "受潮霉变")
    with pytest.raises(NotFound):
        harness.stock_takes.check(ARCHIVIST, campaign["id"], "ARCH:unknown", "present", "")
    report = harness.stock_takes.report(ARCHIVIST, campaign["id"])
    assert (report["present"], report["missing"], report["damaged"], report["unchecked"]) == (
        1,
        1,
        1,
        0,
    )
    assert [m["record_number"] for m in report["missing_items"]] == ["HR-2010-01-002"]
    repairs, total, _, _ = harness.stock_takes.repairs(ARCHIVIST, True, 1, 20)
    assert total == 1
    assert repairs[0]["fault"] == "受潮霉变"
    done = harness.stock_takes.complete_repair(ARCHIVIST, repairs[0]["id"], "除霉修复")
    assert done["state"] == "done"
    assert harness.stock_takes.repairs(ARCHIVIST, True, 1, 20)[1] == 0


def test_a05_the_label_sheet_prints_as_pdf_with_chinese_titles_and_a_qr_code_each(
    harness: Harness,
) -> None:
    for i in range(1, 24):  # 23 labels: a full A4 page of 21 and a second page
        harness.add_record(f"HR-2010-02-{i:03d}", title=f"关于档案盘点工作的通知（第{i}号）")
    campaign = harness.stock_takes.start(ARCHIVIST, 2026)
    pdf = harness.stock_takes.labels_pdf(ARCHIVIST, campaign["id"])
    assert pdf.startswith(b"%PDF")
    assert b"FontFile2" in pdf  # the Chinese font travels inside the PDF
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 2
    first = document[0].get_textpage().get_text_range()
    assert "HR-2010-02-001" in first
    assert "关于档案盘点工作的通知" in first
    assert "库房 R1 · 柜 C1 · 架 S1 · 盒 B1" in first
    assert "HR-2010-02-023" in document[1].get_textpage().get_text_range()
    image = document[0].render(scale=2).to_pil().convert("L")
    qr_area = image.crop((60, 60, 60 + 150, 60 + 200))  # the first label's QR code
    assert sum(qr_area.histogram()[:128]) > 2000
    with pytest.raises(PermissionDenied):
        harness.stock_takes.labels_pdf(HR_STAFF, campaign["id"])
    with pytest.raises(NotFound):
        harness.stock_takes.labels_pdf(ARCHIVIST, "no-such-campaign")


def test_a06_expired_records_are_destroyed_after_approval_and_the_record_stays_for_ever(
    harness: Harness,
) -> None:
    old = harness.add_record("HR-2010-01-001", document_date="2016-01-01", content=b"old scan")
    harness.add_record("HR-2010-01-002", document_date="2016-03-03")
    harness.add_record("HR-2010-01-003", document_date="1990-01-01", retention="permanent")
    expiring, total, _, _ = harness.records.expiring(ARCHIVIST, "", 1, 20)
    assert total == 1
    assert expiring[0]["record"]["number"] == "HR-2010-01-001"
    young = harness.add_record("HR-2024-01-001", document_date="2024-01-01")
    with pytest.raises(ValidationFailed):
        harness.destructions.request(ARCHIVIST, [young["id"]], "到期销毁", [])
    destruction = harness.destructions.request(ARCHIVIST, [old["id"]], "保管期限已满", ["hr.head"])
    harness.fire_timers()
    _, request = harness.approvals.for_ref(f"destruction:{destruction['id']}")
    assert request.template == "archive_destruction"
    assert request.payload["record_ids"] == [old["id"]]
    assert harness.records.copy(HR_STAFF, old["id"]).content == b"old scan"
    harness.decide(f"destruction:{destruction['id']}")
    with pytest.raises(NotFound):
        harness.records.copy(HR_STAFF, old["id"])
    with harness.db.reading() as s:
        assert (
            s.execute(select(orm.blobs).where(orm.blobs.c.record_id == old["id"])).first() is None
        )
    done = harness.destructions.get(ARCHIVIST, destruction["id"])
    assert done["state"] == "destroyed"
    assert done["records"][0]["copy_sha256"]
    assert done["witnesses"] == ["hr.head"]
    record = harness.records.get(HR_STAFF, old["id"])
    assert record["state"] == "destroyed"
    assert record["copy"]["destroyed"] is True
    for statement in (
        delete(orm.destruction_records),
        update(orm.destruction_records).values(title="改"),
    ):
        with harness.uow() as uow, pytest.raises(DatabaseError):
            uow.session.execute(statement)
    with harness.db.reading() as s:
        assert (
            s.execute(select(func.count()).select_from(orm.destruction_records)).scalar_one() == 1
        )
    with pytest.raises(PermissionDenied):
        harness.destructions.get(HR_STAFF, destruction["id"])
