"""SPEC P-02 indicators from facts, P-03 innovation, P-04 training, P-09 bonus."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from performance.domain import facts as k
from performance.domain.facts import Fact
from performance.domain.indicators import indicators_of, innovation_bonus, quantitative_score
from performance.domain.rating360 import score_360
from performance.domain.scoring import combine

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 2, tzinfo=UTC)


def fact(kind: str, value: float = 1.0, ref: str = "", struck: str = "") -> Fact:
    return Fact(
        f"f{id(object())}",
        kind,
        "a",
        "OPS",
        NOW,
        value,
        f"e-{kind}-{value}-{ref}",
        "x",
        ref=ref,
        struck_by_appeal=struck,
    )


def named(facts: list[Fact]) -> dict[str, object]:
    return {i.name: i for i in indicators_of(facts)}


def test_p02_document_timeliness_and_overdue_share_show_their_counts() -> None:
    facts = [fact(k.DOCUMENT_STEP, 1), fact(k.DOCUMENT_STEP, 1), fact(k.APPROVAL_STEP, 0)]
    facts += [fact(k.STEP_ASSIGNED, ref=str(i)) for i in range(20)] + [fact(k.STEP_OVERDUE)]
    ind = named(facts)
    timeliness = ind["document_timeliness"]
    assert timeliness.value == pytest.approx(66.67)  # type: ignore[attr-defined]
    assert timeliness.formula == "met / (met + breached) = 2 / 3"  # type: ignore[attr-defined]
    overdue = ind["overdue_share"]
    assert overdue.value == 5.0
    assert overdue.target_met is True


def test_p02_meeting_satisfaction_target_85() -> None:
    ind = named([fact(k.MEETING_SATISFACTION, 80), fact(k.MEETING_SATISFACTION, 86)])
    assert ind["meeting_satisfaction"].value == 83.0  # type: ignore[attr-defined]
    assert ind["meeting_satisfaction"].target_met is False  # type: ignore[attr-defined]


def test_p02_action_item_delay_rate_counts_each_item_once() -> None:
    facts = [
        fact(k.ACTION_ITEM, 0, "i1"),
        fact(k.ACTION_ITEM, 0, "i1"),
        fact(k.ACTION_ITEM, 1, "i2"),
    ]
    ind = named(facts)
    assert ind["action_item_delay_rate"].value == 50.0  # type: ignore[attr-defined]
    assert ind["action_item_delay_rate"].formula == "delayed / items = 1 / 2"  # type: ignore[attr-defined]


def test_p02_a_struck_fact_no_longer_counts() -> None:
    ind = named([fact(k.DOCUMENT_STEP, 1), fact(k.DOCUMENT_STEP, 0, struck="appeal-1")])
    assert ind["document_timeliness"].value == 100.0  # type: ignore[attr-defined]


def test_x07_preparation_warnings_lower_the_quantitative_score() -> None:
    base = quantitative_score(indicators_of([fact(k.DOCUMENT_STEP, 1)]))
    warned = quantitative_score(
        indicators_of([fact(k.DOCUMENT_STEP, 1), fact(k.PREPARATION_WARNING)])
    )
    assert base.value == 100.0
    assert warned.value == 95.0
    assert "5 × 1 warnings" in warned.formula


def test_p03_a_leak_fact_names_the_veto_record() -> None:
    quant = quantitative_score(
        indicators_of([fact(k.DOCUMENT_STEP, 1), fact(k.CONFIDENTIALITY_LEAK)])
    )
    assert quant.veto_record.startswith("e-confidentiality_leak")


def test_p03_p09_innovation_one_adopted_suggestion_target_three_earn_the_bonus() -> None:
    two = indicators_of([fact(k.SUGGESTION_ADOPTED, ref=str(i)) for i in range(2)])
    three = indicators_of([fact(k.SUGGESTION_ADOPTED, ref=str(i)) for i in range(3)])
    assert next(i for i in two if i.name == "adopted_suggestions").target_met is True
    assert not innovation_bonus(two)
    assert innovation_bonus(three)


def test_p04_training_hours_target_8_a_quarter() -> None:
    ind = named([fact(k.TRAINING_HOURS, 3), fact(k.TRAINING_HOURS, 4)])
    assert ind["training_hours"].value == 7.0
    assert ind["training_hours"].target_met is False


def test_p05_score_combines_quantitative_and_360_and_renormalises_a_missing_part() -> None:
    quant = quantitative_score(indicators_of([fact(k.DOCUMENT_STEP, 1)]))
    both = combine(quant, score_360([("superior", 80)]), 0.6)
    assert both is not None
    assert both.value == pytest.approx(0.4 * 100 + 0.6 * 80)
    only_360 = combine(quantitative_score([*indicators_of([])]), score_360([("superior", 80)]), 0.6)
    assert only_360 is not None
    assert only_360.value == 80.0
    assert only_360.formula == "score = 1.00 × rating_360 80.00 = 80.00"
