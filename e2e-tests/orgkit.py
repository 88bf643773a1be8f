"""Creates a small, uniquely named organisation unit through the admin API."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass


@dataclass
class Unit:
    code: str
    head: str
    clerk: str
    staff: str
    secretary: str


def new_unit(admin: object) -> Unit:
    code = "E" + "".join(random.choices(string.ascii_uppercase, k=6))
    low = code.lower()
    unit = Unit(code, f"{low}.head", f"{low}.clerk", f"{low}.staff", f"{low}.sec")
    reply = admin.post(  # type: ignore[attr-defined]
        "/api/v1/departments", json={"code": code, "name": f"测试部{code}"}
    )
    assert reply.status_code == 201, reply.text
    people = [
        (unit.head, "部门负责人", ["employee"]),
        (unit.clerk, "文书", ["employee"]),
        (unit.staff, "科员", ["employee"]),
        (unit.secretary, "秘书", ["employee", "secretariat"]),
    ]
    for username, name, roles in people:
        reply = admin.post(  # type: ignore[attr-defined]
            "/api/v1/people",
            json={
                "username": username,
                "name": name,
                "password": "demo",
                "department_code": code,
                "roles": roles,
            },
        )
        assert reply.status_code == 201, reply.text
    reply = admin.patch(f"/api/v1/departments/{code}", json={"head_username": unit.head})  # type: ignore[attr-defined]
    assert reply.status_code == 200, reply.text
    return unit
