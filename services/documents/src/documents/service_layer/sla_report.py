"""SPEC D-10's monthly SLA report: document flows and approvals per calendar month."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from documents.adapters.approval_repository import ApprovalRepository
from documents.adapters.repository import DocumentRepository
from documents.domain.approvals.sla import SlaFigures, month_bounds, month_figures
from documents.domain.sla_report import MonthlySla, flow_month_figures
from documents.service_layer.approvals import ApprovalEngine
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.identity import Identity


class SlaReports:
    def __init__(
        self, engine: ApprovalEngine, db: Database, clock: Clock, timezone: str = "Asia/Shanghai"
    ) -> None:
        self._engine = engine
        self._db = db
        self._clock = clock
        self._zone = ZoneInfo(timezone)

    def monthly(self, actor: Identity, month: str = "") -> MonthlySla:
        """The calendar month ``YYYY-MM`` (default: the current one): approval steps as
        the approval engine counts them, document flow steps and whole flows."""
        month, approvals = self._engine.sla_report(actor, month)
        start, end = month_bounds(month, self._zone)
        return self._documents(month, approvals, start, end)

    def current_month(self) -> MonthlySla:
        """The running calendar month, for the metric the D-10 alert reads."""
        now = self._clock.now()
        month = now.astimezone(self._zone).strftime("%Y-%m")
        start, end = month_bounds(month, self._zone)
        with self._db.reading() as session:
            approvals = month_figures(
                ApprovalRepository(session).sla_steps(start, end), start, end, now
            )
        return self._documents(month, approvals, start, end)

    def _documents(
        self, month: str, approvals: SlaFigures, start: datetime, end: datetime
    ) -> MonthlySla:
        now = self._clock.now()
        with self._db.reading() as session:
            repo = DocumentRepository(session)
            steps = repo.sla_steps(start, end)
            flows = repo.flow_timings(start, end)
        return MonthlySla(
            month=month,
            approvals=approvals,
            documents=month_figures(steps, start, end, now),
            flows=flow_month_figures(flows, start, end, now),
        )
