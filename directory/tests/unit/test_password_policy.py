"""Issue 13: a minimum password policy, explained in Chinese."""

from __future__ import annotations

import pytest

from directory.domain.directory import Person, check_person
from directory.domain.password_policy import (
    ONE_CHARACTER,
    SAME_AS_USERNAME,
    TOO_COMMON,
    TOO_SHORT,
    password_problems,
)
from secretariat_shared.errors import ValidationFailed

pytestmark = pytest.mark.unit


def messages(username: str, password: str) -> list[str]:
    return [problem.message for problem in password_problems(username, password)]


def test_a_long_uncommon_password_passes() -> None:
    assert messages("zhang.wei", "梅花三弄-1987-春") == []


def test_a_short_password_is_refused() -> None:
    assert messages("zhang.wei", "Ab3$efg9") == [TOO_SHORT]
    assert "10" in TOO_SHORT


def test_the_username_as_password_is_refused() -> None:
    assert SAME_AS_USERNAME in messages("zhang.wei.xx", "Zhang.Wei.XX")
    assert SAME_AS_USERNAME in messages("zhang.wei.xx", "xx.iew.gnahz")


@pytest.mark.parametrize("password", ["1234567890", "Password123", "QWERTYUIOP", "woaini1314"])
def test_a_common_password_is_refused(password: str) -> None:
    assert messages("zhang.wei", password) == [TOO_COMMON]


def test_one_character_repeated_is_refused() -> None:
    assert messages("zhang.wei", "aaaaaaaaaaaa") == [ONE_CHARACTER]


def test_the_policy_applies_when_asked_and_reports_every_field_at_once() -> None:
    class Nobody:
        def department(self, code: str) -> None:
            return None

        def person(self, username: str) -> None:
            return None

    with pytest.raises(ValidationFailed) as caught:
        check_person(
            Person("li.si", "", None, ("employee",)),
            Nobody(),
            creating=True,
            password="li.si",
            password_policy=True,
        )
    found = {(e.field, e.message) for e in caught.value.errors}
    assert ("password", TOO_SHORT) in found
    assert ("password", SAME_AS_USERNAME) in found
    assert {field for field, _ in found} >= {"name", "department_code", "password"}
