"""Mentoring rules (SPEC C-05): 6 months per new hire, at least 2 hours a
week logged; quarterly gold-mentor titles from the logs and feedback."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from career.domain.calendar import add_months, quarter_bounds

MENTORING_MONTHS = 6
MIN_WEEKLY_HOURS = 2.0
GOLD_MIN_FEEDBACK = 4.5


def mentorship_end(starts_on: date) -> date:
    """The last day of a 6-month mentorship."""
    return add_months(starts_on, MENTORING_MONTHS) - timedelta(days=1)


def week_start(starts_on: date, week: int) -> date:
    """First day of the mentorship's ``week`` (1-based)."""
    return starts_on + timedelta(days=7 * (week - 1))


def week_of(starts_on: date, day: date) -> int:
    return (day - starts_on).days // 7 + 1


@dataclass(frozen=True)
class Week:
    week: int
    starts_on: date
    hours: float

    @property
    def met(self) -> bool:
        return self.hours + 1e-9 >= MIN_WEEKLY_HOURS


def weeks(
    starts_on: date, ends_on: date, today: date, sessions: Iterable[tuple[date, float]]
) -> list[Week]:
    """The weeks begun by ``today`` (and not after the end) with their logged hours."""
    last = week_of(starts_on, min(today, ends_on)) if today >= starts_on else 0
    hours = dict.fromkeys(range(1, last + 1), 0.0)
    for day, h in sessions:
        w = week_of(starts_on, day)
        if w in hours:
            hours[w] += h
    return [Week(w, week_start(starts_on, w), round(h, 2)) for w, h in hours.items()]


@dataclass(frozen=True)
class MentorRecord:
    mentor: str
    starts_on: date
    ends_on: date
    sessions: tuple[tuple[date, float], ...]
    feedback: tuple[int, ...]


@dataclass(frozen=True)
class Gold:
    mentor: str
    hours: float
    feedback: float


def gold_mentors(quarter: str, records: Iterable[MentorRecord]) -> list[Gold]:
    """Mentors whose every complete week inside the quarter met 2 hours and
    whose mentees rate them 4.5 or more on average; most hours first."""
    first, after = quarter_bounds(quarter)
    by_mentor: dict[str, list[MentorRecord]] = {}
    for r in records:
        by_mentor.setdefault(r.mentor, []).append(r)
    titles: list[Gold] = []
    for mentor, mine in by_mentor.items():
        hours, all_met, any_week = 0.0, True, False
        scores: list[int] = []
        for r in mine:
            scores.extend(r.feedback)
            for w in weeks(r.starts_on, r.ends_on, after - timedelta(days=1), r.sessions):
                end = w.starts_on + timedelta(days=6)
                if w.starts_on < first or end >= after or end > r.ends_on:
                    continue
                any_week = True
                hours += w.hours
                all_met = all_met and w.met
        if any_week and all_met and scores and sum(scores) / len(scores) >= GOLD_MIN_FEEDBACK:
            titles.append(Gold(mentor, round(hours, 2), round(sum(scores) / len(scores), 2)))
    return sorted(titles, key=lambda g: (-g.hours, -g.feedback, g.mentor))
