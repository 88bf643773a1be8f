"""Facts (SPEC P-02): other services' events as they count for performance.

A fact is never typed in: each comes from one event and keeps its id.
The one exception is a confirmed confidentiality leak, recorded by the
discipline office (P-03), which keeps the record's id instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DOCUMENT_STEP = "document_step"
"""A document step finished: value 1 by its deadline, 0 late (D-10)."""
APPROVAL_STEP = "approval_step"
"""An approval step decided: value 1 by its deadline, 0 late (D-08)."""
STEP_ASSIGNED = "step_assigned"
"""A document step opened for the person: the overdue share's denominator."""
STEP_OVERDUE = "step_overdue"
"""A document step passed its deadline still open (D-10)."""
APPROVAL_ESCALATED = "approval_escalated"
"""An approval waited on the person was escalated (D-08, X-07)."""
MEETING_SATISFACTION = "meeting_satisfaction"
"""A meeting's survey closed: value the satisfaction 0–100 (M-07)."""
ACTION_ITEM = "action_item"
"""An action item completed (1 on time, 0 late) or delayed (0) (M-06)."""
ACTION_ITEMS_WEEKLY = "action_items_weekly"
"""A department's open action items in meetings' weekly digest (M-06): value
the share delayed, delayed / (in progress + delayed) in percent."""
PREPARATION_WARNING = "preparation_warning"
"""Meeting preparation started under 3 days before (X-07)."""
CONFIDENTIALITY_LEAK = "confidentiality_leak"
"""A confirmed leak recorded by the discipline office: vetoes (P-03)."""
SUGGESTION_ADOPTED = "suggestion_adopted"
"""An improvement suggestion adopted (P-03, P-09), from infohub.suggestion.adopted."""
TRAINING_HOURS = "training_hours"
"""Training hours completed (P-04), from career.training.completed."""
REQUIRED_TRAINING = "required_training"
"""A required (mandatory or onboarding) course passed (P-04, C-04): value its
hours, from career.training.completed with ``mandatory`` set."""
CERTIFICATE = "certificate"
"""A certificate earned (P-04), from career.training.completed."""


@dataclass(frozen=True, slots=True)
class Fact:
    id: str
    kind: str
    username: str
    department_code: str
    occurred_at: datetime
    value: float
    source_event_id: str
    source_event_type: str
    detail: str = ""
    ref: str = ""
    """What the fact is about (an action item's id), to count items once."""
    struck_by_appeal: str = ""

    @property
    def counts(self) -> bool:
        return not self.struck_by_appeal
