"""Incidents (SPEC F-10), e.g. a power cut: the emergency plan is started
within 10 minutes and key equipment is restored with IT within 30 minutes
of the report. Both clocks are wall-clock (X-02: under 24 hours)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

PLAN_MINUTES = 10
RESTORE_MINUTES = 30
KINDS = ("power_cut", "network", "fire", "water", "other")

MET = "met"
BREACHED = "breached"


class IncidentState:
    OPEN = "open"
    PLAN_STARTED = "plan_started"
    RESTORED = "restored"
    CLOSED = "closed"


class IncidentRuleBroken(Exception):
    pass


@dataclass
class Incident:
    id: str
    kind: str
    description: str
    location: str
    reporter: str
    state: str
    reported_at: datetime
    plan_due_at: datetime
    restore_due_at: datetime
    plan_started_at: datetime | None = None
    plan_started_by: str = ""
    plan_outcome: str = ""
    restored_at: datetime | None = None
    restored_by: str = ""
    restore_outcome: str = ""
    closed_at: datetime | None = None
    note: str = ""

    @classmethod
    def report(
        cls, id: str, kind: str, description: str, location: str, reporter: str, now: datetime
    ) -> Incident:
        return cls(
            id=id,
            kind=kind,
            description=description,
            location=location,
            reporter=reporter,
            state=IncidentState.OPEN,
            reported_at=now,
            plan_due_at=now + timedelta(minutes=PLAN_MINUTES),
            restore_due_at=now + timedelta(minutes=RESTORE_MINUTES),
        )

    def start_plan(self, actor: str, now: datetime) -> str | None:
        """Returns the plan SLA outcome unless the timer already counted a breach."""
        if self.state != IncidentState.OPEN:
            raise IncidentRuleBroken(f"the incident is {self.state}; the plan starts once")
        self.state = IncidentState.PLAN_STARTED
        self.plan_started_at = now
        self.plan_started_by = actor
        if self.plan_outcome:
            return None
        self.plan_outcome = MET if now <= self.plan_due_at else BREACHED
        return self.plan_outcome

    def restore(self, actor: str, now: datetime, note: str) -> str | None:
        if self.state != IncidentState.PLAN_STARTED:
            raise IncidentRuleBroken(
                f"the incident is {self.state}; equipment is restored after the plan started"
            )
        self.state = IncidentState.RESTORED
        self.restored_at = now
        self.restored_by = actor
        if note:
            self.note = note
        if self.restore_outcome:
            return None
        self.restore_outcome = MET if now <= self.restore_due_at else BREACHED
        return self.restore_outcome

    def close(self, now: datetime, note: str) -> None:
        if self.state != IncidentState.RESTORED:
            raise IncidentRuleBroken(f"the incident is {self.state}; it closes once restored")
        self.state = IncidentState.CLOSED
        self.closed_at = now
        if note:
            self.note = note

    def plan_overdue(self) -> bool:
        if self.state != IncidentState.OPEN or self.plan_outcome:
            return False
        self.plan_outcome = BREACHED
        return True

    def restore_overdue(self) -> bool:
        if (
            self.state not in (IncidentState.OPEN, IncidentState.PLAN_STARTED)
            or self.restore_outcome
        ):
            return False
        self.restore_outcome = BREACHED
        return True
