"""Fixed vocabularies of the document register (SPEC D-02, D-03, X-03)."""

from __future__ import annotations

from enum import StrEnum

from secretariat_shared import access

# SPEC D-02: twelve document types, two-digit codes.
DOCUMENT_TYPES: dict[str, str] = {
    "01": "regulation",
    "02": "report",
    "03": "contract",
    "04": "notice",
    "05": "request",
    "06": "reply",
    "07": "minutes",
    "08": "plan",
    "09": "summary",
    "10": "letter",
    "11": "decision",
    "12": "other",
}

DOCUMENT_TYPE_NAMES_ZH: dict[str, str] = {
    "01": "制度",
    "02": "报告",
    "03": "合同",
    "04": "通知",
    "05": "请示",
    "06": "批复",
    "07": "纪要",
    "08": "计划",
    "09": "总结",
    "10": "函",
    "11": "决定",
    "12": "其他",
}


SecurityClass = access.SecurityClass
"""SPEC X-03 密级, the shared classes (see :mod:`secretariat_shared.access`)."""


class Retention(StrEnum):
    """SPEC D-03 retention periods."""

    TEN_YEARS = "10y"
    THIRTY_YEARS = "30y"
    PERMANENT = "permanent"


class Priority(StrEnum):
    ROUTINE = "routine"
    IMPORTANT = "important"
    URGENT = "urgent"


class LabelColour(StrEnum):
    """SPEC D-04 colour labels for paper copies."""

    RED = "red"
    BLUE = "blue"
    GREEN = "green"
    YELLOW = "yellow"
    BLACK = "black"


class DocumentState(StrEnum):
    """SPEC D-05 incoming flow: receive → register → 拟办 → 传阅 → archive."""

    REGISTERED = "registered"
    PROPOSED_HANDLING = "proposed_handling"
    CIRCULATING = "circulating"
    ARCHIVING = "archiving"
    ARCHIVED = "archived"


class StepKind(StrEnum):
    REGISTER = "register"
    PROPOSED_HANDLING = "proposed_handling"
    CIRCULATION = "circulation"
    ARCHIVE = "archive"


class StepState(StrEnum):
    OPEN = "open"
    DONE = "done"
    SKIPPED = "skipped"
