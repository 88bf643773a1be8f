"""SPEC P-07 grades by the organisation's rules; P-03 veto."""

from __future__ import annotations

import pytest

from performance.domain.grading import (
    EXCELLENT,
    GOOD,
    NEEDS_IMPROVEMENT,
    PASS,
    Rules,
    consecutive,
    grade_cycle,
    grade_of,
    regrade_one,
)

pytestmark = pytest.mark.unit


def test_p07_thresholds_give_the_four_grades() -> None:
    rules = Rules()
    assert [grade_of(s, rules) for s in (95, 85, 65, 40)] == [
        EXCELLENT,
        GOOD,
        PASS,
        NEEDS_IMPROVEMENT,
    ]


def test_p07_organisation_set_thresholds_apply() -> None:
    assert grade_of(85, Rules(excellent_from=85, good_from=75, pass_from=50)) == EXCELLENT


def test_p07_excellent_share_caps_excellent_grades_by_rank() -> None:
    scores = [(f"p{i}", 91.0 + i) for i in range(10)]
    graded = grade_cycle(scores, Rules(excellent_share=0.2))
    excellent = sorted(u for u, g in graded.items() if g.grade == EXCELLENT)
    assert excellent == ["p8", "p9"]
    assert graded["p0"].grade == GOOD
    assert graded["p0"].capped


def test_p03_a_confidentiality_leak_vetoes_to_the_lowest_grade() -> None:
    graded = grade_cycle([("a", 99.0), ("b", 70.0)], Rules(), vetoed=frozenset({"a"}))
    assert graded["a"].grade == NEEDS_IMPROVEMENT
    assert graded["a"].vetoed


def test_p07_regrading_one_result_counts_the_others_excellent_grades() -> None:
    assert regrade_one(95, Rules(excellent_share=0.2), 5, 1, False) == (GOOD, True)
    assert regrade_one(95, Rules(excellent_share=0.2), 5, 0, False) == (EXCELLENT, False)


def test_p07_two_consecutive_failing_quarters_or_excellent_years() -> None:
    assert consecutive([PASS, NEEDS_IMPROVEMENT, NEEDS_IMPROVEMENT], (NEEDS_IMPROVEMENT,))
    assert not consecutive([NEEDS_IMPROVEMENT, PASS], (NEEDS_IMPROVEMENT,))
    assert consecutive([EXCELLENT, EXCELLENT], (EXCELLENT,))


def test_p07_rules_refuse_thresholds_out_of_order() -> None:
    assert "excellent_from" in Rules(excellent_from=70, good_from=80).problems()
