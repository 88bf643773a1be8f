"""The Daily Information Bulletin's content and timing (SPEC I-02, X-02)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from infohub.domain.information import SOURCE_NAMES_ZH, Figure, InfoItem

PUBLISH_AT = time(8, 0)  # local; the scheduler publishes then
DUE_AT = time(9, 0)  # local; later is an SLA breach
CUTOFF = time(17, 0)  # local, on the previous working day


class WorkingDays(Protocol):
    def is_working_day(self, d: date) -> bool: ...


def next_working_day(calendar: WorkingDays, after: date) -> date:
    day = after + timedelta(days=1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def previous_working_day(calendar: WorkingDays, before: date) -> date:
    day = before - timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def bulletin_date_for(calendar: WorkingDays, reviewed_at: datetime, zone: ZoneInfo) -> date:
    """The bulletin that carries an item reviewed at ``reviewed_at``: the next working
    day's, or the one after if it was reviewed after that bulletin's cut-off."""
    local = reviewed_at.astimezone(zone)
    target = next_working_day(calendar, local.date())
    while reviewed_at >= cutoff_of(calendar, target, zone):
        target = next_working_day(calendar, target)
    return target


def cutoff_of(calendar: WorkingDays, issue: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(previous_working_day(calendar, issue), CUTOFF, tzinfo=zone)


def publish_time(issue: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(issue, PUBLISH_AT, tzinfo=zone)


def due_time(issue: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(issue, DUE_AT, tzinfo=zone)


@dataclass
class Entry:
    item_id: str
    title: str
    lead: str
    core_points: str
    source: str
    figures: list[Figure] = field(default_factory=list)
    trend: list[tuple[str, float]] = field(default_factory=list)


def entry_of(item: InfoItem) -> Entry:
    return Entry(
        item_id=item.id,
        title=item.title,
        lead=item.lead.sentence(),
        core_points=item.core_points,
        source=SOURCE_NAMES_ZH.get(item.source, item.source),
        figures=list(item.figures),
        trend=[(p.label, p.value) for p in item.trend],
    )


def entries_to_json(entries: list[Entry]) -> list[dict[str, Any]]:
    return [asdict(e) for e in entries]


def entries_from_json(data: list[dict[str, Any]]) -> list[Entry]:
    return [
        Entry(
            **{
                **e,
                "figures": [Figure(**f) for f in e["figures"]],
                "trend": [(str(p[0]), float(p[1])) for p in e["trend"]],
            }
        )
        for e in data
    ]
