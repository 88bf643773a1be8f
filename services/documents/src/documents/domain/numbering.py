"""Document numbers ``DEPT-YEAR-TYPE-SEQ`` (SPEC D-01), e.g. ``HR-2023-01-015``.

The sequence is per (department, year, type), starts at 1, is never reused
and has no gaps: the counter row is incremented inside the registering
transaction, so a rolled-back registration gives its number back.
"""

from __future__ import annotations

import re

NUMBER_PATTERN = re.compile(
    r"^(?P<dept>[A-Z][A-Z0-9]{1,9})-(?P<year>\d{4})-(?P<type>\d{2})-(?P<seq>\d{3,})$"
)


def format_number(department_code: str, year: int, type_code: str, sequence: int) -> str:
    if sequence < 1:
        raise ValueError("sequences start at 1")
    if not 1000 <= year <= 9999:
        raise ValueError("year must have four digits")
    return f"{department_code}-{year:04d}-{type_code}-{sequence:03d}"


def parse_number(number: str) -> tuple[str, int, str, int]:
    match = NUMBER_PATTERN.match(number)
    if match is None:
        raise ValueError(f"not a document number: {number!r}")
    return match["dept"], int(match["year"]), match["type"], int(match["seq"])
