"""Repair tickets (SPEC F-06): report → respond → resolve → the requester
accepts (or reopens).

Response is due 2 hours after the report (wall clock, X-02: under 24 h);
a major fault is due resolved 24 hours after the report, counted on
working days (X-02), and needs a written result. A reopened ticket gets a
fresh resolution clock from the reopening.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

RESPONSE_HOURS = 2.0
MAJOR_RESOLUTION_HOURS = 24.0
SEVERITIES = ("minor", "major")

MET = "met"
BREACHED = "breached"


class RepairState:
    REPORTED = "reported"
    RESPONDED = "responded"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"


class RepairRuleBroken(Exception):
    """The ticket is not in a state that allows this step."""


class NotTheRequester(Exception):
    """Only the person who reported the fault accepts or reopens the repair."""


@dataclass
class RepairEntry:
    at: datetime
    actor: str
    action: str
    note: str = ""


@dataclass
class Repair:
    id: str
    title: str
    description: str
    location: str
    severity: str
    state: str
    requester: str
    reported_at: datetime
    response_due_at: datetime
    resolve_due_at: datetime | None = None
    assignee: str = ""
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    result: str = ""
    accepted_at: datetime | None = None
    response_outcome: str = ""
    resolution_outcome: str = ""
    history: list[RepairEntry] = field(default_factory=list)

    @property
    def is_major(self) -> bool:
        return self.severity == "major"

    def _log(self, at: datetime, actor: str, action: str, note: str = "") -> None:
        self.history.append(RepairEntry(at, actor, action, note))

    def respond(self, actor: str, now: datetime, note: str = "") -> str | None:
        """Take the ticket; returns the response SLA outcome unless a breach was already counted."""
        if self.state != RepairState.REPORTED:
            raise RepairRuleBroken(
                f"the repair is {self.state}; only a reported one is responded to"
            )
        self.state = RepairState.RESPONDED
        self.assignee = actor
        self.responded_at = now
        self._log(now, actor, "responded", note)
        if self.response_outcome:
            return None
        self.response_outcome = MET if now <= self.response_due_at else BREACHED
        return self.response_outcome

    def resolve(self, actor: str, now: datetime, result: str) -> str | None:
        """Record the fix; returns the resolution SLA outcome for a major fault, once."""
        if self.state not in (RepairState.RESPONDED, RepairState.REOPENED):
            raise RepairRuleBroken(
                f"the repair is {self.state}; it is resolved after a response or a reopening"
            )
        if not result.strip():
            raise ValueError("a written result is required")
        self.state = RepairState.RESOLVED
        self.resolved_at = now
        self.result = result.strip()
        if not self.assignee:
            self.assignee = actor
        self._log(now, actor, "resolved", self.result)
        if self.resolve_due_at is None or self.resolution_outcome:
            return None
        self.resolution_outcome = MET if now <= self.resolve_due_at else BREACHED
        return self.resolution_outcome

    def accept(self, actor: str, now: datetime) -> None:
        if actor != self.requester:
            raise NotTheRequester("only the person who reported the fault accepts the repair")
        if self.state != RepairState.RESOLVED:
            raise RepairRuleBroken(f"the repair is {self.state}; only a resolved one is accepted")
        self.state = RepairState.CLOSED
        self.accepted_at = now
        self._log(now, actor, "accepted")

    def reopen(
        self, actor: str, now: datetime, reason: str, resolve_due_at: datetime | None
    ) -> None:
        if actor != self.requester:
            raise NotTheRequester("only the person who reported the fault reopens the repair")
        if self.state != RepairState.RESOLVED:
            raise RepairRuleBroken(f"the repair is {self.state}; only a resolved one is reopened")
        if not reason.strip():
            raise ValueError("say what is still wrong")
        self.state = RepairState.REOPENED
        self.resolved_at = None
        self.resolve_due_at = resolve_due_at
        self.resolution_outcome = ""
        self._log(now, actor, "reopened", reason.strip())

    def response_breached(self, now: datetime) -> bool:
        """The response timer fired: True when this counts as the ticket's breach."""
        if self.state != RepairState.REPORTED or self.response_outcome:
            return False
        self.response_outcome = BREACHED
        self._log(now, "system", "response_breached")
        return True

    def resolution_breached(self, now: datetime) -> bool:
        if (
            self.state not in (RepairState.RESPONDED, RepairState.REPORTED, RepairState.REOPENED)
            or self.resolution_outcome
            or self.resolve_due_at is None
        ):
            return False
        self.resolution_outcome = BREACHED
        self._log(now, "system", "resolution_breached")
        return True
