"""The 360 review (SPEC P-05): superior 50 %, peers 30 %, service recipients 20 %.

Weights renormalise over the groups that answered; the formula with the
weights actually used is kept with every score. Peers and recipients are
anonymous, so a group's own mean is shown only when at least
:data:`MIN_RATERS_SHOWN` raters answered; a smaller group still counts in
the total, folded in without a breakdown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

NOMINAL_WEIGHTS: Mapping[str, float] = {"superior": 0.5, "peer": 0.3, "recipient": 0.2}
GROUPS: tuple[str, ...] = tuple(NOMINAL_WEIGHTS)
MIN_RATERS_SHOWN = 3
GROUP_LABELS = {"superior": "上级", "peer": "同事", "recipient": "服务对象"}


@dataclass(frozen=True)
class GroupScore:
    group: str
    nominal_weight: float
    weight: float
    raters: int
    mean: float | None
    """The group's mean, or None when nobody answered."""

    @property
    def folded(self) -> bool:
        return 0 < self.raters < MIN_RATERS_SHOWN

    @property
    def shown_mean(self) -> float | None:
        """What the person rated may see: hidden for groups under 3 raters."""
        return None if self.folded else self.mean


@dataclass(frozen=True)
class Score360:
    value: float | None
    """The renormalised weighted mean, None when no group answered."""
    groups: tuple[GroupScore, ...]
    formula: str


def validate_score(score: float) -> str | None:
    if not 0 <= score <= 100:
        return "must be between 0 and 100"
    return None


def score_360(ratings: Iterable[tuple[str, float]]) -> Score360:
    """Combine ``(group, score)`` ratings into the 360 score (P-05)."""
    by_group: dict[str, list[float]] = {g: [] for g in GROUPS}
    for group, score in ratings:
        if group not in by_group:
            raise ValueError(f"unknown 360 group {group!r}")
        by_group[group].append(score)
    answered = [g for g in GROUPS if by_group[g]]
    total_weight = sum(NOMINAL_WEIGHTS[g] for g in answered)
    groups: list[GroupScore] = []
    value: float | None = None
    if answered:
        value = 0.0
    for g in GROUPS:
        scores = by_group[g]
        mean = sum(scores) / len(scores) if scores else None
        weight = NOMINAL_WEIGHTS[g] / total_weight if scores else 0.0
        groups.append(GroupScore(g, NOMINAL_WEIGHTS[g], weight, len(scores), mean))
        if mean is not None and value is not None:
            value += weight * mean
    return Score360(
        None if value is None else round(value, 2), tuple(groups), formula_of(groups, total_weight)
    )


def formula_of(groups: Sequence[GroupScore], total_weight: float) -> str:
    """E.g. ``360 = (0.50 × superior + 0.30 × peer) / 0.80 = 0.625 × superior + 0.375 × peer``."""
    answered = [g for g in groups if g.raters]
    if not answered:
        return "360 = — (no ratings)"
    nominal = " + ".join(f"{g.nominal_weight:.2f} × {g.group}" for g in answered)
    actual = " + ".join(f"{g.weight:.3f} × {g.group}" for g in answered)
    if len(answered) == len(groups):
        return f"360 = {actual}"
    missing = ", ".join(g.group for g in groups if not g.raters)
    return (
        f"360 = ({nominal}) / {total_weight:.2f} = {actual}"
        f" (renormalised: no ratings from {missing})"
    )
