"""CSV for spreadsheets, without formula injection (issue 13).

Excel, LibreOffice and WPS run a cell that starts with ``=``, ``+``, ``-``
or ``@`` (and, in some versions, tab or carriage return) as a formula, so a
meeting topic like ``=HYPERLINK(...)`` would become a live link or worse in
the reader's spreadsheet. Such text cells get a leading apostrophe, which
spreadsheets show as text and do not display. Numbers stay numbers.
Every CSV export goes through :func:`csv_document`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
