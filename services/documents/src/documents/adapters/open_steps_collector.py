"""Gauge of open flow steps (SPEC D-10 dashboard), read from the database at scrape time.

Counting at scrape keeps the gauge right across restarts and replicas,
where an in-process gauge would drift.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from documents.adapters.orm import document_steps, documents
from secretariat_shared.db import Database


class OpenStepsCollector(Collector):
    def __init__(self, db: Database) -> None:
        self._db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "secretariat_document_steps_open",
            "Document flow steps waiting for someone, by kind, priority and overdue",
            labels=["kind", "priority", "overdue"],
        )
        stmt = (
            select(
                document_steps.c.kind,
                documents.c.priority,
                document_steps.c.overdue,
                func.count(),
            )
            .join(documents, documents.c.id == document_steps.c.document_id)
            .where(document_steps.c.state == "open")
            .group_by(document_steps.c.kind, documents.c.priority, document_steps.c.overdue)
        )
        with self._db.reading() as session:
            for kind, priority, overdue, count in session.execute(stmt):
                gauge.add_metric([kind, priority, "true" if overdue else "false"], count)
        yield gauge
