"""The one recipient rule for notices (SPEC X-06, issue 11 item 3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from secretariat.common.v1 import notice_pb2
from secretariat_shared.directory import PersonInfo
from secretariat_shared.notices import Notifier, notice_event, recipients_of, request_notice
from secretariat_shared.testing import FakeDirectory


class RecordingUow:
    def __init__(self) -> None:
        self.emitted: list[tuple[str, str, Any]] = []

    def emit(self, event_type: str, key: str, payload: Any) -> None:
        self.emitted.append((event_type, key, payload))


class DownDirectory(FakeDirectory):
    def person(self, username: str) -> PersonInfo | None:
        raise ConnectionError("directory unavailable")


def test_x06_each_person_once_and_no_services_or_system() -> None:
    assert recipients_of(["hr.head", "", "hr.clerk", "hr.head", "service:meetings", "system"]) == [
        "hr.clerk",
        "hr.head",
    ]


def test_x06_the_actor_is_left_out_unless_asked() -> None:
    people = ["hr.head", "hr.clerk"]
    assert recipients_of(people, actor="hr.clerk") == ["hr.head"]
    assert recipients_of(people, actor="hr.clerk", include_actor=True) == people[::-1]


def test_x06_people_the_directory_does_not_know_as_active_are_dropped() -> None:
    directory = FakeDirectory()
    assert recipients_of(["hr.head", "left.last.year"], directory=directory) == ["hr.head"]
    assert recipients_of(["hr.head", "x"], directory=DownDirectory()) == ["hr.head", "x"]


def test_x06_the_notice_travels_as_the_services_notification_requested_event() -> None:
    uow = RecordingUow()
    due = datetime(2026, 3, 2, 1, tzinfo=UTC)
    told = request_notice(
        uow,  # type: ignore[arg-type]
        "facilities",
        ["hr.head", "hr.head", "sec.clerk"],
        kind="repair_breach",
        title="报修超时",
        body="",
        subject_ref="repairs/r-1",
        due_at=due,
        actor="sec.clerk",
    )
    assert told == ["hr.head"]
    [(event_type, key, notice)] = uow.emitted
    assert (event_type, key) == (notice_event("facilities"), "repairs/r-1")
    assert event_type == "facilities.notification.requested"
    assert isinstance(notice, notice_pb2.Notice)
    assert list(notice.recipients) == ["hr.head"]
    assert notice.due_at.ToDatetime(tzinfo=UTC) == due


def test_x06_nobody_to_tell_emits_nothing() -> None:
    uow: Any = RecordingUow()
    told = request_notice(
        uow, "meetings", ["me"], kind="k", title="t", body="", subject_ref="meetings/1", actor="me"
    )
    assert told == []
    assert uow.emitted == []


def test_x06_a_notifier_is_request_notice_bound_to_a_service_and_its_directory() -> None:
    directory = FakeDirectory()
    uow = RecordingUow()
    notify = Notifier("career", directory)
    told = notify(uow, ["hr.head", "gone.person", "hr.head"], "k", "标题", "正文", "ref/1")  # type: ignore[arg-type]
    assert told == ["hr.head"]
    assert [(t, k) for t, k, _ in uow.emitted] == [("career.notification.requested", "ref/1")]
