"""Rows of an uploaded CSV or Excel (.xlsx) file, as column → value maps."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from openpyxl import load_workbook

MAX_ROWS = 20000


class UnreadableFile(ValueError):
    """The upload is neither a CSV (UTF-8) nor an Excel workbook."""


def _header(cells: list[object]) -> list[str]:
    return [str(c).strip().lower().lstrip("\ufeff") if c is not None else "" for c in cells]


def read_rows(data: bytes) -> list[Mapping[str, object]]:
    """The data rows under the header row; Excel is recognised by its zip signature."""
    if data.startswith(b"PK"):
        return _xlsx_rows(data)
    return _csv_rows(data)


def _csv_rows(data: bytes) -> list[Mapping[str, object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("the file is neither UTF-8 CSV nor an Excel workbook") from exc
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise UnreadableFile(f"the CSV file cannot be read: {exc}") from exc
    if not rows:
        raise UnreadableFile("the file is empty: a header row is required")
    header = _header(list(rows[0]))
    out: list[Mapping[str, object]] = []
    for row in rows[1 : MAX_ROWS + 1]:
        out.append(dict(zip(header, row, strict=False)))
    return out


def _xlsx_rows(data: bytes) -> list[Mapping[str, object]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken or foreign file
        raise UnreadableFile("the Excel workbook cannot be read") from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    first = next(rows, None)
    if first is None:
        raise UnreadableFile("the workbook's first sheet is empty: a header row is required")
    header = _header(list(first))
    out: list[Mapping[str, object]] = []
    for count, row in enumerate(rows):
        if count >= MAX_ROWS:
            break
        out.append(dict(zip(header, row, strict=False)))
    book.close()
    return out
