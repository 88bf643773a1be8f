"""Timestamps, optional and repeated fields and enum text, one way for every servicer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from zoneinfo import ZoneInfo

from google.protobuf.timestamp_pb2 import Timestamp

from secretariat.common.v1 import notice_pb2
from secretariat.documents.v1 import events_pb2
from secretariat_shared.proto_conversions import (
    enum_of,
    enum_text,
    fill_message,
    set_repeated,
    set_timestamp,
    timestamp_of,
)


class Colour(Enum):
    RED = "red"


def test_a_local_time_goes_out_as_utc_and_comes_back_aware() -> None:
    beijing = datetime(2026, 3, 2, 9, tzinfo=timezone(timedelta(hours=8)))
    notice = notice_pb2.Notice()
    set_timestamp(beijing, notice.due_at)
    assert timestamp_of(notice, "due_at") == datetime(2026, 3, 2, 1, tzinfo=UTC)


def test_none_leaves_a_timestamp_unset_and_unset_reads_as_none() -> None:
    notice = notice_pb2.Notice()
    set_timestamp(None, notice.due_at)
    assert not notice.HasField("due_at")
    assert timestamp_of(notice, "due_at") is None
    assert isinstance(notice.due_at, Timestamp)


def test_repeated_fields_are_replaced_not_appended() -> None:
    notice = notice_pb2.Notice(recipients=["a"])
    set_repeated(notice.recipients, ["b", "c"])
    assert list(notice.recipients) == ["b", "c"]


def test_enums_travel_as_their_values() -> None:
    assert enum_text(Colour.RED) == "red"
    assert enum_text(None) == ""
    assert enum_of(Colour, "red") is Colour.RED
    assert enum_of(Colour, "blue") is None


def test_fill_message_from_a_mapping_or_an_object_alike() -> None:
    due = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    from_dict = fill_message(
        notice_pb2.Notice(),
        {"recipients": ["a", "b"], "kind": "k", "due_at": due, "title": None, "unknown": 1},
    )

    @dataclass
    class View:
        recipients: list[str]
        kind: str
        due_at: datetime

    assert fill_message(notice_pb2.Notice(), View(["a", "b"], "k", due)) == from_dict
    assert from_dict.due_at.ToDatetime(tzinfo=UTC) == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert not from_dict.title
    nested = fill_message(
        events_pb2.ApprovalCompleted(),
        {"approval": {"approval_id": "a-1", "source_ref": "loan:1"}, "outcome": "approved"},
    )
    assert (nested.approval.source_ref, nested.outcome) == ("loan:1", "approved")
