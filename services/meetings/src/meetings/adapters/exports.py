"""Files the service hands out: iCalendar (M-01) and the effectiveness report as CSV (M-07)."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress

from meetings.domain.effectiveness import EffectivenessReport
from meetings.domain.links import video_link_problem
from meetings.domain.model import Meeting
from secretariat_shared.spreadsheets import csv_document

log = logging.getLogger(__name__)

PRODID = "-//Secretariat//Meetings//ZH"
UID_DOMAIN = "meetings.secretariat"
ICS_TYPE = "text/calendar; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"


def meeting_uid(meeting_id: str) -> str:
    """One UID per meeting for its whole life, so calendars update the same event."""
    return f"{meeting_id}@{UID_DOMAIN}"


def _text(value: str) -> str:
    """A TEXT value any calendar client can take: line breaks as ``\\n`` (icalendar
    escapes them), no other control characters, no lone surrogates (issue 13)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        "\n" if unicodedata.category(char) in ("Zl", "Zp") else char
        for char in value
        if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs")
    )


def _param(value: str) -> str:
    """A parameter value: one line, no quotes (they cannot be escaped in iCalendar)."""
    return " ".join(_text(value).replace('"', "'").split())


def _uri(value: str) -> str | None:
    """``value`` when it is a safe http(s) URL, else None (the property is left out)."""
    return value if value and video_link_problem(value) is None else None


def _person(username: str, role: str) -> vCalAddress:
    address = vCalAddress(f"urn:secretariat:person:{quote(username, safe='.-_@')}")
    address.params["cn"] = _param(username)
    address.params["role"] = role
    return address


def _event(meeting: Meeting, room_name: str, stamp: datetime) -> Event:
    """SPEC M-01: the meeting as a VEVENT; SEQUENCE grows with every change and the
    cancellation, so clients replace what they hold."""
    event = Event()
    event.add("uid", meeting_uid(meeting.id))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.start_at)
    event.add("dtend", meeting.end_at)
    event.add("summary", _text(meeting.topic))
    link = _uri(meeting.video_link)
    lines = []
    if meeting.goals:
        lines.append(f"会议目标 Goals: {meeting.goals}")
    lines.append(f"类型 Type: {meeting.type.value}")
    if link:
        lines.append(f"视频会议 Video: {link}")
    for number, item in enumerate(meeting.agenda, start=1):
        detail = ", ".join(
            part
            for part in (
                item.presenter,
                f"{item.minutes_allotted} min" if item.minutes_allotted else "",
            )
            if part
        )
        lines.append(f"{number}. {item.title}" + (f" ({detail})" if detail else ""))
    event.add("description", _text("\n".join(lines)))
    location = room_name or link
    if location:
        event.add("location", _text(location))
    if link:
        event.add("url", link)
    event.add("categories", [_text(meeting.type.value)])
    event.add("organizer", _person(meeting.organiser, "CHAIR"))
    for username in meeting.people():
        if username != meeting.organiser:
            event.add("attendee", _person(username, "REQ-PARTICIPANT"))
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    if meeting.created_at is not None:
        event.add("created", meeting.created_at)
    return event


def calendar_file(
    meetings: Iterable[Meeting],
    room_names: Mapping[str, str],
    stamp: datetime,
    zone: ZoneInfo,
    name: str = "",
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", str(zone))
    for meeting in meetings:
        event = _safe_event(meeting, room_names.get(meeting.room_id or "", ""), stamp)
        if event is not None:
            calendar.add_component(event)
    return bytes(calendar.to_ical())


def _safe_event(meeting: Meeting, room_name: str, stamp: datetime) -> Event | None:
    """The meeting's VEVENT; one that cannot be written never breaks the feed (issue 13).

    Such a meeting is written with its time and UID only (so clients still
    see it and can update it), or left out when even that fails.
    """
    try:
        event = _event(meeting, room_name, stamp)
        event.to_ical()
        return event
    except Exception:
        log.exception(
            "meeting %s cannot be written as iCalendar; writing its time only", meeting.id
        )
    try:
        event = Event()
        event.add("uid", meeting_uid(meeting.id))
        event.add("sequence", meeting.sequence)
        event.add("dtstamp", stamp)
        event.add("dtstart", meeting.start_at)
        event.add("dtend", meeting.end_at)
        event.add("summary", "会议 Meeting")
        event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
        event.to_ical()
        return event
    except Exception:
        log.exception("meeting %s left out of the calendar", meeting.id)
        return None


CSV_COLUMNS = (
    "meeting_id",
    "start_at",
    "type",
    "department_code",
    "topic",
    "responses",
    "agenda",
    "materials",
    "logistics",
    "satisfaction",
    "target_met",
    "action_items",
    "due_action_items",
    "completed_due_action_items",
    "achievement_rate",
    "minutes_draft",
    "minutes_distribution",
)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def report_csv(report: EffectivenessReport, zone: ZoneInfo) -> bytes:
    """SPEC M-07: one row per meeting, then a totals row; UTF-8 with a BOM for spreadsheets.

    Topics are people's text: :func:`csv_document` keeps a topic such as
    ``=HYPERLINK(...)`` from running as a formula (issue 13).
    """
    rows: list[tuple[object, ...]] = [
        (
            m.meeting_id,
            m.start_at.astimezone(zone).isoformat(timespec="minutes"),
            m.type,
            m.department_code,
            m.topic,
            m.survey.responses,
            _num(m.survey.agenda),
            _num(m.survey.materials),
            _num(m.survey.logistics),
            _num(m.survey.satisfaction),
            "yes" if m.survey.target_met else "no",
            m.action_items,
            m.due_action_items,
            m.completed_due_action_items,
            _num(m.achievement_rate),
            m.minutes_draft_outcome,
            m.minutes_distribution_outcome,
        )
        for m in report.items
    ]
    rows.append(
        (
            "total",
            "",
            "",
            "",
            f"{len(report.items)} meetings, {report.meetings_meeting_target} reached 85",
            sum(m.survey.responses for m in report.items),
            "",
            "",
            "",
            _num(report.average_satisfaction),
            "",
            sum(m.action_items for m in report.items),
            report.due_action_items,
            report.completed_due_action_items,
            _num(report.achievement_rate),
            "",
            "",
        )
    )
    return csv_document(CSV_COLUMNS, rows)
