"""Rows of a bulk import (SPEC A-01): parsed and checked one by one so the
report can name every bad row and field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from archives.domain.records import NewRecord, RecordInvalid, Shelf, parse_date, validate

COLUMNS = (
    "number",
    "title",
    "type_code",
    "department_code",
    "security_class",
    "retention",
    "document_date",
    "storeroom",
    "cabinet",
    "shelf",
    "box",
)
REQUIRED = COLUMNS[:7]


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str


def _text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return str(value.isoformat())[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_rows(
    rows: Iterable[Mapping[str, object]],
) -> tuple[list[NewRecord], list[RowError]]:
    """Records from the data rows (1-based numbering), and every error found.

    Two rows with the same number are an error on the later one.
    """
    records: list[NewRecord] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(rows, start=1):
        values = {name: _text(raw.get(name)) for name in COLUMNS}
        if not any(values.values()):
            continue
        row_errors = [RowError(index, name, "is required") for name in REQUIRED if not values[name]]
        type_code = values["type_code"]
        if type_code.isdigit() and len(type_code) == 1:
            type_code = "0" + type_code
        if row_errors:
            errors.extend(row_errors)
            continue
        try:
            record = NewRecord(
                number=values["number"],
                title=values["title"],
                type_code=type_code,
                department_code=values["department_code"],
                security_class=values["security_class"],
                retention=values["retention"],
                document_date=parse_date(values["document_date"], "document_date"),
                origin="import",
                shelf=Shelf(values["storeroom"], values["cabinet"], values["shelf"], values["box"]),
            )
            validate(record)
        except RecordInvalid as exc:
            errors.append(RowError(index, exc.field, str(exc)))
            continue
        if record.number in seen:
            errors.append(
                RowError(index, "number", f"repeats the number of row {seen[record.number]}")
            )
            continue
        seen[record.number] = index
        records.append(record)
    return records, errors
