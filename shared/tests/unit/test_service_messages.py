"""Services' domain messages in the reader's language (issue 10 item 6)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from secretariat_shared.i18n import CHINESE, ENGLISH, translate

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]


def _extractor() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "i18n_messages", ROOT / "scripts/i18n_messages.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_a_service_raises_has_a_chinese_translation() -> None:
    extractor = _extractor()
    found = extractor.all_messages()
    assert len(found) > 300
    gaps = extractor.missing()
    assert not gaps, "run `python scripts/i18n_messages.py update` and translate:\n" + "\n".join(
        f"{where}: {msgid}" for msgid, where in gaps.items()
    )


def test_a_message_filled_in_by_the_service_is_found_through_its_msgid() -> None:
    assert translate("unknown room 'r-17'", CHINESE) == "未知会议室 'r-17'"
    assert (
        translate(
            "the appeal deadline passed at 2027-03-04 09:00 (3 working days after 2027-03-01)",
            CHINESE,
        )
        == "申诉期限已于 2027-03-04 09:00 截止（2027-03-01 后 3 个工作日）"
    )


def test_the_most_specific_message_wins_when_several_match() -> None:
    assert translate("approval 42 not found", CHINESE) == "审批 42 不存在"
    assert translate("loan 42 not found", CHINESE) == "loan 42 不存在"


def test_a_state_code_in_a_message_reads_as_its_chinese_label() -> None:
    assert (
        translate("the approval is rejected; no decision can be made", CHINESE)
        == "该审批的状态为已驳回，不能再作决定"
    )
    assert translate("unknown person zhang.wei", CHINESE) == "未知人员 zhang.wei"


def test_english_and_unknown_texts_pass_through_unchanged() -> None:
    assert translate("unknown room 'r-17'", ENGLISH) == "unknown room 'r-17'"
    assert translate("something nobody catalogued", CHINESE) == "something nobody catalogued"
    assert translate("未知会议室 'r-17'", CHINESE) == "未知会议室 'r-17'"


def test_the_extractor_reads_f_strings_as_their_msgid() -> None:
    import ast

    extractor = _extractor()
    node = ast.parse('f"room {meeting.room_id!r} seats {capacity}; {len(people)} invited"').body[0]
    assert isinstance(node, ast.Expr)
    assert extractor.msgid_of(node.value) == "room {room_id} seats {capacity}; {len} invited"
