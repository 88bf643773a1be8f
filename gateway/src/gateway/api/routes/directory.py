"""The organisation directory over HTTP (SPEC X-01): anyone logged in reads,
only admins write."""

from __future__ import annotations

from urllib.parse import quote

from gateway.adapters.directory_repository import PeopleFilter
from gateway.api.registry import Api, Call, Reply
from gateway.api.schemas.common import Paging
from gateway.api.schemas.directory import (
    DepartmentIn,
    DepartmentList,
    DepartmentOut,
    DepartmentPatch,
    PeopleQuery,
    PersonIn,
    PersonList,
    PersonOut,
    PersonPatch,
)
from gateway.bootstrap import Gateway
from gateway.domain.directory import Department, Person, PersonRecord
from gateway.domain.roles import ADMIN

ADMIN_ONLY = (ADMIN,)


def department_out(department: Department) -> DepartmentOut:
    return DepartmentOut(
        code=department.code,
        name=department.name,
        parent_code=department.parent_code,
        head_username=department.head_username,
        supervising_leader_username=department.supervising_leader_username,
    )


def person_out(record: PersonRecord) -> PersonOut:
    person = record.person
    return PersonOut(
        username=person.username,
        name=person.name,
        department_code=person.department_code,
        roles=list(person.roles),
        superior_username=person.superior_username,
        active=person.active,
        post=person.post,
        grade=person.grade,
        headed_departments=list(record.headed_departments),
    )


def register_directory_routes(api: Api, gateway: Gateway) -> None:
    directory = gateway.directory

    @api.route(
        "POST",
        "/api/v1/departments",
        summary="Create a department",
        tag="directory",
        body=DepartmentIn,
        response=DepartmentOut,
        status=201,
        roles=ADMIN_ONLY,
        problems=(409,),
    )
    def create_department(call: Call) -> Reply:
        body: DepartmentIn = call.body
        created = directory.create_department(
            call.username,
            Department(
                code=body.code,
                name=body.name,
                parent_code=body.parent_code,
                head_username=body.head_username,
                supervising_leader_username=body.supervising_leader_username,
            ),
        )
        return Reply(
            department_out(created),
            headers={"Location": f"/api/v1/departments/{quote(created.code)}"},
        )

    @api.route(
        "GET",
        "/api/v1/departments",
        summary="List departments",
        tag="directory",
        query=Paging,
        response=DepartmentList,
    )
    def list_departments(call: Call) -> DepartmentList:
        query: Paging = call.query
        items, total = directory.list_departments(query.page, query.page_size)
        return DepartmentList(
            items=[department_out(d) for d in items],
            total=total,
            page=query.page,
            page_size=query.page_size,
        )

    @api.route(
        "GET",
        "/api/v1/departments/<code>",
        summary="One department",
        tag="directory",
        response=DepartmentOut,
    )
    def get_department(call: Call) -> DepartmentOut:
        return department_out(directory.get_department(call.path["code"]))

    @api.route(
        "PATCH",
        "/api/v1/departments/<code>",
        summary="Change a department",
        tag="directory",
        body=DepartmentPatch,
        response=DepartmentOut,
        roles=ADMIN_ONLY,
    )
    def patch_department(call: Call) -> DepartmentOut:
        body: DepartmentPatch = call.body
        changes = {name: getattr(body, name) for name in call.fields_set()}
        return department_out(
            directory.update_department(call.username, call.path["code"], changes)
        )

    @api.route(
        "POST",
        "/api/v1/people",
        summary="Create a person",
        tag="directory",
        body=PersonIn,
        response=PersonOut,
        status=201,
        roles=ADMIN_ONLY,
        problems=(409,),
    )
    def create_person(call: Call) -> Reply:
        body: PersonIn = call.body
        created = directory.create_person(
            call.username,
            Person(
                username=body.username,
                name=body.name,
                department_code=body.department_code,
                roles=tuple(body.roles),
                superior_username=body.superior_username,
                post=body.post,
                grade=body.grade,
            ),
            body.password,
        )
        return Reply(
            person_out(created),
            headers={"Location": f"/api/v1/people/{quote(created.person.username)}"},
        )

    @api.route(
        "GET",
        "/api/v1/people",
        summary="List people",
        tag="directory",
        query=PeopleQuery,
        response=PersonList,
    )
    def list_people(call: Call) -> PersonList:
        query: PeopleQuery = call.query
        items, total = directory.list_people(
            PeopleFilter(
                department_code=query.department_code,
                role=query.role,
                q=query.q,
                active=query.active,
            ),
            query.page,
            query.page_size,
        )
        return PersonList(
            items=[person_out(r) for r in items],
            total=total,
            page=query.page,
            page_size=query.page_size,
        )

    @api.route(
        "GET",
        "/api/v1/people/<username>",
        summary="One person",
        tag="directory",
        response=PersonOut,
    )
    def get_person(call: Call) -> PersonOut:
        return person_out(directory.get_person(call.path["username"]))

    @api.route(
        "PATCH",
        "/api/v1/people/<username>",
        summary="Change a person",
        tag="directory",
        body=PersonPatch,
        response=PersonOut,
        roles=ADMIN_ONLY,
    )
    def patch_person(call: Call) -> PersonOut:
        body: PersonPatch = call.body
        sent = call.fields_set()
        changes = {name: getattr(body, name) for name in sent if name != "password"}
        password = body.password if "password" in sent else None
        return person_out(
            directory.update_person(call.username, call.path["username"], changes, password)
        )
