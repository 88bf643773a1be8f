"""Issue 13, "stored denial of service through calendars": a video link with
CR/LF made the meeting's .ics and every participant's feed answer 500, even
after cancellation. Links are validated, every iCalendar property is
sanitised, and one bad event never breaks a feed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import update

from meetings.adapters.exports import calendar_file
from meetings.adapters.orm import meetings
from meetings.domain.links import video_link_problem
from meetings.domain.model import MAX_PARTICIPANTS
from meetings_testkit import HR_CLERK, HR_STAFF, Harness
from secretariat_shared.directory import PersonInfo
from secretariat_shared.errors import ValidationFailed

pytestmark = pytest.mark.integration

SMUGGLED = "https://meet.example/a\r\nATTENDEE:mailto:evil@example.com\r\nX-EVIL:1"


def events(content: bytes) -> list[Any]:
    return list(Calendar.from_ical(content).walk("VEVENT"))


@pytest.mark.parametrize(
    "link",
    [
        SMUGGLED,
        "https://meet.example/a\nb",
        "https://meet.example/a b",
        "https://meet.example/\x00",
        "https://meet.example/\u2028x",
        "javascript:alert(1)",
        "ftp://meet.example/x",
        "https://",
        "meet.example/abc",
        "https://meet.example/" + "x" * 500,
    ],
)
def test_a_video_link_that_is_not_a_plain_http_url_is_refused(harness: Harness, link: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        harness.schedule(video_link=link)
    assert [error.field for error in refused.value.errors] == ["video_link"]


@pytest.mark.parametrize(
    "link", ["https://meet.example/q1?pwd=abc#x", "http://10.1.2.3:8080/room/7", ""]
)
def test_plain_http_links_are_accepted(link: str) -> None:
    assert video_link_problem(link) is None


def store_raw(harness: Harness, meeting_id: str, **values: str) -> None:
    """What older versions let in: written past the validation, as the database holds it."""
    with harness.db.write_session() as session:
        session.execute(update(meetings).where(meetings.c.id == meeting_id).values(**values))
        session.commit()


def test_a_stored_link_with_line_breaks_breaks_neither_the_meeting_nor_the_feed(
    harness: Harness,
) -> None:
    meeting = harness.schedule(video_link="https://meet.example/ok", participants=["hr.staff"])
    other = harness.schedule(video_link="https://meet.example/fine", participants=["hr.staff"])
    store_raw(harness, meeting.id, video_link=SMUGGLED)

    content, _, _ = harness.uc.planner.meeting_calendar(HR_STAFF, meeting.id)
    [event] = events(content)
    assert "URL" not in event
    assert b"X-EVIL" not in content
    assert b"evil@example.com" not in content

    harness.uc.planner.cancel(HR_CLERK, meeting.id, "取消")
    feed, _, _ = harness.uc.planner.personal_calendar(HR_STAFF)
    uids = {str(e["UID"]) for e in events(feed)}
    assert uids == {f"{meeting.id}@meetings.secretariat", f"{other.id}@meetings.secretariat"}
    assert b"X-EVIL" not in feed


def test_control_characters_in_any_text_are_dropped_from_the_calendar(
    harness: Harness,
) -> None:
    meeting = harness.schedule(video_link="https://meet.example/ok")
    store_raw(
        harness,
        meeting.id,
        topic="季度会\r\nX-INJECTED:1\x01\x1b[31m",
        goals="目标\u2028第二行\x07",
    )
    content, _, _ = harness.uc.planner.meeting_calendar(HR_STAFF, meeting.id)
    [event] = events(content)
    assert str(event["SUMMARY"]) == "季度会\nX-INJECTED:1[31m"
    assert "\n第二行" in str(event["DESCRIPTION"])
    assert all(byte >= 0x20 or byte in b"\r\n\t" for byte in content)
    assert b"\r\nX-INJECTED" not in content


def test_a_meeting_that_cannot_be_written_leaves_its_time_in_the_feed(
    harness: Harness,
) -> None:
    good = harness.schedule(video_link="https://meet.example/1")
    broken = harness.schedule(video_link="https://meet.example/2")
    broken.type = None  # type: ignore[assignment]  # whatever _event cannot handle
    content = calendar_file(
        [broken, good], {}, datetime(2026, 3, 1, tzinfo=UTC), ZoneInfo("Asia/Shanghai")
    )
    written = {str(e["UID"]): e for e in events(content)}
    assert set(written) == {
        f"{good.id}@meetings.secretariat",
        f"{broken.id}@meetings.secretariat",
    }
    assert written[f"{broken.id}@meetings.secretariat"].decoded("DTSTART") == broken.start_at


def test_one_meeting_cannot_name_more_than_the_participant_limit(harness: Harness) -> None:
    crowd = [f"person.{n}" for n in range(MAX_PARTICIPANTS + 1)]
    for name in crowd:
        harness.directory.people[name] = PersonInfo(name, name, "HR", "")
    with pytest.raises(ValidationFailed) as refused:
        harness.schedule(video_link="https://meet.example/all", participants=crowd)
    assert [error.field for error in refused.value.errors] == ["participants"]
    harness.schedule(video_link="https://meet.example/all", participants=crowd[:-1])
