"""Promotion ladders and the criteria checks (SPEC C-01, C-02).

Criteria are data the organisation edits; eligibility is computed from
facts (tenure in post, annual grades, teamwork, team size, transfer
assessment), never typed in, and every criterion is shown held or not.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

GRADES: tuple[str, ...] = ("needs_improvement", "pass", "good", "excellent")
GRADE_LABELS = {"excellent": "优秀", "good": "良好", "pass": "合格", "needs_improvement": "待改进"}
LADDERS: dict[str, str] = {"management": "管理序列", "professional": "专业序列"}


def grade_rank(grade: str) -> int:
    """Higher is better; an unknown grade ranks below every known one."""
    return GRADES.index(grade) if grade in GRADES else -1


@dataclass(frozen=True)
class Criteria:
    """What promotion to a rung asks; zero or empty means not checked."""

    min_tenure_years: float = 0.0
    min_annual_grade: str = ""
    min_teamwork: float = 0.0
    min_team_size: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "min_tenure_years": self.min_tenure_years,
            "min_annual_grade": self.min_annual_grade,
            "min_teamwork": self.min_teamwork,
            "min_team_size": self.min_team_size,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Criteria:
        return cls(
            min_tenure_years=float(data.get("min_tenure_years") or 0),  # type: ignore[arg-type]
            min_annual_grade=str(data.get("min_annual_grade") or ""),
            min_teamwork=float(data.get("min_teamwork") or 0),  # type: ignore[arg-type]
            min_team_size=int(data.get("min_team_size") or 0),  # type: ignore[call-overload]
        )


@dataclass(frozen=True)
class Rung:
    ladder: str
    rung: str
    name: str
    level: int
    criteria: Criteria = field(default_factory=Criteria)
    updated_by: str = ""


# C-01 and the seed: a supervisor has 3 years in post, an excellent annual
# grade, teamwork 90 or more and leads a team of 5 or more; promotion cycles
# are normally 1-2 years.
DEFAULT_RUNGS: tuple[Rung, ...] = (
    Rung("management", "specialist", "专员", 1),
    Rung("management", "supervisor", "主管", 2, Criteria(3, "excellent", 90, 5)),
    Rung("management", "deputy_director", "副主任", 3, Criteria(2, "excellent", 90, 10)),
    Rung("management", "director", "主任", 4, Criteria(2, "excellent", 90, 15)),
    Rung("professional", "junior", "初级秘书", 1),
    Rung("professional", "intermediate", "中级秘书", 2, Criteria(2, "good", 80)),
    Rung("professional", "senior", "高级秘书", 3, Criteria(3, "excellent", 85)),
)


def merged_rungs(stored: list[Rung]) -> list[Rung]:
    """The default rungs with the organisation's edits applied, in ladder order."""
    edits = {(r.ladder, r.rung): r for r in stored}
    merged = [
        replace(
            r,
            criteria=edits[(r.ladder, r.rung)].criteria,
            updated_by=edits[(r.ladder, r.rung)].updated_by,
        )
        if (r.ladder, r.rung) in edits
        else r
        for r in DEFAULT_RUNGS
    ]
    return sorted(merged, key=lambda r: (list(LADDERS).index(r.ladder), r.level))


def next_rung(rungs: list[Rung], ladder: str, current: str) -> Rung | None:
    on_ladder = [r for r in rungs if r.ladder == ladder]
    levels = {r.rung: r.level for r in on_ladder}
    if current not in levels:
        return None
    return next((r for r in on_ladder if r.level == levels[current] + 1), None)


@dataclass(frozen=True)
class Facts:
    """What is known about a person; ``None`` means no data."""

    tenure_years: float | None = None
    latest_grade: str | None = None
    latest_teamwork: float | None = None
    team_size: int | None = None
    transfer_assessment_passed: bool | None = None


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    required: str
    actual: str
    held: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "label": self.label,
            "required": self.required,
            "actual": self.actual,
            "held": self.held,
        }


UNKNOWN = "unknown"


def tenure_years(started_on: date, today: date) -> float:
    return max(0.0, (today - started_on).days / 365.25)


def _tenure(minimum: float, facts: Facts) -> Check:
    actual = facts.tenure_years
    return Check(
        "tenure_in_post",
        f"任现职满{minimum:g}年",
        f"{minimum:g} years",
        UNKNOWN if actual is None else f"{actual:.1f} years",
        actual is not None and actual + 1e-9 >= minimum,
    )


def _grade(minimum: str, facts: Facts) -> Check:
    actual = facts.latest_grade
    return Check(
        "annual_grade",
        f"年度考核{GRADE_LABELS.get(minimum, minimum)}及以上",
        minimum,
        actual or UNKNOWN,
        actual is not None and grade_rank(actual) >= grade_rank(minimum),
    )


def evaluate(criteria: Criteria, facts: Facts) -> list[Check]:
    """Every criterion the rung sets, held or not (C-01)."""
    checks: list[Check] = []
    if criteria.min_tenure_years > 0:
        checks.append(_tenure(criteria.min_tenure_years, facts))
    if criteria.min_annual_grade:
        checks.append(_grade(criteria.min_annual_grade, facts))
    if criteria.min_teamwork > 0:
        actual = facts.latest_teamwork
        checks.append(
            Check(
                "teamwork",
                f"团队协作得分{criteria.min_teamwork:g}分以上",
                f">= {criteria.min_teamwork:g}",
                UNKNOWN if actual is None else f"{actual:g}",
                actual is not None and actual >= criteria.min_teamwork,
            )
        )
    if criteria.min_team_size > 0:
        size = facts.team_size
        checks.append(
            Check(
                "team_size",
                f"独立负责{criteria.min_team_size}人以上团队",
                f">= {criteria.min_team_size} people",
                UNKNOWN if size is None else f"{size} people",
                size is not None and size >= criteria.min_team_size,
            )
        )
    return checks


TRANSFER_CRITERIA = Criteria(min_tenure_years=2, min_annual_grade="good")


def transfer_checks(facts: Facts) -> list[Check]:
    """C-02: at least 2 years in post, annual grade good or better, assessment passed."""
    passed = facts.transfer_assessment_passed
    return [
        *evaluate(TRANSFER_CRITERIA, facts),
        Check(
            "transfer_assessment",
            "调岗考核通过",
            "passed",
            UNKNOWN if passed is None else ("passed" if passed else "failed"),
            bool(passed),
        ),
    ]


def priority_years(grades: dict[int, str]) -> list[int]:
    """The latest two consecutive excellent years, or [] (P-07 -> C-01)."""
    excellent = sorted(y for y, g in grades.items() if g == "excellent")
    for later, earlier in zip(reversed(excellent), reversed(excellent[:-1]), strict=False):
        if later - earlier == 1:
            return [earlier, later]
    return []
