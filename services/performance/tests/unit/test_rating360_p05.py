"""SPEC P-05: superior 50 %, peers 30 %, recipients 20 %, renormalised over the
groups that answered; a group's mean shown only from 3 raters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from performance.domain.rating360 import GROUPS, NOMINAL_WEIGHTS, score_360

pytestmark = pytest.mark.unit

scores = st.floats(min_value=0, max_value=100, allow_nan=False)
ratings = st.lists(st.tuples(st.sampled_from(GROUPS), scores), max_size=30)


def test_p05_all_groups_use_the_nominal_weights() -> None:
    result = score_360([("superior", 90), ("peer", 80), ("recipient", 70)])
    assert result.value == pytest.approx(0.5 * 90 + 0.3 * 80 + 0.2 * 70)
    assert [g.weight for g in result.groups] == [0.5, 0.3, 0.2]
    assert "renormalised" not in result.formula


def test_p05_an_empty_group_renormalises_the_others_and_the_formula_says_so() -> None:
    result = score_360([("superior", 90), ("peer", 80), ("peer", 70), ("peer", 60)])
    weights = {g.group: g.weight for g in result.groups}
    assert weights == pytest.approx({"superior": 0.625, "peer": 0.375, "recipient": 0.0})
    assert result.value == pytest.approx(0.625 * 90 + 0.375 * 70)
    assert result.formula == (
        "360 = (0.50 × superior + 0.30 × peer) / 0.80 = 0.625 × superior + 0.375 × peer"
        " (renormalised: no ratings from recipient)"
    )


def test_p05_a_group_of_fewer_than_three_raters_is_folded_in_without_its_mean() -> None:
    result = score_360([("superior", 90), ("peer", 80), ("peer", 60)])
    peer = next(g for g in result.groups if g.group == "peer")
    assert peer.folded
    assert peer.shown_mean is None
    assert peer.raters == 2
    assert result.value == pytest.approx(0.625 * 90 + 0.375 * 70)


def test_p05_no_ratings_no_score() -> None:
    assert score_360([]).value is None


@given(ratings)
def test_p05_property_used_weights_sum_to_one_and_keep_the_nominal_ratios(
    given_ratings: list[tuple[str, float]],
) -> None:
    result = score_360(given_ratings)
    answered = [g for g in result.groups if g.raters]
    if not answered:
        assert result.value is None
        return
    assert sum(g.weight for g in result.groups) == pytest.approx(1.0)
    for a in answered:
        for b in answered:
            assert a.weight * NOMINAL_WEIGHTS[b.group] == pytest.approx(
                b.weight * NOMINAL_WEIGHTS[a.group]
            )
    assert all(g.weight == 0 for g in result.groups if not g.raters)


@given(ratings)
def test_p05_property_score_lies_between_the_lowest_and_highest_group_mean(
    given_ratings: list[tuple[str, float]],
) -> None:
    result = score_360(given_ratings)
    means = [g.mean for g in result.groups if g.mean is not None]
    if means:
        assert result.value is not None
        assert min(means) - 0.01 <= result.value <= max(means) + 0.01


@given(st.lists(st.tuples(st.sampled_from(GROUPS), scores), min_size=1, max_size=20))
def test_p05_property_adding_a_group_at_the_current_score_changes_nothing(
    given_ratings: list[tuple[str, float]],
) -> None:
    before = score_360(given_ratings)
    missing = [g.group for g in before.groups if not g.raters]
    if not missing or before.value is None:
        return
    after = score_360([*given_ratings, (missing[0], before.value)])
    assert after.value == pytest.approx(before.value, abs=0.02)
