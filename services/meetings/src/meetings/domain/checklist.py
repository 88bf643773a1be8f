"""The preparation checklist (SPEC M-02), short-notice warnings (X-07) and the
elements confirmation form of important meetings (M-03)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from meetings.domain.model import ElementItem, Meeting, Milestone, MilestoneState

SHORT_NOTICE_WORKING_DAYS = 3
"""SPEC X-07: preparation started fewer than 3 working days before the meeting warns at once."""

ELEMENTS_DUE_WORKING_DAYS = 1
"""M-03: the form should be complete when the equipment is tested and materials printed (T-1d)."""

NOTICE_MILESTONE = "notice_published"
"""SPEC M-02: the notice goes out when this milestone falls due (T-3d), not at scheduling."""


class WorkingDays(Protocol):
    """The part of the business calendar (X-02) the checklist needs."""

    def is_working_day(self, d: date) -> bool: ...


def working_days_before(
    moment: datetime, days: int, calendar: WorkingDays, zone: ZoneInfo
) -> datetime:
    """SPEC M-02: "T-N d" counted in working days (X-02), at the meeting's local time of day.

    Steps back from the meeting's local date over ``days`` working days, so
    the result always falls on a working day: a meeting on Monday 09:00 has
    its T-1d milestone on Friday 09:00 (or the last working day before it).
    """
    local = moment.astimezone(zone)
    day = local.date()
    counted = 0
    while counted < days:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone).astimezone(UTC)


class Applies(StrEnum):
    ALL = "all"
    IN_PERSON = "in_person"
    VIDEO = "video"


class Owner(StrEnum):
    """Who a milestone falls to; technician falls back to the organiser when none is named."""

    ORGANISER = "organiser"
    TECHNICIAN = "technician"


@dataclass(frozen=True)
class MilestoneTemplate:
    key: str
    title: str
    working_days: int = 0
    """T-N d: due this many working days (X-02) before the meeting, at its time of day."""
    before: timedelta = timedelta(0)
    """Besides the working days, a wall-clock lead (the 15-minute buffer check)."""
    owner: Owner = Owner.ORGANISER
    applies: Applies = Applies.ALL
    done_when_scheduled: bool = False

    def due_at(self, start_at: datetime, calendar: WorkingDays, zone: ZoneInfo) -> datetime:
        return working_days_before(start_at, self.working_days, calendar, zone) - self.before


DAY = 1

# SPEC M-02: twelve milestones, due relative to the meeting's start; "T-N d"
# counts working days, so none falls due on a rest day. The four the
# SPEC names (T-7d topic and goals, T-5d leaders' availability, T-3d notice
# and agenda, T-1d equipment and materials) plus what a secretariat does
# besides. Booking the venue is what scheduling itself does, so it is done
# the moment scheduling succeeds; the notice goes out when its milestone
# falls due (a timer), or at once when that time has already passed.
CHECKLIST: tuple[MilestoneTemplate, ...] = (
    MilestoneTemplate("topic_and_goals", "议题与目标确定 Topic and goals fixed", 7 * DAY),
    MilestoneTemplate(
        "venue_booked",
        "会场或视频会议预订 Room or video link booked",
        7 * DAY,
        done_when_scheduled=True,
    ),
    MilestoneTemplate(
        "leaders_availability", "领导时间确认 Leaders' availability confirmed", 5 * DAY
    ),
    MilestoneTemplate(NOTICE_MILESTONE, "会议通知发布 Notice published", 3 * DAY),
    MilestoneTemplate("agenda_collected", "议题收集完毕 Agenda items collected", 3 * DAY),
    MilestoneTemplate(
        "presenters_materials", "汇报材料收齐 Presenters' materials received", 2 * DAY
    ),
    MilestoneTemplate("attendance_confirmed", "参会人员确认 Attendance confirmed", 2 * DAY),
    MilestoneTemplate(
        "seating_and_name_plates",
        "座次、桌签与座签 Seating plan, name plates and seat cards",
        DAY,
        applies=Applies.IN_PERSON,
    ),
    MilestoneTemplate(
        "video_link_tested",
        "视频链接、带宽测试与备用热点 Video link, bandwidth test and backup hotspot",
        DAY,
        owner=Owner.TECHNICIAN,
        applies=Applies.VIDEO,
    ),
    MilestoneTemplate("equipment_tested", "设备调试 Equipment tested", DAY, owner=Owner.TECHNICIAN),
    MilestoneTemplate("materials_printed", "材料印制 Materials printed", DAY),
    MilestoneTemplate(
        "buffer_check",
        "会前15分钟检查 15-minute buffer check",
        before=timedelta(minutes=15),
        owner=Owner.TECHNICIAN,
    ),
)

TEMPLATES = {t.key: t for t in CHECKLIST}


def _applies(template: MilestoneTemplate, meeting: Meeting) -> bool:
    if template.applies is Applies.IN_PERSON:
        return meeting.in_person
    if template.applies is Applies.VIDEO:
        return meeting.by_video
    return True


def _owner(template: MilestoneTemplate, meeting: Meeting) -> str:
    if template.owner is Owner.TECHNICIAN and meeting.technician:
        return meeting.technician
    return meeting.organiser


def generate_checklist(
    meeting: Meeting,
    now: datetime,
    new_id: Callable[[], str],
    calendar: WorkingDays,
    zone: ZoneInfo,
) -> list[Milestone]:
    """SPEC M-02: the twelve milestones of a newly scheduled meeting.

    A milestone whose due time has already passed (a meeting scheduled at
    short notice) is overdue from the start; no separate reminder is sent for
    it, the one preparation warning (X-07) names them all. The notice
    milestone is the exception: it is never overdue, its timer sends the
    notice, and a meeting scheduled after it was due sends it at once.
    """
    milestones = []
    for position, template in enumerate(CHECKLIST):
        milestone = Milestone(
            id=new_id(),
            key=template.key,
            position=position,
            title=template.title,
            owner=_owner(template, meeting),
            due_at=template.due_at(meeting.start_at, calendar, zone),
        )
        if not _applies(template, meeting):
            milestone.state = MilestoneState.NOT_APPLICABLE
        elif template.done_when_scheduled:
            milestone.state = MilestoneState.DONE
            milestone.done_at = now
            milestone.done_by = "system"
        elif template.key != NOTICE_MILESTONE:
            milestone.overdue = milestone.due_at <= now
        milestones.append(milestone)
    return milestones


def refresh_checklist(
    meeting: Meeting, now: datetime, calendar: WorkingDays, zone: ZoneInfo
) -> list[Milestone]:
    """SPEC M-02: after a change, move the milestones not yet done to the new start.

    Done milestones stay as they are. The others follow the new start time,
    the current roles (owners) and the current venue (a milestone becomes
    applicable or not when a room or a video link is added or removed).
    Returns the milestones that are open afterwards.
    """
    still_open = []
    for milestone in meeting.milestones:
        template = TEMPLATES.get(milestone.key)
        if template is None or milestone.state is MilestoneState.DONE:
            continue
        milestone.due_at = template.due_at(meeting.start_at, calendar, zone)
        milestone.owner = _owner(template, meeting)
        if _applies(template, meeting):
            milestone.state = MilestoneState.OPEN
            milestone.overdue = template.key != NOTICE_MILESTONE and milestone.due_at <= now
            still_open.append(milestone)
        else:
            milestone.state = MilestoneState.NOT_APPLICABLE
            milestone.overdue = False
    return still_open


def notice_due_at(start_at: datetime, calendar: WorkingDays, zone: ZoneInfo) -> datetime:
    """SPEC M-02: when the notice goes out (its T-3d milestone)."""
    return TEMPLATES[NOTICE_MILESTONE].due_at(start_at, calendar, zone)


def elements_due_at(start_at: datetime, calendar: WorkingDays, zone: ZoneInfo) -> datetime:
    """SPEC M-03: the form is due with the T-1d milestones."""
    return working_days_before(start_at, ELEMENTS_DUE_WORKING_DAYS, calendar, zone)


def is_short_notice(
    start_at: datetime, now: datetime, calendar: WorkingDays, zone: ZoneInfo
) -> bool:
    """SPEC X-07: preparation starting fewer than 3 working days before the meeting,
    i.e. after its T-3d milestone (the notice) was due."""
    return working_days_before(start_at, SHORT_NOTICE_WORKING_DAYS, calendar, zone) <= now


# SPEC M-03: the elements confirmation form. Every important meeting confirms
# its type, duration control and required materials; a video meeting adds the
# bandwidth test and a backup hotspot; an in-person one name plates, seat
# cards and water. A meeting in a room with a video link gets both.
ELEMENTS: tuple[tuple[str, str, Applies], ...] = (
    ("type", "会议类型 Meeting type", Applies.ALL),
    ("duration_control", "时长控制 Duration control", Applies.ALL),
    ("materials_required", "所需材料 Materials required", Applies.ALL),
    ("bandwidth_test", "带宽测试 Bandwidth test", Applies.VIDEO),
    ("backup_hotspot", "备用热点 Backup hotspot", Applies.VIDEO),
    ("name_plates", "桌签 Name plates", Applies.IN_PERSON),
    ("seat_cards", "座签 Seat cards", Applies.IN_PERSON),
    ("water", "饮用水 Water", Applies.IN_PERSON),
)


def elements_form(meeting: Meeting) -> list[ElementItem]:
    """SPEC M-03: the form's lines for the meeting as it is now; confirmations are kept.

    Only important meetings carry the form. Lines that no longer apply (the
    video link was removed, say) are dropped; new ones start unconfirmed.
    """
    if not meeting.important:
        return []
    kept = {item.key: item for item in meeting.elements}
    items = []
    for position, (key, label, applies) in enumerate(ELEMENTS):
        if applies is Applies.VIDEO and not meeting.by_video:
            continue
        if applies is Applies.IN_PERSON and not meeting.in_person:
            continue
        item = kept.get(key) or ElementItem(key=key, position=position, label=label, category="")
        item.category = "general" if applies is Applies.ALL else applies.value
        item.position = position
        items.append(item)
    return items


def form_complete(items: list[ElementItem]) -> bool:
    return bool(items) and all(item.confirmed for item in items)
