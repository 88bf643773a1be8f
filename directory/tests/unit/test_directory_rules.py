"""SPEC X-01: the organisation directory's validation rules, on an in-memory directory."""

from __future__ import annotations

import pytest

from directory.domain.directory import (
    Department,
    DuplicateEntry,
    Person,
    changed_department,
    changed_person,
    check_department,
    check_person,
)
from secretariat_shared.errors import ValidationFailed

pytestmark = pytest.mark.unit


class FakeDirectory:
    def __init__(self, departments: list[Department], people: list[Person]) -> None:
        self.departments = {d.code: d for d in departments}
        self.people = {p.username: p for p in people}

    def department(self, code: str) -> Department | None:
        return self.departments.get(code)

    def person(self, username: str) -> Person | None:
        return self.people.get(username)


@pytest.fixture
def org() -> FakeDirectory:
    return FakeDirectory(
        departments=[
            Department("HQ", "总部"),
            Department("HR", "人力资源部", parent_code="HQ", head_username="chen.jing"),
            Department("PAY", "薪酬组", parent_code="HR"),
        ],
        people=[
            Person("wang.jian", "王建", None, ("leader",)),
            Person("li.hua", "李华", None, ("supervising_leader",), "wang.jian"),
            Person("chen.jing", "陈静", "HR", ("employee", "hr"), "li.hua"),
            Person("liu.yang", "刘洋", "HR", ("employee",), "chen.jing"),
            Person("gone", "离职者", "HR", ("employee",), active=False),
        ],
    )


def fields(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {e.field: e.message for e in exc.value.errors}


def test_x01_valid_department_passes(org: FakeDirectory) -> None:
    department = Department("FIN", "财务部", "HQ", "liu.yang", "li.hua")
    assert check_department(department, org, creating=True) == department


@pytest.mark.parametrize("code", ["h", "hr", "H-R", "ABCDEFGHIJK", "", "人事"])
def test_x01_malformed_department_code_is_rejected(org: FakeDirectory, code: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_department(Department(code, "某部"), org, creating=True)
    assert "code" in fields(exc)


def test_x01_duplicate_department_code_is_a_conflict_on_code(org: FakeDirectory) -> None:
    with pytest.raises(DuplicateEntry) as exc:
        check_department(Department("HR", "另一个人事部"), org, creating=True)
    assert exc.value.errors[0].field == "code"


def test_x01_unknown_parent_head_and_leader_are_reported_together(org: FakeDirectory) -> None:
    candidate = Department("FIN", "", "NOPE", "nobody", "ghost")
    with pytest.raises(ValidationFailed) as exc:
        check_department(candidate, org, creating=True)
    assert set(fields(exc)) == {
        "name",
        "parent_code",
        "head_username",
        "supervising_leader_username",
    }


def test_x01_supervising_leader_must_hold_a_leading_role(org: FakeDirectory) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_department(
            Department("FIN", "财务部", supervising_leader_username="liu.yang"), org, creating=True
        )
    assert "supervising_leader" in fields(exc)["supervising_leader_username"]


def test_x01_inactive_person_cannot_head_a_department(org: FakeDirectory) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_department(Department("FIN", "财务部", head_username="gone"), org, creating=True)
    assert "not active" in fields(exc)["head_username"]


def test_x01_department_cannot_be_its_own_parent(org: FakeDirectory) -> None:
    hr = org.departments["HR"]
    with pytest.raises(ValidationFailed) as exc:
        check_department(changed_department(hr, {"parent_code": "HR"}), org, creating=False)
    assert "parent_code" in fields(exc)


def test_x01_parent_cycle_is_rejected(org: FakeDirectory) -> None:
    hq = org.departments["HQ"]
    with pytest.raises(ValidationFailed) as exc:
        check_department(changed_department(hq, {"parent_code": "PAY"}), org, creating=False)
    assert "cycle" in fields(exc)["parent_code"]


def test_x01_moving_a_department_elsewhere_in_the_tree_is_fine(org: FakeDirectory) -> None:
    pay = org.departments["PAY"]
    moved = check_department(changed_department(pay, {"parent_code": "HQ"}), org, creating=False)
    assert moved.parent_code == "HQ"


def test_x01_valid_person_gets_roles_in_canonical_order(org: FakeDirectory) -> None:
    person = Person("zhang.wei", "张伟", "HR", ("hr", "employee", "hr"), "chen.jing")
    checked = check_person(person, org, creating=True, password="secret")
    assert checked.roles == ("employee", "hr")


def test_x01_unknown_role_is_rejected(org: FakeDirectory) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_person(
            Person("zhang.wei", "张伟", "HR", ("employee", "boss")),
            org,
            creating=True,
            password="x",
        )
    assert "boss" in fields(exc)["roles"]


def test_x01_duplicate_username_is_a_conflict_on_username(org: FakeDirectory) -> None:
    with pytest.raises(DuplicateEntry) as exc:
        check_person(
            Person("liu.yang", "刘洋", "HR", ("employee",)), org, creating=True, password="x"
        )
    assert exc.value.errors[0].field == "username"


def test_x01_department_is_optional_for_leaders_only(org: FakeDirectory) -> None:
    leader = Person("zhou.bo", "周波", None, ("supervising_leader",), "wang.jian")
    assert check_person(leader, org, creating=True, password="x").department_code is None
    with pytest.raises(ValidationFailed) as exc:
        check_person(
            Person("zhang.wei", "张伟", None, ("employee",)), org, creating=True, password="x"
        )
    assert "department_code" in fields(exc)


def test_x01_unknown_department_and_superior_are_rejected(org: FakeDirectory) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_person(
            Person("zhang.wei", "张伟", "NOPE", ("employee",), "nobody"),
            org,
            creating=True,
            password="x",
        )
    assert set(fields(exc)) == {"department_code", "superior_username"}


def test_x01_superior_cycle_is_rejected(org: FakeDirectory) -> None:
    leader = org.people["wang.jian"]
    with pytest.raises(ValidationFailed) as exc:
        check_person(changed_person(leader, {"superior_username": "liu.yang"}), org, creating=False)
    assert "cycle" in fields(exc)["superior_username"]


def test_x01_nobody_is_their_own_superior(org: FakeDirectory) -> None:
    person = org.people["liu.yang"]
    with pytest.raises(ValidationFailed) as exc:
        check_person(changed_person(person, {"superior_username": "liu.yang"}), org, creating=False)
    assert "superior_username" in fields(exc)


def test_x01_new_person_needs_a_password_and_a_proper_username(org: FakeDirectory) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_person(Person("Zhang Wei", "张伟", "HR", ("employee",)), org, creating=True)
    assert set(fields(exc)) == {"username", "password"}


def test_x01_person_needs_at_least_one_role(org: FakeDirectory) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_person(Person("zhang.wei", "张伟", "HR", ()), org, creating=True, password="x")
    assert "roles" in fields(exc)
