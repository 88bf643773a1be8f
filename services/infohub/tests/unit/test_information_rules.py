"""The information flow's rules (SPEC I-01..I-06), each in plain Python."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from infohub.domain import information as rules
from infohub.domain.bulletin import bulletin_date_for, cutoff_of
from infohub.domain.effectiveness import ActionFact, DeliveryFact, rates
from infohub.domain.information import Figure, InfoItem, Lead
from infohub.domain.preferences import DIGEST, IMMEDIATE, Preferences
from infohub.domain.similarity import distance, near_duplicates, simhash
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.errors import Conflict, ValidationFailed

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
LEAD = Lead("11月30日上午", "一号厂区", "生产部", "完成设备检修", "产能恢复正常")


def item(**kw: object) -> InfoItem:
    base: dict[str, object] = dict(
        id="i-1",
        channel="internal",
        source="weekly_report",
        submitter="hr.clerk",
        anonymous=False,
        submitted_at=NOW,
        title="设备检修完成",
        lead=LEAD,
    )
    base.update(kw)
    return InfoItem(**base)  # type: ignore[arg-type]


def fields(exc: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {e.field for e in exc.value.errors}


def test_i01_each_channel_accepts_only_its_own_sources() -> None:
    rules.check_intake("special", "project_daily_report", False, LEAD, [], "港口项目")
    with pytest.raises(ValidationFailed) as exc:
        rules.check_intake("external", "weekly_report", False, LEAD, [], "")
    assert fields(exc) == {"source"}


def test_i01_only_suggestions_may_be_anonymous() -> None:
    rules.check_intake("internal", "suggestion", True, LEAD, [], "")
    with pytest.raises(ValidationFailed) as exc:
        rules.check_intake("internal", "weekly_report", True, LEAD, [], "")
    assert fields(exc) == {"anonymous"}


def test_i01_a_project_daily_report_names_its_project() -> None:
    with pytest.raises(ValidationFailed) as exc:
        rules.check_intake("special", "project_daily_report", False, LEAD, [], " ")
    assert fields(exc) == {"project"}


def test_i04_the_lead_states_time_place_people_event_and_result() -> None:
    with pytest.raises(ValidationFailed) as exc:
        rules.check_intake("internal", "weekly_report", False, Lead(time="今天"), [], "")
    assert fields(exc) == {"lead.place", "lead.people", "lead.event", "lead.result"}
    assert LEAD.sentence() == "11月30日上午，一号厂区，生产部完成设备检修，产能恢复正常。"


def test_i04_every_figure_carries_source_and_basis() -> None:
    figures = [Figure("投诉量", "12", "件", "客服系统", ""), Figure("产量", "3", "万吨")]
    with pytest.raises(ValidationFailed) as exc:
        rules.check_intake("external", "customer_feedback", False, LEAD, figures, "")
    assert fields(exc) == {"figures[0].basis", "figures[1].source", "figures[1].basis"}


def test_i02_triage_places_on_the_matrix_and_cannot_change_after_publication() -> None:
    it = item()
    rules.triage(it, "important", "urgent")
    assert (it.importance, it.urgency, it.status) == ("important", "urgent", "triaged")
    it.status = "published"
    with pytest.raises(Conflict):
        rules.triage(it, "routine", "normal")


def test_i03_reviews_run_screen_verify_distil_in_order_and_each_is_recorded() -> None:
    it = item(figures=[Figure("投诉量", "12", "件", "客服系统", "11月全月")])
    with pytest.raises(Conflict):
        rules.review(it, "screen", "sec.clerk", NOW, "", "", "", "")  # not triaged
    rules.triage(it, "routine", "normal")
    with pytest.raises(Conflict):
        rules.review(it, "verify", "sec.clerk", NOW, "", "核对", "", "")
    rules.review(it, "screen", "sec.clerk", NOW, "keep", "", "", "")
    with pytest.raises(ValidationFailed):
        rules.review(it, "verify", "sec.clerk", NOW, "", "", "", "")  # how was it checked?
    rules.review(it, "verify", "sec.clerk", NOW, "", "与客服系统核对", "", "")
    assert not rules.all_reviews_done(it)
    with pytest.raises(ValidationFailed):
        rules.review(it, "distil", "sec.clerk", NOW, "", "", "", "")  # no core points
    rules.review(it, "distil", "sec.clerk", NOW, "", "", "投诉量下降", "")
    assert rules.all_reviews_done(it)
    assert [(r.stage, r.reviewer) for r in it.reviews] == [
        ("screen", "sec.clerk"),
        ("verify", "sec.clerk"),
        ("distil", "sec.clerk"),
    ]


def test_i03_screen_drops_or_merges_and_nothing_follows() -> None:
    it = item()
    rules.triage(it, "routine", "normal")
    rules.review(it, "screen", "sec.clerk", NOW, "merge", "", "", "i-0")
    assert (it.status, it.merged_into) == ("merged", "i-0")
    assert not rules.all_reviews_done(it)
    with pytest.raises(Conflict):
        rules.review(it, "verify", "sec.clerk", NOW, "", "核对", "", "")


def test_i03_near_duplicates_are_found_over_segmented_chinese() -> None:
    a = simhash("11月30日上午，一号厂区生产部完成设备检修，产能恢复正常，预计本周产量提升。")
    b = simhash("11月30日上午，一号厂区的生产部完成了设备检修，产能已恢复正常，预计本周产量提升。")
    c = simhash("客户反馈：新版客服热线接通率偏低，等待时间过长，建议增加坐席。")
    assert distance(a, b) < distance(a, c)
    assert near_duplicates(a, [("b", b), ("c", c)]) == ["b"]


def test_i02_bulletin_date_is_the_next_working_day_after_the_cutoff() -> None:
    calendar = BusinessCalendar()
    # Friday 2026-11-27 15:00 Beijing -> Monday's bulletin
    assert bulletin_date_for(calendar, datetime(2026, 11, 27, 7, 0, tzinfo=UTC), ZONE) == date(
        2026, 11, 30
    )
    # Monday 18:00 Beijing is after Tuesday's cut-off (Monday 17:00) -> Wednesday's
    assert bulletin_date_for(calendar, datetime(2026, 11, 30, 10, 0, tzinfo=UTC), ZONE) == date(
        2026, 12, 2
    )
    assert cutoff_of(calendar, date(2026, 11, 30), ZONE) == datetime(
        2026, 11, 27, 17, 0, tzinfo=ZONE
    )


def test_i06_rates_per_department_and_low_ones_named_with_their_items() -> None:
    deliveries = [
        DeliveryFact("a", "HR", True),
        DeliveryFact("b", "HR", False),
        DeliveryFact("a", "FIN", True),
    ]
    actions = [
        ActionFact("a", "HR", True, True),
        ActionFact("c", "HR", True, False),
        ActionFact("d", "HR", False, False),
        ActionFact("e", "FIN", True, True),
    ]
    by = {r.department_code: r for r in rates(deliveries, actions)}
    hr = by["HR"]
    assert (hr.awareness_rate, hr.execution_rate, hr.achievement_rate) == (0.5, 2 / 3, 1 / 3)
    assert hr.low_rates == ["awareness", "execution", "achievement"]
    assert set(hr.low_item_ids) == {"b", "c", "d"}
    assert by["FIN"].low_rates == []
    assert by["FIN"].awareness_rate == 1.0


def test_important_items_and_deadlines_are_always_immediate() -> None:
    prefs = Preferences("hr.head", "h@example.com", DIGEST, {"meeting_notice": DIGEST})
    assert prefs.delivery_for("meeting_notice", False) == DIGEST
    assert prefs.delivery_for("info_bulletin", False) == DIGEST
    assert prefs.delivery_for("info_important", False) == IMMEDIATE
    assert prefs.delivery_for("meeting_notice", True) == IMMEDIATE
