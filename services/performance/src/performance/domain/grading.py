"""Grades by the organisation's rules (SPEC P-07) and the confidentiality veto (P-03)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

EXCELLENT = "excellent"
GOOD = "good"
PASS = "pass"  # noqa: S105 (a grade, not a password)
NEEDS_IMPROVEMENT = "needs_improvement"
GRADES = (EXCELLENT, GOOD, PASS, NEEDS_IMPROVEMENT)
FAILING = (NEEDS_IMPROVEMENT,)
GRADE_LABELS = {EXCELLENT: "优秀", GOOD: "良好", PASS: "合格", NEEDS_IMPROVEMENT: "待改进"}


@dataclass(frozen=True)
class Rules:
    """What the organisation sets: thresholds, the excellent share, the 360 weight."""

    excellent_from: float = 90.0
    good_from: float = 80.0
    pass_from: float = 60.0
    excellent_share: float = 0.2
    rating_weight: float = 0.6

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for name in ("excellent_from", "good_from", "pass_from"):
            if not 0 <= getattr(self, name) <= 100:
                found[name] = "must be between 0 and 100"
        if not self.excellent_from >= self.good_from >= self.pass_from:
            found["excellent_from"] = "thresholds must satisfy excellent ≥ good ≥ pass"
        for name in ("excellent_share", "rating_weight"):
            if not 0 <= getattr(self, name) <= 1:
                found[name] = "must be between 0 and 1"
        return found


def grade_of(score: float, rules: Rules) -> str:
    if score >= rules.excellent_from:
        return EXCELLENT
    if score >= rules.good_from:
        return GOOD
    if score >= rules.pass_from:
        return PASS
    return NEEDS_IMPROVEMENT


def excellent_quota(people: int, rules: Rules) -> int:
    """How many excellent grades a cycle of ``people`` allows (rounded up)."""
    return math.ceil(rules.excellent_share * people - 1e-9)


@dataclass(frozen=True)
class Graded:
    username: str
    score: float
    grade: str
    capped: bool
    """Scored excellent but beyond the excellent quota: graded good."""
    vetoed: bool


def grade_cycle(
    scores: Sequence[tuple[str, float]], rules: Rules, vetoed: frozenset[str] = frozenset()
) -> dict[str, Graded]:
    """Grade everyone of a cycle: thresholds, then the excellent quota by rank
    (highest scores keep excellent, ties by username), then vetoes (P-03)."""
    quota = excellent_quota(len(scores), rules)
    ranked = sorted(scores, key=lambda s: (-s[1], s[0]))
    result: dict[str, Graded] = {}
    excellent_given = 0
    for username, score in ranked:
        if username in vetoed:
            result[username] = Graded(username, score, NEEDS_IMPROVEMENT, False, True)
            continue
        grade = grade_of(score, rules)
        capped = False
        if grade == EXCELLENT:
            if excellent_given < quota:
                excellent_given += 1
            else:
                grade, capped = GOOD, True
        result[username] = Graded(username, score, grade, capped, False)
    return result


def regrade_one(
    score: float, rules: Rules, people: int, other_excellent: int, vetoed: bool
) -> tuple[str, bool]:
    """A corrected result's grade: the thresholds, the quota counting the others."""
    if vetoed:
        return NEEDS_IMPROVEMENT, False
    grade = grade_of(score, rules)
    if grade == EXCELLENT and other_excellent >= excellent_quota(people, rules):
        return GOOD, True
    return grade, False


def consecutive(grades: Sequence[str], wanted: Sequence[str], times: int = 2) -> bool:
    """Whether the last ``times`` grades (oldest first) are all in ``wanted``."""
    return len(grades) >= times and all(g in wanted for g in grades[-times:])
