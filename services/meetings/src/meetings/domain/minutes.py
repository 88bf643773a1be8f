"""Minutes and their SLAs (SPEC M-05) and resolution tracking (M-06)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

MINUTES_DRAFT_HOURS = 2.0
"""SPEC M-05: the draft is due 2 hours after the meeting ends (wall clock, X-02)."""

MINUTES_DISTRIBUTION_HOURS = 24.0
"""SPEC M-05: approved minutes are distributed within 24 hours (working-day hours, X-02)."""


class MinutesState(StrEnum):
    AWAITING_DRAFT = "awaiting_draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"


class SlaOutcome(StrEnum):
    MET = "met"
    BREACHED = "breached"


class ActionStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DELAYED = "delayed"


def sla_outcome(done_at: datetime, due_at: datetime) -> SlaOutcome:
    return SlaOutcome.MET if done_at <= due_at else SlaOutcome.BREACHED


@dataclass
class MinutesSection:
    agenda_item_id: str
    key_points: list[str]


@dataclass(frozen=True)
class ActionItemDraft:
    title: str
    owner: str
    due_date: date
    agenda_item_id: str = ""


@dataclass
class Minutes:
    """ "Key points + action items" (M-05), from the meeting's end until distributed."""

    meeting_id: str
    draft_due_at: datetime
    distribution_due_at: datetime
    state: MinutesState = MinutesState.AWAITING_DRAFT
    sections: list[MinutesSection] = field(default_factory=list)
    action_items: list[ActionItemDraft] = field(default_factory=list)
    submitted_by: str = ""
    first_submitted_at: datetime | None = None
    submitted_at: datetime | None = None
    approved_by: str = ""
    approved_at: datetime | None = None
    distributed_at: datetime | None = None
    draft_outcome: SlaOutcome | None = None
    distribution_outcome: SlaOutcome | None = None

    def submit(
        self,
        by: str,
        sections: list[MinutesSection],
        action_items: list[ActionItemDraft],
        now: datetime,
    ) -> SlaOutcome | None:
        """Record a draft; returns the draft SLA's outcome when this submission decides it.

        The first draft decides the 2-hour SLA (unless the deadline timer
        already recorded a breach); later drafts replace the text only.
        """
        self.sections = sections
        self.action_items = action_items
        self.submitted_by = by
        self.submitted_at = now
        self.state = MinutesState.SUBMITTED
        if self.first_submitted_at is None:
            self.first_submitted_at = now
        if self.draft_outcome is None:
            self.draft_outcome = sla_outcome(now, self.draft_due_at)
            return self.draft_outcome
        return None

    def approve_and_distribute(self, by: str, now: datetime) -> SlaOutcome | None:
        """The host approves; the minutes go out at once. Returns the distribution SLA's
        outcome when this decides it."""
        self.state = MinutesState.APPROVED
        self.approved_by = by
        self.approved_at = now
        self.distributed_at = now
        if self.distribution_outcome is None:
            self.distribution_outcome = sla_outcome(now, self.distribution_due_at)
            return self.distribution_outcome
        return None


def due_instant(due_date: date, zone: ZoneInfo) -> datetime:
    """An action item due on a date is due until the end of that day, local time."""
    return datetime.combine(due_date + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


@dataclass
class ActionItem:
    id: str
    meeting_id: str
    title: str
    owner: str
    owner_department: str
    meeting_department: str
    due_date: date
    due_at: datetime
    agenda_item_id: str = ""
    closed_door: bool = False
    completed_at: datetime | None = None
    progress_note: str = ""
    created_at: datetime | None = None

    def status(self, now: datetime) -> ActionStatus:
        """SPEC M-06: delayed = past due and not completed, computed at every read."""
        if self.completed_at is not None:
            return ActionStatus.COMPLETED
        if now >= self.due_at:
            return ActionStatus.DELAYED
        return ActionStatus.IN_PROGRESS

    @property
    def cross_department(self) -> bool:
        return is_cross_department(self.owner_department, self.meeting_department)


def is_cross_department(owner_department: str, meeting_department: str) -> bool:
    """SPEC M-06: an item owned outside the organising department crosses departments.

    Those roll up to the monthly coordination meeting.
    """
    return bool(owner_department) and owner_department != meeting_department


def achievement_rate(items: Iterable[ActionItem], at: datetime) -> tuple[int, int, float | None]:
    """SPEC M-07: completed action items / due action items, as of ``at``.

    Due means the due time has passed; an item done early counts once it is
    due. Returns (due, completed among them, rate or None when nothing is due).
    """
    due = [item for item in items if item.due_at <= at]
    completed = sum(1 for item in due if item.completed_at is not None)
    return len(due), completed, (completed / len(due) if due else None)


def for_coordination(
    items: Iterable[ActionItem], month_start: datetime, month_end: datetime
) -> list[ActionItem]:
    """SPEC M-06: the cross-department items the monthly coordination meeting reviews.

    Every cross-department item still open, plus those completed or due in
    the month, oldest due first.
    """
    chosen = [
        item
        for item in items
        if item.cross_department
        and (
            item.completed_at is None
            or month_start <= item.completed_at < month_end
            or month_start <= item.due_at < month_end
        )
    ]
    return sorted(chosen, key=lambda item: (item.due_at, item.id))
