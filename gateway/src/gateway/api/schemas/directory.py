"""Departments and people (SPEC X-01)."""

from __future__ import annotations

from pydantic import Field
from pydantic.config import JsonDict

from gateway.api.schemas.common import Paging, RequestBody, ResponseBody, not_null
from gateway.domain.roles import EMPLOYEE, ROLES

_ROLES_SCHEMA: JsonDict = {"items": {"type": "string", "enum": list(ROLES)}}
_CODE = "2 to 10 uppercase letters or digits, e.g. `HR`"


class DepartmentIn(RequestBody):
    code: str = Field(description=_CODE, examples=["HR"])
    name: str = Field(examples=["人力资源部"])
    parent_code: str | None = None
    head_username: str | None = Field(None, description="the department head (部门负责人)")
    supervising_leader_username: str | None = Field(
        None, description="the leader in charge (分管领导); holds supervising_leader or leader"
    )


class DepartmentPatch(RequestBody):
    """Fields left out stay as they are; `null` clears a nullable field."""

    name: str | None = None
    parent_code: str | None = None
    head_username: str | None = None
    supervising_leader_username: str | None = None

    _name_not_null = not_null("name")


class DepartmentOut(ResponseBody):
    code: str
    name: str
    parent_code: str | None
    head_username: str | None
    supervising_leader_username: str | None


class DepartmentList(ResponseBody):
    items: list[DepartmentOut]
    total: int
    page: int
    page_size: int


class PersonIn(RequestBody):
    username: str = Field(description="lowercase ASCII, e.g. `zhang.wei`", examples=["zhang.wei"])
    name: str = Field(examples=["张伟"])
    password: str = Field(description="write-only: never returned")
    department_code: str | None = Field(
        None, description="required unless the person is a leader, supervising leader or admin"
    )
    roles: list[str] = Field(
        default_factory=lambda: [EMPLOYEE.value], json_schema_extra=_ROLES_SCHEMA
    )
    superior_username: str | None = None
    post: str | None = Field(None, description="post (岗位)")
    grade: str | None = Field(None, description="grade (职级)")


class PersonPatch(RequestBody):
    """Fields left out stay as they are; `null` clears a nullable field."""

    name: str | None = None
    password: str | None = Field(None, description="sets a new password")
    department_code: str | None = None
    roles: list[str] | None = Field(None, json_schema_extra=_ROLES_SCHEMA)
    superior_username: str | None = None
    active: bool | None = Field(None, description="false: the person can no longer log in")
    post: str | None = None
    grade: str | None = None

    _required_not_null = not_null("name", "password", "roles", "active")


class PersonOut(ResponseBody):
    username: str
    name: str
    department_code: str | None
    roles: list[str]
    superior_username: str | None
    active: bool
    post: str | None
    grade: str | None
    headed_departments: list[str] = Field(description="departments this person heads")


class PersonList(ResponseBody):
    items: list[PersonOut]
    total: int
    page: int
    page_size: int


class PeopleQuery(Paging):
    department_code: str | None = None
    role: str | None = None
    q: str | None = Field(None, description="part of the username or name")
    active: bool | None = None
