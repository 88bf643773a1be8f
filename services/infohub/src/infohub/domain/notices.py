"""Inbox notices composed from other services' events (SPEC X-06)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

STEP_NAMES_ZH = {
    "proposed_handling": "拟办",
    "circulation": "传阅",
    "archive": "归档",
    "register": "登记",
}


@dataclass
class InboxItem:
    id: str
    recipient: str
    kind: str
    title: str
    body: str
    subject_ref: str
    created_at: datetime
    source_event_id: str
    due_at: datetime | None = None
    read_at: datetime | None = None

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


def step_assigned_notice(step_kind: str, number: str, title: str, due: str) -> tuple[str, str]:
    """Title and body telling a person a document step now waits for them."""
    step = STEP_NAMES_ZH.get(step_kind, step_kind)
    headline = f"待{step}：{number} {title}"
    body = f"文件《{title}》（{number}）的{step}环节已分派给您"
    if due:
        body += f"，请于 {due} 前办理"
    return headline, body + "。"


def step_overdue_notice(step_kind: str, number: str, title: str, due: str) -> tuple[str, str]:
    step = STEP_NAMES_ZH.get(step_kind, step_kind)
    headline = f"催办：{number} {title} 的{step}已超时"
    body = f"文件《{title}》（{number}）的{step}环节已于 {due} 到期，请尽快办理。"
    return headline, body
