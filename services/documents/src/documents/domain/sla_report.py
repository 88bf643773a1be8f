"""The monthly SLA report of SPEC D-10: document flows and approvals per calendar month.

Steps are counted by :func:`documents.domain.approvals.sla.month_figures`
for approval steps and document flow steps (拟办, circulation, archive)
alike; the whole document flow (D-10's 24 hours from registration to the
end of circulation, or an urgent document's first response) is counted
here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from documents.domain.approvals.sla import OVERDUE_SHARE_TARGET, SlaFigures


@dataclass(frozen=True)
class FlowTiming:
    registered_at: datetime
    due_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class FlowFigures:
    total: int = 0
    met: int = 0
    breached: int = 0


def flow_month_figures(
    flows: Iterable[FlowTiming], start: datetime, end: datetime, now: datetime
) -> FlowFigures:
    """SPEC D-10: the month's document flows and how many ran past their deadline.

    As for steps: a flow belongs to the month if it ended in it, or if it is
    still running and began before the month ended; it breached if it ended
    after its due time, or is running and its due time passed before the
    month ended (or before now, for the running month).
    """
    total = met = breached = 0
    horizon = min(end, now)
    for flow in flows:
        if flow.closed_at is not None:
            if not start <= flow.closed_at < end:
                continue
            late = flow.closed_at > flow.due_at
        else:
            if flow.registered_at >= end:
                continue
            late = flow.due_at < horizon
        total += 1
        if late:
            breached += 1
        elif flow.closed_at is not None:
            met += 1
    return FlowFigures(total=total, met=met, breached=breached)


@dataclass(frozen=True)
class MonthlySla:
    """SPEC D-10's report for one calendar month (organisation time zone)."""

    month: str
    approvals: SlaFigures
    documents: SlaFigures
    flows: FlowFigures

    @property
    def steps_total(self) -> int:
        return self.approvals.steps_total + self.documents.steps_total

    @property
    def steps_overdue(self) -> int:
        return self.approvals.steps_overdue + self.documents.steps_overdue

    @property
    def overdue_share(self) -> float:
        """Approval and document steps together: the share D-10's 5 % binds."""
        return self.steps_overdue / self.steps_total if self.steps_total else 0.0

    @property
    def target_met(self) -> bool:
        return self.overdue_share <= OVERDUE_SHARE_TARGET
