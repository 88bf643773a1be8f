"""Spreadsheets in and out: uploaded CSV or Excel read as rows (:func:`read_rows`),
and CSV written without formula injection (issue 13).

Excel, LibreOffice and WPS run a cell that starts with ``=``, ``+``, ``-``
or ``@`` (and, in some versions, tab or carriage return) as a formula, so a
meeting topic like ``=HYPERLINK(...)`` would become a live link or worse in
the reader's spreadsheet. Such text cells get a leading apostrophe, which
spreadsheets show as text and do not display. Numbers stay numbers.
Every CSV export goes through :func:`csv_document`.

Reading Excel needs ``openpyxl``, which a service that imports workbooks
lists in its own dependencies; it is imported only when a workbook comes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 20000


def safe_cell(value: object) -> object:
    """``value`` as a spreadsheet shows it as text, never as a formula."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _is_number(value):
        return value
    return "'" + value


def csv_document(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a BOM (so spreadsheets read Chinese right), CRLF, every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _is_number(text: str) -> bool:
    stripped = text.strip()
    if stripped != text or not stripped:
        return False
    try:
        float(stripped)
    except ValueError:
        return False
    return stripped.lower().lstrip("+-") not in ("inf", "infinity", "nan")


class UnreadableFile(ValueError):
    """The upload is neither a CSV (UTF-8) nor an Excel workbook."""


def read_rows(data: bytes, max_rows: int = MAX_ROWS) -> list[Mapping[str, object]]:
    """The data rows under the header row of a CSV (UTF-8, BOM or not) or Excel
    (.xlsx, recognised by its zip signature) upload, as column → value maps.
    Column names are stripped and lower-cased; at most ``max_rows`` rows."""
    if data.startswith(b"PK"):
        return _xlsx_rows(data, max_rows)
    return _csv_rows(data, max_rows)


def _header(cells: Sequence[object]) -> list[str]:
    return [str(c).strip().lower().lstrip("\ufeff") if c is not None else "" for c in cells]


def _csv_rows(data: bytes, max_rows: int) -> list[Mapping[str, object]]:
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
    header = _header(rows[0])
    return [dict(zip(header, row, strict=False)) for row in rows[1 : max_rows + 1]]


def _xlsx_rows(data: bytes, max_rows: int) -> list[Mapping[str, object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken or foreign file
        raise UnreadableFile("the Excel workbook cannot be read") from exc
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise UnreadableFile("the workbook's first sheet is empty: a header row is required")
        header = _header(list(first))
        out: list[Mapping[str, object]] = []
        for count, row in enumerate(rows):
            if count >= max_rows:
                break
            out.append(dict(zip(header, row, strict=False)))
        return out
    finally:
        book.close()
