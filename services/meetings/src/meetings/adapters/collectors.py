"""Gauges read from the database at scrape time (M-02, M-06 dashboards).

Counting at scrape keeps them right across restarts and replicas. Whether
an action item is delayed depends on the clock, so it is worked out here
at each scrape, never stored (M-06).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select

from meetings.adapters.orm import action_items, meetings, milestones
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database


class MeetingsCollector(Collector):
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self._clock.now()
        items = GaugeMetricFamily(
            "secretariat_meetings_action_items",
            "Action items by status (in_progress|completed|delayed, M-06) and whether they "
            "cross departments",
            labels=["status", "cross_department"],
        )
        status = case(
            (action_items.c.completed_at.is_not(None), "completed"),
            (action_items.c.due_at <= now, "delayed"),
            else_="in_progress",
        )
        cross = case(
            (
                (action_items.c.owner_department != action_items.c.meeting_department)
                & (action_items.c.owner_department != ""),
                "true",
            ),
            else_="false",
        )
        open_milestones = GaugeMetricFamily(
            "secretariat_meetings_milestones_open",
            "Open preparation milestones of scheduled meetings (M-02), by overdue",
            labels=["overdue"],
        )
        with self._db.reading() as session:
            for label, crosses, count in session.execute(
                select(status, cross, func.count()).group_by(status, cross)
            ):
                items.add_metric([label, crosses], count)
            for overdue, count in session.execute(
                select(milestones.c.overdue, func.count())
                .join(meetings, meetings.c.id == milestones.c.meeting_id)
                .where(milestones.c.state == "open", meetings.c.state == "scheduled")
                .group_by(milestones.c.overdue)
            ):
                open_milestones.add_metric(["true" if overdue else "false"], count)
        yield items
        yield open_milestones
