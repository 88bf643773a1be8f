"""Gauge of open approval steps (SPEC D-10 dashboard), counted from the database at scrape.

Counting at scrape keeps the gauge right across restarts and replicas,
where an in-process gauge would drift.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select

from documents.adapters.approval_tables import approval_steps, approvals
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database


class OpenApprovalStepsCollector(Collector):
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "secretariat_approval_steps_open",
            "Approval steps waiting for a decision, by template, priority and overdue (D-10)",
            labels=["template", "priority", "overdue"],
        )
        overdue = case((approval_steps.c.due_at < self._clock.now(), True), else_=False)
        stmt = (
            select(approvals.c.template_key, approvals.c.urgent, overdue, func.count())
            .join(approvals, approvals.c.id == approval_steps.c.approval_id)
            .where(approval_steps.c.state == "open")
            .group_by(approvals.c.template_key, approvals.c.urgent, overdue)
        )
        with self._db.reading() as session:
            for template, urgent, late, count in session.execute(stmt):
                gauge.add_metric(
                    [template, "urgent" if urgent else "routine", "true" if late else "false"],
                    count,
                )
        yield gauge
