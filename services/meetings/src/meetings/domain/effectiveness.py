"""The satisfaction survey and the effectiveness report (SPEC M-07)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

SURVEY_OPEN_FOR = timedelta(days=3)
"""SPEC M-07: the survey opens when the meeting ends and closes 3 days later (calendar days:
a survey window is not an SLA clock, so X-02's working-day rule does not apply)."""

TOTALS_WITHIN = timedelta(hours=24)
"""SPEC M-07: the survey's totals are ready within 24 hours of the meeting's end."""

TOTALS_AFTER = timedelta(hours=23)
"""When the totals are computed: an hour inside the 24-hour promise, so a busy
scheduler still keeps it."""

SATISFACTION_TARGET = 85.0
"""SPEC M-07 (and P-02): meeting satisfaction should reach 85."""

DIMENSIONS = ("agenda", "materials", "logistics")
MIN_SCORE, MAX_SCORE = 0, 100


def score_problems(scores: dict[str, int]) -> list[tuple[str, str]]:
    """SPEC M-07: each dimension is scored 0–100; returns (field, reason) per bad score."""
    return [
        (name, f"must be between {MIN_SCORE} and {MAX_SCORE}; got {value}")
        for name, value in scores.items()
        if not MIN_SCORE <= value <= MAX_SCORE
    ]


def respondent_key(secret: bytes, meeting_id: str, username: str) -> str:
    """SPEC M-07: who answered, as a keyed hash, so one answer per person holds
    while no answer carries a name.

    HMAC-SHA256 of the meeting and the person under the service's secret:
    without the secret nobody (the database's readers included) can tell
    whose answer a row is by hashing the names of the invited.
    """
    message = f"{meeting_id}\x1f{username}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SurveyResponse:
    """One anonymous answer: no name, no time (M-07)."""

    meeting_id: str
    agenda: int
    materials: int
    logistics: int
    comment: str

    @property
    def satisfaction(self) -> float:
        return (self.agenda + self.materials + self.logistics) / 3


@dataclass(frozen=True)
class SurveySummary:
    responses: int
    agenda: float | None
    materials: float | None
    logistics: float | None
    satisfaction: float | None

    @property
    def target_met(self) -> bool:
        return self.satisfaction is not None and self.satisfaction >= SATISFACTION_TARGET


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def summarise(responses: Sequence[SurveyResponse]) -> SurveySummary:
    """Averages per dimension; satisfaction is the mean of the three dimension averages."""
    agenda = _mean([r.agenda for r in responses])
    materials = _mean([r.materials for r in responses])
    logistics = _mean([r.logistics for r in responses])
    satisfaction = _mean([r.satisfaction for r in responses])
    return SurveySummary(len(responses), agenda, materials, logistics, satisfaction)


def anonymous_comments(responses: Sequence[SurveyResponse]) -> list[str]:
    """SPEC M-07: the free comments as the organiser reads them: no names, and sorted
    so their order does not tell who wrote which."""
    return sorted(r.comment for r in responses if r.comment)


def survey_open(
    ended_at: datetime | None, closes_at: datetime | None, closed: bool, now: datetime
) -> bool:
    return (
        ended_at is not None
        and closes_at is not None
        and not closed
        and ended_at <= now < closes_at
    )


@dataclass(frozen=True)
class MeetingEffectiveness:
    meeting_id: str
    topic: str
    type: str
    department_code: str
    start_at: datetime
    survey: SurveySummary
    action_items: int
    due_action_items: int
    completed_due_action_items: int
    achievement_rate: float | None
    minutes_draft_outcome: str
    minutes_distribution_outcome: str


@dataclass(frozen=True)
class EffectivenessReport:
    window_start: datetime
    window_end: datetime
    items: list[MeetingEffectiveness]

    @property
    def surveyed(self) -> list[MeetingEffectiveness]:
        return [m for m in self.items if m.survey.satisfaction is not None]

    @property
    def average_satisfaction(self) -> float | None:
        return _mean(
            [m.survey.satisfaction for m in self.items if m.survey.satisfaction is not None]
        )

    @property
    def meetings_meeting_target(self) -> int:
        return sum(1 for m in self.items if m.survey.target_met)

    @property
    def due_action_items(self) -> int:
        return sum(m.due_action_items for m in self.items)

    @property
    def completed_due_action_items(self) -> int:
        return sum(m.completed_due_action_items for m in self.items)

    @property
    def achievement_rate(self) -> float | None:
        due = self.due_action_items
        return round(self.completed_due_action_items / due, 4) if due else None
