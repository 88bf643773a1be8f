"""Archive records (SPEC A-01) and their retention (A-06)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from archives.domain.access import CLASSES

RETENTIONS = {"10y": 10, "30y": 30, "permanent": None}
ORIGINS = ("document", "seal", "manual", "import")
TYPE_CODE = re.compile(r"^(0[1-9]|1[0-2])$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ACTIVE = "active"
DESTROYED = "destroyed"


class RecordInvalid(ValueError):
    """A record field is wrong; ``field`` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class Shelf:
    """Paper copy's place: storeroom → cabinet → shelf → box (A-01)."""

    storeroom: str = ""
    cabinet: str = ""
    shelf: str = ""
    box: str = ""

    @property
    def is_set(self) -> bool:
        return bool(self.storeroom)

    @property
    def text(self) -> str:
        """As a label shows it: ``库房 R1 · 柜 C1 · 架 S1 · 盒 B1`` (empty when unset)."""
        values = (self.storeroom, self.cabinet, self.shelf, self.box)
        parts = zip(("库房", "柜", "架", "盒"), values, strict=True)
        return " · ".join(f"{name} {value}" for name, value in parts if value)


@dataclass
class NewRecord:
    number: str
    title: str
    type_code: str
    department_code: str
    security_class: str
    retention: str
    document_date: date
    origin: str
    source_ref: str = ""
    shelf: Shelf = field(default_factory=Shelf)
    readers: list[str] = field(default_factory=list)
    seal_sha256: str = ""
    important: bool = False


def parse_date(text: str, field_name: str) -> date:
    if not DATE.match(text or ""):
        raise RecordInvalid(field_name, "must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise RecordInvalid(field_name, "is not a real calendar date") from exc


def validate(record: NewRecord) -> None:
    """Raise :class:`RecordInvalid` for the first wrong field."""
    if not record.number.strip():
        raise RecordInvalid("number", "is required")
    if len(record.number) > 60:
        raise RecordInvalid("number", "must be at most 60 characters")
    if not record.title.strip():
        raise RecordInvalid("title", "is required")
    if not TYPE_CODE.match(record.type_code):
        raise RecordInvalid("type_code", "must be a document type 01..12 (D-02)")
    if not record.department_code.strip():
        raise RecordInvalid("department_code", "is required")
    if record.security_class not in CLASSES:
        raise RecordInvalid("security_class", "must be public, internal, confidential or secret")
    if record.retention not in RETENTIONS:
        raise RecordInvalid("retention", "must be 10y, 30y or permanent")
    if record.origin not in ORIGINS:
        raise RecordInvalid("origin", "is not a known origin")


def retention_until(retention: str, document_date: date) -> date | None:
    """The day retention ends: 10 or 30 years after the document date; permanent never.

    A document dated 29 February ends on 28 February of the target year.
    """
    years = RETENTIONS[retention]
    if years is None:
        return None
    try:
        return document_date.replace(year=document_date.year + years)
    except ValueError:
        return document_date.replace(year=document_date.year + years, day=28)


def is_expired(retention: str, document_date: date, today: date) -> bool:
    until = retention_until(retention, document_date)
    return until is not None and until <= today


def local_date(moment: datetime, zone: object) -> date:
    return moment.astimezone(zone).date()  # type: ignore[arg-type]
