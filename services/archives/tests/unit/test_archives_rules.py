"""SPEC A-01..A-06 and X-03 rules on plain Python (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from archives_testkit import person

from archives.adapters.segmenter import index_tokens, query_words
from archives.adapters.vault import IntegrityError, SealedBlob, Vault
from archives.domain import loans
from archives.domain.access import may_read
from archives.domain.climate import CLEAR, RAISE, Reading, RoomState, cause_of, step
from archives.domain.importing import parse_rows
from archives.domain.records import is_expired, retention_until
from archives.domain.search_text import highlight
from secretariat_shared.access import viewer_of

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_a06_retention_counts_10_and_30_years_from_the_document_date_permanent_never() -> None:
    assert retention_until("10y", date(2016, 3, 1)) == date(2026, 3, 1)
    assert retention_until("30y", date(2000, 2, 29)) == date(2030, 2, 28)
    assert retention_until("permanent", date(1950, 1, 1)) is None
    assert is_expired("10y", date(2016, 3, 1), date(2026, 3, 1))
    assert not is_expired("10y", date(2016, 3, 2), date(2026, 3, 1))
    assert not is_expired("permanent", date(1900, 1, 1), date(2026, 3, 1))


def test_a01_import_reports_every_bad_row_and_field() -> None:
    rows = [
        {
            "number": "HR-2020-01-001",
            "title": "制度",
            "type_code": "1",
            "department_code": "HR",
            "security_class": "internal",
            "retention": "10y",
            "document_date": "2020-01-02",
            "storeroom": "R1",
        },
        {
            "number": "",
            "title": "无编号",
            "type_code": "01",
            "department_code": "HR",
            "security_class": "internal",
            "retention": "10y",
            "document_date": "2020-01-02",
        },
        {
            "number": "HR-2020-01-002",
            "title": "坏密级",
            "type_code": "01",
            "department_code": "HR",
            "security_class": "top",
            "retention": "10y",
            "document_date": "2020-01-02",
        },
        {
            "number": "HR-2020-01-001",
            "title": "重复",
            "type_code": "01",
            "department_code": "HR",
            "security_class": "public",
            "retention": "10y",
            "document_date": "2020-02-30",
        },
        {
            "number": "HR-2020-01-001",
            "title": "重复",
            "type_code": "01",
            "department_code": "HR",
            "security_class": "public",
            "retention": "10y",
            "document_date": "2020-02-03",
        },
    ]
    records, errors = parse_rows(rows)
    assert [r.number for r in records] == ["HR-2020-01-001"]
    assert records[0].type_code == "01"
    assert [(e.row, e.field) for e in errors] == [
        (2, "number"),
        (3, "security_class"),
        (4, "document_date"),
        (5, "number"),
    ]


def test_a01_copies_are_encrypted_per_blob_and_checked_on_read() -> None:
    vault = Vault({"k1": b"1" * 32}, "k1")
    blob = vault.seal("rec-1", "绝密文件正文".encode())
    assert "绝密".encode() not in blob.ciphertext
    assert vault.open("rec-1", blob) == "绝密文件正文".encode()
    other = vault.seal("rec-2", "绝密文件正文".encode())
    assert other.wrapped_key != blob.wrapped_key  # one data key per blob
    tampered = SealedBlob(
        blob.kek_id,
        blob.wrapped_key,
        blob.nonce,
        blob.ciphertext[:-1] + bytes([blob.ciphertext[-1] ^ 1]),
        blob.sha256,
        blob.size,
    )
    with pytest.raises(IntegrityError):
        vault.open("rec-1", tampered)
    wrong_hash = SealedBlob(
        blob.kek_id, blob.wrapped_key, blob.nonce, blob.ciphertext, "0" * 64, blob.size
    )
    with pytest.raises(IntegrityError):
        vault.open("rec-1", wrong_hash)
    with pytest.raises(IntegrityError):
        vault.open("rec-2", blob)  # a blob moved to another record does not open


def test_a01_master_keys_rotate_while_old_blobs_stay_readable() -> None:
    old = Vault({"k1": b"1" * 32}, "k1")
    blob = old.seal("rec-1", b"content")
    rotated = Vault({"k1": b"1" * 32, "k2": b"2" * 32}, "k2")
    assert rotated.open("rec-1", blob) == b"content"
    assert rotated.seal("rec-2", b"x").kek_id == "k2"


def test_a02_a_two_character_keyword_finds_longer_indexed_words() -> None:
    tokens = index_tokens("关于做好年终总结工作的通知").split()
    assert "总结" in tokens
    assert "年终总结" in tokens
    assert query_words("年终总结，通知") == ["年终总结", "通知"]


def test_a02_matched_words_are_highlighted_and_the_title_escaped() -> None:
    marked, matched = highlight("<b>年终总结</b>通知", ["总结", "报告"])
    assert marked == "&lt;b&gt;年终<mark>总结</mark>&lt;/b&gt;通知"
    assert matched == ["总结"]


@pytest.mark.parametrize(
    ("who", "cls", "dept", "expected"),
    [
        (("hr.staff", "HR", (), (), ()), "public", "FIN", True),
        (("hr.staff", "HR", (), (), ()), "internal", "HR", True),
        (("hr.staff", "HR", (), (), ()), "internal", "FIN", False),
        (("hr.staff", "HR", (), (), ()), "confidential", "HR", False),
        (("hr.head", "HR", (), ("HR",), ()), "confidential", "HR", True),
        (("leader.wang", "", ("supervising_leader",), (), ("HR",)), "confidential", "HR", True),
        (("leader.wang", "", ("supervising_leader",), (), ("HR",)), "internal", "FIN", False),
        (("leader.li", "", ("leader",), (), ()), "confidential", "FIN", True),
        (("leader.li", "", ("leader",), (), ()), "secret", "FIN", False),
    ],
)
def test_x03_who_may_read_each_class(
    who: tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]],
    cls: str,
    dept: str,
    expected: bool,
) -> None:
    username, department, roles, heads, supervises = who
    viewer = viewer_of(
        person(username, department, *(roles or ("employee",)), heads=heads, supervises=supervises)
    )
    assert may_read(viewer, cls, dept, []) is expected


def test_x03_named_readers_read_any_class() -> None:
    viewer = viewer_of(person("fin.staff", "FIN"))
    assert may_read(viewer, "secret", "HR", ["fin.staff"])
    assert not may_read(viewer, "secret", "HR", [])


def _reading(t: float, h: float, minutes: float) -> Reading:
    return Reading("R1", t, h, T0 + timedelta(minutes=minutes))


def test_a04_band_is_18_to_22_degrees_and_45_to_60_percent_inclusive() -> None:
    assert cause_of(_reading(18, 45, 0)) == ""
    assert cause_of(_reading(22, 60, 0)) == ""
    assert cause_of(_reading(22.1, 50, 0)) == "temperature"
    assert cause_of(_reading(20, 44.9, 0)) == "humidity"
    assert cause_of(_reading(17, 61, 0)) == "both"


def test_a04_alert_clears_only_after_the_configured_time_back_in_band() -> None:
    clear_after = timedelta(minutes=30)
    state, action = step(RoomState(), _reading(25, 50, 0), clear_after)
    assert action == RAISE
    state = RoomState("alert-1", state.in_band_since, state.last_measured_at)
    state, action = step(state, _reading(20, 50, 5), clear_after)
    assert action == ""
    assert state.in_band_since == T0 + timedelta(minutes=5)
    state, action = step(state, _reading(22.5, 50, 10), clear_after)  # flaps out again
    assert action == ""
    assert state.alert_id == "alert-1"
    assert state.in_band_since is None
    state, action = step(state, _reading(21, 50, 15), clear_after)
    state, action = step(state, _reading(21, 50, 40), clear_after)
    assert action == ""
    assert state.alert_id == "alert-1"
    state, action = step(state, _reading(21, 50, 45), clear_after)
    assert action == CLEAR
    assert state.alert_id == ""


def test_a03_a_due_date_in_the_past_is_refused() -> None:
    with pytest.raises(loans.LoanRefused):
        loans.check_due_date(date(2026, 3, 1), date(2026, 3, 2))
    loans.check_due_date(date(2026, 3, 2), date(2026, 3, 2))


def test_a03_loans_move_apply_approve_out_return_only() -> None:
    loans.check_transition(loans.PENDING, loans.APPROVED)
    loans.check_transition(loans.APPROVED, loans.OUT)
    loans.check_transition(loans.OUT, loans.RETURNED)
    for state, target in [
        (loans.PENDING, loans.OUT),
        (loans.RETURNED, loans.OUT),
        (loans.OUT, loans.OUT),
    ]:
        with pytest.raises(loans.LoanRefused):
            loans.check_transition(state, target)
