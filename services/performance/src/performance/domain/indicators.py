"""Indicators from facts (SPEC P-02, P-03, P-04) and the quantitative score.

Each indicator carries its formula with the counts and the facts it
counted, so a person can follow any number down to the events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from performance.domain import facts as k
from performance.domain.facts import Fact

OVERDUE_SHARE_TARGET = 5.0
SATISFACTION_TARGET = 85.0
DELAY_RATE_TARGET = 3.0
TRAINING_HOURS_TARGET = 8.0
ADOPTED_SUGGESTIONS_TARGET = 1.0
REQUIRED_TRAINING_HOURS = 40.0
"""C-04: mandatory training hours a year; all of them passed is P-04's 100 %."""
REQUIRED_PASSED_TARGET = 100.0
WARNING_PENALTY = 5.0
"""Points the quantitative score loses per preparation warning or escalation."""


@dataclass(frozen=True)
class Indicator:
    name: str
    value: float | None
    unit: str
    target: float | None
    lower_is_better: bool
    formula: str
    facts: tuple[Fact, ...] = field(default=())

    @property
    def target_met(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        if self.lower_is_better:
            return self.value <= self.target
        return self.value >= self.target


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2)


def required_training_passed(facts: Iterable[Fact], scope: str = "") -> Indicator:
    """P-04: required skills passed, as the share of the year's mandatory
    training hours (C-04: 40) passed in required courses; 100 % is the annual
    check. For several people (a department) the mean of their shares.
    ``scope`` says which days were counted (e.g. the year to date)."""
    passed = [f for f in facts if f.counts and f.kind == k.REQUIRED_TRAINING]
    by_person: dict[str, float] = defaultdict(float)
    for f in passed:
        by_person[f.username] += f.value
    where = f" ({scope})" if scope else ""
    if len(by_person) > 1:
        shares = [min(100.0, _pct(h, REQUIRED_TRAINING_HOURS)) for h in by_person.values()]
        value = round(sum(shares) / len(shares), 2)
        formula = (
            f"required courses passed{where}: mean over {len(shares)} people of "
            f"min(100, hours / {REQUIRED_TRAINING_HOURS:g}) = {value:g} % (annual check: 100 %)"
        )
    else:
        hours = round(sum(f.value for f in passed), 2)
        value = min(100.0, _pct(hours, REQUIRED_TRAINING_HOURS))
        courses = " + ".join(f"{f.value:g}" for f in passed) if passed else "0"
        formula = (
            f"required courses passed{where}: hours {courses} = {hours:g} of "
            f"{REQUIRED_TRAINING_HOURS:g} a year → min(100, {hours:g} / "
            f"{REQUIRED_TRAINING_HOURS:g}) = {value:g} % (annual check: 100 %)"
        )
    return Indicator(
        "required_training_passed",
        value,
        "percent",
        REQUIRED_PASSED_TARGET,
        False,
        formula,
        tuple(passed),
    )


def indicators_of(
    facts: Iterable[Fact], year_to_date: Iterable[Fact] | None = None, scope: str = ""
) -> list[Indicator]:
    """Every indicator of one person or department from its counting facts.

    ``year_to_date``: the required-training facts from 1 January to the
    period's end, since P-04's required skills are checked per year (without
    it, the period's own facts count)."""
    facts = list(facts)
    by_kind: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        if fact.counts:
            by_kind[fact.kind].append(fact)
    out: list[Indicator] = []

    timed = by_kind[k.DOCUMENT_STEP] + by_kind[k.APPROVAL_STEP]
    met = sum(1 for f in timed if f.value >= 1)
    out.append(
        Indicator(
            "document_timeliness",
            _pct(met, len(timed)) if timed else None,
            "percent",
            None,
            False,
            f"met / (met + breached) = {met} / {len(timed)}" if timed else "no steps finished",
            tuple(timed),
        )
    )

    assigned, overdue = by_kind[k.STEP_ASSIGNED], by_kind[k.STEP_OVERDUE]
    out.append(
        Indicator(
            "overdue_share",
            _pct(len(overdue), len(assigned)) if assigned else None,
            "percent",
            OVERDUE_SHARE_TARGET,
            True,
            f"overdue / assigned = {len(overdue)} / {len(assigned)}"
            if assigned
            else "no steps assigned",
            tuple(assigned + overdue),
        )
    )

    surveys = by_kind[k.MEETING_SATISFACTION]
    mean = round(sum(f.value for f in surveys) / len(surveys), 2) if surveys else None
    out.append(
        Indicator(
            "meeting_satisfaction",
            mean,
            "score",
            SATISFACTION_TARGET,
            False,
            (
                f"mean of {len(surveys)} closed surveys = "
                + " + ".join(f"{f.value:g}" for f in surveys)
                + f" / {len(surveys)}"
            )
            if surveys
            else "no surveys closed",
            tuple(surveys),
        )
    )

    items: dict[str, bool] = {}
    for f in by_kind[k.ACTION_ITEM]:
        key = f.ref or f.id
        items[key] = items.get(key, False) or f.value < 1
    delayed = sum(1 for late in items.values() if late)
    out.append(
        Indicator(
            "action_item_delay_rate",
            _pct(delayed, len(items)) if items else None,
            "percent",
            DELAY_RATE_TARGET,
            True,
            f"delayed / items = {delayed} / {len(items)}" if items else "no action items",
            tuple(by_kind[k.ACTION_ITEM]),
        )
    )

    weekly = by_kind[k.ACTION_ITEMS_WEEKLY]
    if weekly:
        share = round(sum(f.value for f in weekly) / len(weekly), 2)
        out.append(
            Indicator(
                "open_action_items_delayed",
                share,
                "percent",
                DELAY_RATE_TARGET,
                True,
                f"mean of {len(weekly)} weekly digests' delayed / open = "
                + " + ".join(f"{f.value:g}" for f in weekly)
                + f" / {len(weekly)}",
                tuple(weekly),
            )
        )

    warnings = by_kind[k.PREPARATION_WARNING] + by_kind[k.APPROVAL_ESCALATED]
    out.append(
        Indicator(
            "warnings",
            float(len(warnings)),
            "count",
            None,
            True,
            f"preparation warnings {len(by_kind[k.PREPARATION_WARNING])}"
            f" + approval escalations {len(by_kind[k.APPROVAL_ESCALATED])}",
            tuple(warnings),
        )
    )

    suggestions = by_kind[k.SUGGESTION_ADOPTED]
    out.append(
        Indicator(
            "adopted_suggestions",
            float(len(suggestions)),
            "count",
            ADOPTED_SUGGESTIONS_TARGET,
            False,
            f"adopted suggestions = {len(suggestions)}",
            tuple(suggestions),
        )
    )

    training = by_kind[k.TRAINING_HOURS]
    out.append(
        Indicator(
            "training_hours",
            round(sum(f.value for f in training), 2),
            "hours",
            TRAINING_HOURS_TARGET,
            False,
            "sum of training hours = "
            + (" + ".join(f"{f.value:g}" for f in training) if training else "0"),
            tuple(training),
        )
    )

    certificates = by_kind[k.CERTIFICATE]
    out.append(
        Indicator(
            "certificates",
            float(len(certificates)),
            "count",
            None,
            False,
            f"certificates earned = {len(certificates)}",
            tuple(certificates),
        )
    )

    out.append(required_training_passed(facts if year_to_date is None else year_to_date, scope))

    leaks = by_kind[k.CONFIDENTIALITY_LEAK]
    out.append(
        Indicator(
            "confidentiality_leaks",
            float(len(leaks)),
            "count",
            0.0,
            True,
            f"confirmed leaks = {len(leaks)} (any leak vetoes the appraisal)",
            tuple(leaks),
        )
    )
    return out


@dataclass(frozen=True)
class Quantitative:
    value: float | None
    formula: str
    parts: tuple[tuple[str, float], ...]
    veto_record: str


def quantitative_score(indicators: Sequence[Indicator]) -> Quantitative:
    """The quantitative part: the mean of timeliness, satisfaction and action
    items kept on time (those with facts), less 5 points per warning."""
    named = {i.name: i for i in indicators}
    parts: list[tuple[str, float]] = []
    if named["document_timeliness"].value is not None:
        parts.append(("timeliness", named["document_timeliness"].value))
    if named["meeting_satisfaction"].value is not None:
        parts.append(("satisfaction", named["meeting_satisfaction"].value))
    if named["action_item_delay_rate"].value is not None:
        parts.append(("action_items_on_time", 100.0 - named["action_item_delay_rate"].value))
    leaks = named["confidentiality_leaks"].facts
    veto = leaks[0].source_event_id if leaks else ""
    warnings = named["warnings"].value or 0.0
    if not parts:
        return Quantitative(None, "quantitative = — (no facts)", (), veto)
    mean = sum(v for _, v in parts) / len(parts)
    value = max(0.0, min(100.0, mean - WARNING_PENALTY * warnings))
    formula = (
        "quantitative = mean("
        + ", ".join(f"{n} {v:.2f}" for n, v in parts)
        + f") − {WARNING_PENALTY:g} × {warnings:g} warnings = {value:.2f}"
    )
    return Quantitative(round(value, 2), formula, tuple(parts), veto)


DEVELOPMENT = ("required_training_passed", "training_hours", "certificates")
"""The development indicators (P-04) a result shows beside its score."""


def innovation_bonus(indicators: Sequence[Indicator]) -> bool:
    """SPEC P-09: three or more adopted suggestions in the quarter."""
    named = {i.name: i for i in indicators}
    return (named["adopted_suggestions"].value or 0) >= 3
