"""The preparation checklist (SPEC M-02), short-notice warnings (X-07) and the
elements confirmation form of important meetings (M-03)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from meetings.domain.model import ElementItem, Meeting, Milestone, MilestoneState

SHORT_NOTICE = timedelta(days=3)
"""SPEC X-07: preparation started fewer than 3 days before the meeting warns at once."""

ELEMENTS_DUE_BEFORE = timedelta(days=1)
"""M-03: the form should be complete when the equipment is tested and materials printed (T-1d)."""


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
    before: timedelta
    owner: Owner = Owner.ORGANISER
    applies: Applies = Applies.ALL
    done_when_scheduled: bool = False


DAY = timedelta(days=1)

# SPEC M-02: twelve milestones, due relative to the meeting's start (wall clock).
# The four the SPEC names (T-7d topic and goals, T-5d leaders' availability,
# T-3d notice and agenda, T-1d equipment and materials) plus what a
# secretariat does besides. Booking the venue and publishing the notice are
# what scheduling itself does, so those two are done the moment it succeeds.
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
    MilestoneTemplate(
        "notice_published", "会议通知发布 Notice published", 3 * DAY, done_when_scheduled=True
    ),
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
        timedelta(minutes=15),
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
    meeting: Meeting, now: datetime, new_id: Callable[[], str]
) -> list[Milestone]:
    """SPEC M-02: the twelve milestones of a newly scheduled meeting.

    A milestone whose due time has already passed (a meeting scheduled at
    short notice) is overdue from the start; no separate reminder is sent for
    it, the one preparation warning (X-07) names them all.
    """
    milestones = []
    for position, template in enumerate(CHECKLIST):
        milestone = Milestone(
            id=new_id(),
            key=template.key,
            position=position,
            title=template.title,
            owner=_owner(template, meeting),
            due_at=meeting.start_at - template.before,
        )
        if not _applies(template, meeting):
            milestone.state = MilestoneState.NOT_APPLICABLE
        elif template.done_when_scheduled:
            milestone.state = MilestoneState.DONE
            milestone.done_at = now
            milestone.done_by = "system"
        else:
            milestone.overdue = milestone.due_at <= now
        milestones.append(milestone)
    return milestones


def refresh_checklist(meeting: Meeting, now: datetime) -> list[Milestone]:
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
        milestone.due_at = meeting.start_at - template.before
        milestone.owner = _owner(template, meeting)
        if _applies(template, meeting):
            milestone.state = MilestoneState.OPEN
            milestone.overdue = milestone.due_at <= now
            still_open.append(milestone)
        else:
            milestone.state = MilestoneState.NOT_APPLICABLE
            milestone.overdue = False
    return still_open


def is_short_notice(start_at: datetime, now: datetime) -> bool:
    """SPEC X-07: preparation starting fewer than 3 days before the meeting."""
    return start_at - now < SHORT_NOTICE


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
