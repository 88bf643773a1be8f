"""Steps of the running calendar month (SPEC D-10), read from the database at scrape time.

D-10 binds overdue steps to 5 % "per calendar month"; Prometheus has no
calendar month, so the service counts the month's steps itself (in the
organisation's time zone) and the alert reads the share from this gauge.
Every replica reports the same numbers, hence max across replicas.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from documents.service_layer.sla_report import SlaReports


class MonthSlaCollector(Collector):
    def __init__(self, reports: SlaReports) -> None:
        self._reports = reports

    def collect(self) -> Iterator[GaugeMetricFamily]:
        steps = GaugeMetricFamily(
            "secretariat_sla_month_steps",
            "Steps of the running calendar month (D-10): flow=documents|approvals, "
            "overdue=true for steps closed late or open past their due time",
            labels=["flow", "overdue"],
        )
        flows = GaugeMetricFamily(
            "secretariat_document_flows_month",
            "Document flows of the running calendar month (D-10), by outcome: met, breached "
            "(ended late or running past due), running",
            labels=["outcome"],
        )
        report = self._reports.current_month()
        for name, figures in (("documents", report.documents), ("approvals", report.approvals)):
            steps.add_metric([name, "true"], figures.steps_overdue)
            steps.add_metric([name, "false"], figures.steps_total - figures.steps_overdue)
        flows.add_metric(["met"], report.flows.met)
        flows.add_metric(["breached"], report.flows.breached)
        flows.add_metric(["running"], report.flows.total - report.flows.met - report.flows.breached)
        yield steps
        yield flows
