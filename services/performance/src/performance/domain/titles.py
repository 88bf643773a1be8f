"""Monthly titles (SPEC P-09) chosen by rules the organisation sets.

A rule names the title, the indicator it rewards, how many facts the
indicator needs to count, whether its target must be met and how many
people win it. The best values win (the lowest for an indicator where lower
is better); ties go to the person with more facts, then by username. Each
award keeps the rule it was chosen by and the facts behind the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from performance.domain.indicators import Indicator

RANKABLE = (
    "meeting_satisfaction",
    "document_timeliness",
    "overdue_share",
    "action_item_delay_rate",
    "adopted_suggestions",
    "training_hours",
    "certificates",
    "required_training_passed",
)
"""Indicators a title may reward (the ones with a direction that means better)."""
_CODE = re.compile(r"[a-z][a-z0-9_]{1,39}")
MAX_RULES = 10


@dataclass(frozen=True)
class TitleRule:
    code: str
    name: str
    name_en: str
    indicator: str
    min_facts: int = 1
    require_target: bool = False
    winners: int = 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TitleRule:
        return cls(
            code=str(data["code"]),
            name=str(data["name"]),
            name_en=str(data.get("name_en", "")),
            indicator=str(data["indicator"]),
            min_facts=int(data.get("min_facts", 1)),
            require_target=bool(data.get("require_target", False)),
            winners=int(data.get("winners", 1)),
        )


DEFAULT_TITLE_RULES: tuple[TitleRule, ...] = (
    TitleRule("service_star", "服务之星", "Service Star", "meeting_satisfaction", 1, True, 1),
    TitleRule("efficiency_star", "效率之星", "Efficiency Star", "document_timeliness", 3, False, 1),
)


def rule_problems(rules: Sequence[TitleRule]) -> dict[str, str]:
    """Field path → what is wrong, for a list of rules HR wants to set."""
    found: dict[str, str] = {}
    if len(rules) > MAX_RULES:
        found["rules"] = f"at most {MAX_RULES} titles"
    codes: set[str] = set()
    for n, rule in enumerate(rules):
        at = f"rules[{n}]"
        if not _CODE.fullmatch(rule.code):
            found[f"{at}.code"] = "lower-case letters, digits and _, starting with a letter"
        elif rule.code in codes:
            found[f"{at}.code"] = f"title {rule.code} is given twice"
        codes.add(rule.code)
        if not rule.name.strip():
            found[f"{at}.name"] = "is required"
        if rule.indicator not in RANKABLE:
            found[f"{at}.indicator"] = "must be one of " + ", ".join(RANKABLE)
        if not 1 <= rule.min_facts <= 1000:
            found[f"{at}.min_facts"] = "must be between 1 and 1000"
        if not 1 <= rule.winners <= 50:
            found[f"{at}.winners"] = "must be between 1 and 50"
    return found


@dataclass(frozen=True)
class TitleChoice:
    rule: TitleRule
    username: str
    indicator: Indicator

    @property
    def value(self) -> float:
        assert self.indicator.value is not None
        return self.indicator.value

    @property
    def formula(self) -> str:
        target = ""
        if self.rule.require_target and self.indicator.target is not None:
            sign = "≤" if self.indicator.lower_is_better else "≥"
            target = f", target {sign} {self.indicator.target:g} met"
        order = "lowest" if self.indicator.lower_is_better else "highest"
        return (
            f"{self.rule.name_en or self.rule.name}: {order} {self.rule.indicator} among people "
            f"with ≥ {self.rule.min_facts} facts{target}, top {self.rule.winners}; "
            f"{self.indicator.formula} = {self.value:g}"
        )


def choose_titles(
    rules: Sequence[TitleRule], indicators_by_person: Mapping[str, Sequence[Indicator]]
) -> list[TitleChoice]:
    """Every title's winners for one month, by the organisation's rules."""
    chosen: list[TitleChoice] = []
    for rule in rules:
        candidates: list[tuple[float, int, str, Indicator]] = []
        for username, indicators in indicators_by_person.items():
            indicator = next((i for i in indicators if i.name == rule.indicator), None)
            if indicator is None or indicator.value is None:
                continue
            if len(indicator.facts) < rule.min_facts:
                continue
            if rule.require_target and indicator.target_met is False:
                continue
            key = indicator.value if indicator.lower_is_better else -indicator.value
            candidates.append((key, -len(indicator.facts), username, indicator))
        candidates.sort(key=lambda c: (c[0], c[1], c[2]))
        chosen += [TitleChoice(rule, c[2], c[3]) for c in candidates[: rule.winners]]
    return chosen
