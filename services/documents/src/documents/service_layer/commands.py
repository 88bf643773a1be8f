"""Inputs of the use cases, validated before anything changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class RegisterDocument:
    title: str
    type_code: str
    department_code: str
    security_class: str
    retention: str
    priority: str
    readers: list[str] = field(default_factory=list)
    body: str = ""
    handler_username: str = ""


@dataclass(frozen=True)
class CompleteStep:
    document_id: str
    step_id: str
    comment: str = ""
    circulate_to: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ListDocuments:
    q: str = ""
    number: str = ""
    department_code: str = ""
    type_code: str = ""
    registered_from: datetime | None = None
    registered_to: datetime | None = None
    page: int = 1
    page_size: int = 20
