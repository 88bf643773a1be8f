"""The facilities service built by the service kit: every background worker runs
on the clock it was given (ENGINEERING rule 8, issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilities.bootstrap import MIGRATIONS, build
from facilities.settings import FacilitiesSettings
from facilities_testkit import FakeApprovals
from secretariat_shared.bus import BusTopology
from secretariat_shared.clock import OffsetFileClock
from secretariat_shared.test_databases import migrate_test_database
from secretariat_shared.testing import FakeDirectory, assert_workers_follow_clock, service_settings

pytestmark = pytest.mark.integration


def test_rule8_moving_the_testing_clock_moves_every_worker(
    database_url: str, bus_url: str, bus_namespace: str, tmp_path: Path
) -> None:
    migrate_test_database(MIGRATIONS, database_url)
    clock = OffsetFileClock(tmp_path / "clock-offset")
    app = build(
        service_settings(database_url, bus_url, FacilitiesSettings, testing=True),
        clock,
        directory=FakeDirectory(),
        approvals=FakeApprovals(),
        topology=BusTopology(prefix=bus_namespace),
    )
    try:
        assert {type(w).__name__ for w in app.workers} == {
            "OutboxRelay",
            "TimerScheduler",
            "CalendarFeed",
            "EventConsumer",
        }
        assert_workers_follow_clock(app, clock)
    finally:
        app.db.dispose()
