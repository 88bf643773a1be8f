"""Effectiveness rates per month and department (SPEC I-06)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

LOW_THRESHOLD = 0.8


@dataclass(frozen=True)
class DeliveryFact:
    item_id: str
    department_code: str
    read: bool


@dataclass(frozen=True)
class ActionFact:
    item_id: str
    department_code: str
    started: bool
    accepted: bool


@dataclass
class DepartmentRates:
    department_code: str
    delivered: int = 0
    read: int = 0
    actions_required: int = 0
    actions_started: int = 0
    actions_accepted: int = 0
    low_rates: list[str] = field(default_factory=list)
    low_item_ids: list[str] = field(default_factory=list)

    @property
    def awareness_rate(self) -> float:
        return self.read / self.delivered if self.delivered else 1.0

    @property
    def execution_rate(self) -> float:
        return self.actions_started / self.actions_required if self.actions_required else 1.0

    @property
    def achievement_rate(self) -> float:
        return self.actions_accepted / self.actions_required if self.actions_required else 1.0


def rates(
    deliveries: list[DeliveryFact], actions: list[ActionFact], threshold: float = LOW_THRESHOLD
) -> list[DepartmentRates]:
    """Awareness = read/delivered, execution = started/required,
    achievement = accepted/required; low ones named with their items."""
    by_dept: dict[str, DepartmentRates] = {}
    unread: dict[str, list[str]] = defaultdict(list)
    unstarted: dict[str, list[str]] = defaultdict(list)
    unaccepted: dict[str, list[str]] = defaultdict(list)
    for d in deliveries:
        r = by_dept.setdefault(d.department_code, DepartmentRates(d.department_code))
        r.delivered += 1
        if d.read:
            r.read += 1
        else:
            unread[d.department_code].append(d.item_id)
    for a in actions:
        r = by_dept.setdefault(a.department_code, DepartmentRates(a.department_code))
        r.actions_required += 1
        r.actions_started += a.started
        r.actions_accepted += a.accepted
        if not a.started:
            unstarted[a.department_code].append(a.item_id)
        if not a.accepted:
            unaccepted[a.department_code].append(a.item_id)
    for code, r in by_dept.items():
        behind: list[str] = []
        for name, value, items in (
            ("awareness", r.awareness_rate, unread[code]),
            ("execution", r.execution_rate, unstarted[code]),
            ("achievement", r.achievement_rate, unaccepted[code]),
        ):
            if value < threshold:
                r.low_rates.append(name)
                behind.extend(items)
        r.low_item_ids = list(dict.fromkeys(behind))
    return [by_dept[k] for k in sorted(by_dept)]
