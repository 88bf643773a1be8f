"""The career rules as plain Python (SPEC C-01..C-08)."""

from __future__ import annotations

from datetime import date

import pytest

from career.domain.access import may_read_person
from career.domain.anchors import QUESTIONS, score
from career.domain.calendar import add_months, quarter_bounds, quarter_of
from career.domain.ladders import (
    DEFAULT_RUNGS,
    Criteria,
    Facts,
    Rung,
    evaluate,
    merged_rungs,
    next_rung,
    priority_years,
    tenure_years,
    transfer_checks,
)
from career.domain.mentoring import MentorRecord, gold_mentors, mentorship_end, weeks
from career.domain.succession import Successor, SuccessorIsHolder, flagged, ranked
from career.domain.talent import Dot, box, grid_svg, results_from_grade, tier

SUPERVISOR = next(r for r in DEFAULT_RUNGS if r.rung == "supervisor")


def test_c01_supervisor_needs_3_years_excellent_teamwork_90_and_a_team_of_5() -> None:
    facts = Facts(tenure_years=3.1, latest_grade="excellent", latest_teamwork=92, team_size=5)
    checks = evaluate(SUPERVISOR.criteria, facts)
    assert [c.key for c in checks] == ["tenure_in_post", "annual_grade", "teamwork", "team_size"]
    assert all(c.held for c in checks)


def test_c01_each_criterion_is_shown_held_or_not() -> None:
    facts = Facts(tenure_years=2.0, latest_grade="good", latest_teamwork=95, team_size=4)
    held = {c.key: c.held for c in evaluate(SUPERVISOR.criteria, facts)}
    assert held == {
        "tenure_in_post": False,
        "annual_grade": False,
        "teamwork": True,
        "team_size": False,
    }


def test_c01_missing_data_is_unknown_and_never_held() -> None:
    checks = evaluate(SUPERVISOR.criteria, Facts())
    assert all(c.actual == "unknown" and not c.held for c in checks)


def test_c01_criteria_are_data_the_organisation_edits() -> None:
    edited = Rung("management", "supervisor", "", 0, Criteria(2, "good", 80, 3), "hr")
    rungs = merged_rungs([edited])
    supervisor = next(r for r in rungs if r.rung == "supervisor")
    assert supervisor.criteria == Criteria(2, "good", 80, 3)
    assert supervisor.name == "主管"
    assert supervisor.updated_by == "hr"


def test_c01_ladders_go_specialist_to_director_and_junior_to_senior() -> None:
    rungs = merged_rungs([])
    assert [r.rung for r in rungs if r.ladder == "management"] == [
        "specialist",
        "supervisor",
        "deputy_director",
        "director",
    ]
    assert [r.rung for r in rungs if r.ladder == "professional"] == [
        "junior",
        "intermediate",
        "senior",
    ]
    assert next_rung(rungs, "management", "specialist") == SUPERVISOR
    assert next_rung(rungs, "professional", "senior") is None


def test_c01_tenure_counts_years_in_post() -> None:
    assert tenure_years(date(2023, 3, 1), date(2026, 3, 2)) == pytest.approx(3.0, abs=0.01)


def test_p07_two_consecutive_excellent_years_flag_promotion_priority() -> None:
    assert priority_years({2025: "excellent", 2026: "excellent"}) == [2025, 2026]
    assert priority_years({2024: "excellent", 2025: "good", 2026: "excellent"}) == []
    assert priority_years({2026: "excellent"}) == []


def test_c02_transfer_needs_2_years_good_grade_and_passed_assessment() -> None:
    ok = transfer_checks(Facts(2.5, "good", None, None, True))
    assert all(c.held for c in ok)
    failing = [c.key for c in transfer_checks(Facts(1.0, "pass", None, None, False)) if not c.held]
    assert failing == ["tenure_in_post", "annual_grade", "transfer_assessment"]


def test_c03_anchor_questionnaire_scores_the_eight_anchors() -> None:
    answers = [2] * QUESTIONS
    answers[5:10] = [6, 6, 5, 6, 6]  # GM, the second anchor
    scores = score(answers)
    assert len(scores) == 8
    assert scores[0].anchor == "GM"
    assert scores[0].score == 5.8
    with pytest.raises(ValueError, match="40 answers"):
        score([3] * 39)


def test_c03_review_is_due_six_months_on() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_c05_mentorship_lasts_six_months_and_weeks_count_logged_hours() -> None:
    start = date(2026, 3, 2)
    assert mentorship_end(start) == date(2026, 9, 1)
    logged = weeks(
        start,
        mentorship_end(start),
        date(2026, 3, 12),
        [(date(2026, 3, 3), 1.5), (date(2026, 3, 10), 2)],
    )
    assert [(w.week, w.hours, w.met) for w in logged] == [(1, 1.5, False), (2, 2.0, True)]


def test_c05_gold_mentor_needs_every_week_met_and_good_feedback() -> None:
    start = date(2026, 3, 30)  # a Monday: Q2's weeks start 2026-04-06
    every_week = tuple(
        (date(2026, 4, 6) + (date(2026, 4, 13) - date(2026, 4, 6)) * i, 2.0) for i in range(13)
    )
    good = MentorRecord("m.good", start, mentorship_end(start), every_week, (5, 4))
    short = MentorRecord("m.short", start, mentorship_end(start), every_week[:-2], (5,))
    unloved = MentorRecord("m.unloved", start, mentorship_end(start), every_week, (3,))
    titles = gold_mentors("2026-Q2", [good, short, unloved])
    assert [g.mentor for g in titles] == ["m.good"]


def test_c07_nine_box_from_results_and_potential_with_three_tiers() -> None:
    assert results_from_grade("excellent") == 3
    assert results_from_grade(None) == 1
    assert box(1, 3) == 1
    assert box(3, 3) == 3
    assert box(3, 1) == 9
    assert tier(3, 3) == "core"
    assert tier(2, 2) == "backbone"
    assert tier(1, 1) == "base"


def test_c07_grid_shows_names_only_for_visible_people() -> None:
    svg = grid_svg(2026, [Dot(3, "张三"), Dot(3, None), Dot(5, "<李四>")])
    assert svg.startswith("<svg")
    assert "张三" in svg
    assert "&lt;李四&gt;" in svg
    assert "(2)" in svg  # box 3 counts the hidden person too


def test_c08_successors_ranked_by_readiness_and_post_flagged_without_a_ready_one() -> None:
    order = ranked("holder", [Successor("b", "two_years"), Successor("a", "ready_now")])
    assert [s.username for s in order] == ["a", "b"]
    assert flagged([Successor("b", "two_years")])
    assert not flagged(order)
    with pytest.raises(SuccessorIsHolder):
        ranked("holder", [Successor("holder", "ready_now")])


def test_x03_career_data_readable_by_person_superiors_and_hr_only() -> None:
    assert may_read_person("a", [], "a", [])
    assert may_read_person("boss", [], "a", ["boss"])
    assert may_read_person("hr1", ["hr"], "a", [])
    assert not may_read_person("peer", ["employee"], "a", ["boss"])


def test_quarters() -> None:
    assert quarter_of(date(2026, 11, 30)) == "2026-Q4"
    assert quarter_bounds("2026-Q4") == (date(2026, 10, 1), date(2027, 1, 1))
