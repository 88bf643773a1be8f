"""A result's computation from facts and ratings, with its explanation (P-02, P-05)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from performance.domain.facts import Fact
from performance.domain.indicators import (
    DEVELOPMENT,
    Indicator,
    indicators_of,
    innovation_bonus,
    quantitative_score,
)
from performance.domain.rating360 import score_360
from performance.domain.scoring import combine


@dataclass(frozen=True)
class Computed:
    score: float
    veto_record: str
    innovation_bonus: bool
    indicators: list[Indicator]
    explanation: dict[str, Any]
    """What GetResult shows: formula, rating formula, groups, parts."""


def compute(
    facts: Sequence[Fact],
    ratings: Sequence[tuple[str, float]],
    rating_weight: float,
    year_to_date: Sequence[Fact] | None = None,
    scope: str = "",
) -> Computed | None:
    """The score of one person, or None when there is nothing to appraise.

    The development indicators (P-04) are shown beside the score, not in it."""
    indicators = indicators_of(facts, year_to_date, scope)
    quant = quantitative_score(indicators)
    rating = score_360(ratings)
    score = combine(quant, rating, rating_weight)
    if score is None:
        return None
    explanation = {
        "formula": score.formula,
        "rating_formula": rating.formula,
        "groups": [
            {
                "group": g.group,
                "nominal_weight": g.nominal_weight,
                "weight": round(g.weight, 4),
                "raters": g.raters,
                "mean": None if g.shown_mean is None else round(g.shown_mean, 2),
                "folded": g.folded,
            }
            for g in rating.groups
        ],
        "parts": [
            {"name": p.name, "value": p.value, "weight": round(p.weight, 4), "formula": p.formula}
            for p in score.parts
        ],
        "development": [
            {
                "name": i.name,
                "value": i.value,
                "unit": i.unit,
                "target": i.target,
                "target_met": i.target_met,
                "formula": i.formula,
                "fact_ids": [f.id for f in i.facts],
            }
            for i in indicators
            if i.name in DEVELOPMENT
        ],
    }
    return Computed(
        score.value, quant.veto_record, innovation_bonus(indicators), indicators, explanation
    )
