"""The score of a result: quantitative indicators and the 360 part (P-02, P-05)."""

from __future__ import annotations

from dataclasses import dataclass

from performance.domain.indicators import Quantitative
from performance.domain.rating360 import Score360


@dataclass(frozen=True)
class ScorePart:
    name: str
    value: float | None
    weight: float
    formula: str


@dataclass(frozen=True)
class Score:
    value: float
    formula: str
    parts: tuple[ScorePart, ...]


def combine(quant: Quantitative, rating: Score360, rating_weight: float) -> Score | None:
    """``score = w × 360 + (1 − w) × quantitative``, renormalised over the parts
    that exist; None when neither does (nothing to appraise)."""
    present = []
    if quant.value is not None:
        present.append(("quantitative", quant.value, 1.0 - rating_weight, quant.formula))
    if rating.value is not None:
        present.append(("rating_360", rating.value, rating_weight, rating.formula))
    total = sum(w for _, _, w, _ in present)
    if not present or total <= 0:
        return None
    parts = []
    value = 0.0
    terms = []
    for name, v, w, formula in present:
        actual = w / total
        value += actual * v
        terms.append(f"{actual:.2f} × {name} {v:.2f}")
        parts.append(ScorePart(name, v, actual, formula))
    if quant.value is None:
        parts.append(ScorePart("quantitative", None, 0.0, quant.formula))
    if rating.value is None:
        parts.append(ScorePart("rating_360", None, 0.0, rating.formula))
    value = round(value, 2)
    return Score(value, "score = " + " + ".join(terms) + f" = {value:.2f}", tuple(parts))
