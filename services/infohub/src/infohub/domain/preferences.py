"""Per-person delivery preferences for notices (e-mail: immediate or daily digest)."""

from __future__ import annotations

from dataclasses import dataclass, field

IMMEDIATE, DIGEST = "immediate", "digest"
# Important items and deadlines are always immediate, whatever is chosen.
ALWAYS_IMMEDIATE = frozenset(
    {
        "info_important",
        "info_read_follow_up",
        "info_action_reminder",
        "info_action_escalated",
        "document_step_overdue",
    }
)


@dataclass
class Preferences:
    username: str
    email: str = ""
    default_delivery: str = IMMEDIATE
    kinds: dict[str, str] = field(default_factory=dict)

    def delivery_for(self, kind: str, has_deadline: bool) -> str:
        if kind in ALWAYS_IMMEDIATE or has_deadline:
            return IMMEDIATE
        return self.kinds.get(kind, self.default_delivery or IMMEDIATE)
