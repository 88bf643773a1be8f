"""The workbench's copy of the directory (names and pickers) and departments
created after it was loaded."""

from __future__ import annotations

from typing import Any, cast

from web.directory import Names
from web.gateway import Gateway


class Directory:
    """What the gateway's /api/v1/people and /api/v1/departments list, and how often."""

    def __init__(self) -> None:
        self.people = [{"username": "zhao.lei", "name": "赵雷", "department_code": "SEC"}]
        self.departments = [{"code": "SEC", "name": "秘书处"}]
        self.loads = 0

    def items(self, path: str, limit: int = 500, **params: Any) -> list[dict[str, Any]]:
        if path == "/api/v1/people":
            self.loads += 1
            return list(self.people)
        return list(self.departments)


def test_a_department_created_right_after_a_reload_is_named_at_once() -> None:
    directory = Directory()
    gateway = cast(Gateway, directory)
    names = Names()
    names.refresh(gateway)
    directory.departments.append({"code": "U7", "name": "第七工作组"})
    directory.people.append({"username": "wu.di", "name": "吴迪", "department_code": "U7"})

    names.ensure(gateway, "wu.di", "U7")

    assert names.department(gateway, "U7") == "第七工作组"
    assert names.person(gateway, "wu.di") == "吴迪"
    assert ("wu.di", "吴迪 · 第七工作组") in names.choices(gateway)


def test_a_name_that_does_not_exist_reloads_the_copy_once() -> None:
    directory = Directory()
    gateway = cast(Gateway, directory)
    names = Names()
    names.refresh(gateway)
    for _ in range(5):
        assert names.person(gateway, "nobody") == "nobody"
    assert directory.loads == 2
