"""SPEC X-01: the organisation directory over HTTP, against a real database."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

pytestmark = pytest.mark.integration

Login = Callable[..., dict[str, str]]


def errors_of(response: object) -> dict[str, str]:
    body = response.get_json()  # type: ignore[attr-defined]
    return {e["field"]: e["message"] for e in body["errors"]}


def test_x01_admin_builds_a_department_and_its_people(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    created = client.post(
        "/api/v1/departments", json={"code": "HR", "name": "人力资源部"}, headers=admin
    )
    assert created.status_code == 201
    assert created.headers["Location"] == "/api/v1/departments/HR"
    assert created.get_json() == {
        "code": "HR",
        "name": "人力资源部",
        "parent_code": None,
        "head_username": None,
        "supervising_leader_username": None,
    }
    person = client.post(
        "/api/v1/people",
        json={
            "username": "chen.jing",
            "name": "陈静",
            "password": "s3cret-Pass",
            "department_code": "HR",
            "roles": ["hr", "employee"],
        },
        headers=admin,
    )
    assert person.status_code == 201
    assert person.headers["Location"] == "/api/v1/people/chen.jing"
    assert "password" not in person.get_json()
    assert "password_hash" not in person.get_json()
    assert person.get_json()["roles"] == ["employee", "hr"]

    patched = client.patch(
        "/api/v1/departments/HR", json={"head_username": "chen.jing"}, headers=admin
    )
    assert patched.status_code == 200
    assert patched.get_json()["head_username"] == "chen.jing"
    assert patched.get_json()["name"] == "人力资源部"

    fetched = client.get("/api/v1/people/chen.jing", headers=admin).get_json()
    assert fetched["headed_departments"] == ["HR"]
    assert "password" not in fetched

    me = client.post(
        "/api/v1/auth/login", json={"username": "chen.jing", "password": "s3cret-Pass"}
    )
    assert me.status_code == 200


@pytest.mark.usefixtures("demo_org")
def test_x01_anyone_logged_in_reads_the_directory(client: FlaskClient, login: Login) -> None:
    headers = login("zhang.wei")
    departments = client.get("/api/v1/departments", headers=headers).get_json()
    assert [d["code"] for d in departments["items"]] == ["FIN", "HR", "IT", "OFF", "SEC"]
    assert departments["total"] == 5
    sec = client.get("/api/v1/departments/SEC", headers=headers).get_json()
    assert sec["name"] == "秘书处"
    assert sec["head_username"] == "zhao.min"
    assert sec["supervising_leader_username"] == "li.hua"
    people = client.get("/api/v1/people?department_code=FIN", headers=headers).get_json()
    assert {p["username"] for p in people["items"]} == {"huang.lei", "wu.fang"}
    finance = client.get("/api/v1/people?role=finance&page_size=1", headers=headers).get_json()
    assert finance["total"] == 2
    assert len(finance["items"]) == 1
    found = client.get("/api/v1/people?q=张", headers=headers).get_json()
    assert [p["username"] for p in found["items"]] == ["zhang.wei"]


@pytest.mark.usefixtures("demo_org")
def test_x01_only_admins_write_the_directory(client: FlaskClient, login: Login) -> None:
    headers = login("chen.jing")
    attempts = [
        client.post("/api/v1/departments", json={"code": "NEW", "name": "新部门"}, headers=headers),
        client.patch("/api/v1/departments/HR", json={"name": "人事部"}, headers=headers),
        client.post(
            "/api/v1/people",
            json={
                "username": "x.y",
                "name": "某人",
                "password": "long-enough-1",
                "department_code": "HR",
            },
            headers=headers,
        ),
        client.patch("/api/v1/people/liu.yang", json={"roles": ["admin"]}, headers=headers),
    ]
    for response in attempts:
        assert response.status_code == 403
        assert response.content_type == "application/problem+json"
    assert client.get("/api/v1/departments/HR", headers=headers).get_json()["name"] == "人力资源部"
    assert client.get("/api/v1/people/liu.yang", headers=headers).get_json()["roles"] == [
        "employee",
        "hr",
    ]


@pytest.mark.usefixtures("demo_org")
def test_x01_invalid_department_is_422_with_field_errors_and_nothing_changes(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/departments",
        json={
            "code": "hr-2",
            "name": "",
            "parent_code": "NOPE",
            "head_username": "nobody",
            "supervising_leader_username": "zhang.wei",
        },
        headers=admin,
    )
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert set(errors_of(response)) == {
        "code",
        "name",
        "parent_code",
        "head_username",
        "supervising_leader_username",
    }
    assert client.get("/api/v1/departments", headers=admin).get_json()["total"] == 5


@pytest.mark.usefixtures("demo_org")
def test_x01_duplicate_code_and_username_are_409(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    department = client.post(
        "/api/v1/departments", json={"code": "HR", "name": "另一个"}, headers=admin
    )
    assert department.status_code == 409
    assert "code" in errors_of(department)
    person = client.post(
        "/api/v1/people",
        json={
            "username": "zhang.wei",
            "name": "另一个张伟",
            "password": "long-enough-1",
            "department_code": "SEC",
        },
        headers=admin,
    )
    assert person.status_code == 409
    assert "username" in errors_of(person)
    assert client.get("/api/v1/people/zhang.wei", headers=admin).get_json()["name"] == "张伟"


@pytest.mark.usefixtures("demo_org")
def test_x01_parent_cycle_is_422_and_tree_unchanged(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    assert (
        client.post(
            "/api/v1/departments",
            json={"code": "PAY", "name": "薪酬组", "parent_code": "HR"},
            headers=admin,
        ).status_code
        == 201
    )
    cycle = client.patch("/api/v1/departments/HR", json={"parent_code": "PAY"}, headers=admin)
    assert cycle.status_code == 422
    assert "形成循环" in errors_of(cycle)["parent_code"]
    assert client.get("/api/v1/departments/HR", headers=admin).get_json()["parent_code"] is None


@pytest.mark.usefixtures("demo_org")
def test_x01_superior_cycle_is_422_and_nothing_changes(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    response = client.patch(
        "/api/v1/people/wang.jian", json={"superior_username": "zhang.wei"}, headers=admin
    )
    assert response.status_code == 422
    assert "形成循环" in errors_of(response)["superior_username"]
    leader = client.get("/api/v1/people/wang.jian", headers=admin).get_json()
    assert leader["superior_username"] is None


@pytest.mark.usefixtures("demo_org")
def test_x01_unknown_role_department_and_superior_are_422(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/people",
        json={
            "username": "new.hire",
            "name": "新员工",
            "password": "long-enough-1",
            "department_code": "NOPE",
            "roles": ["employee", "king"],
            "superior_username": "ghost",
        },
        headers=admin,
    )
    assert response.status_code == 422
    assert set(errors_of(response)) == {"department_code", "roles", "superior_username"}
    assert client.get("/api/v1/people/new.hire", headers=admin).status_code == 404


@pytest.mark.usefixtures("demo_org")
def test_x01_leaders_need_no_department_but_employees_do(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    leader = client.post(
        "/api/v1/people",
        json={
            "username": "zhou.bo",
            "name": "周波",
            "password": "long-enough-1",
            "roles": ["leader"],
        },
        headers=admin,
    )
    assert leader.status_code == 201
    assert leader.get_json()["department_code"] is None
    employee = client.post(
        "/api/v1/people",
        json={"username": "qian.duo", "name": "钱多", "password": "long-enough-1"},
        headers=admin,
    )
    assert employee.status_code == 422
    assert "department_code" in errors_of(employee)


@pytest.mark.usefixtures("demo_org")
def test_x01_wrong_json_types_are_422_naming_the_field(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/people",
        json={
            "username": "a.b",
            "name": 5,
            "password": "long-enough-1",
            "roles": "employee",
            "extra": 1,
        },
        headers=admin,
    )
    assert response.status_code == 422
    assert {"name", "roles", "extra"} <= set(errors_of(response))
    not_json = client.post(
        "/api/v1/departments",
        data="{not json",
        headers={**admin, "Content-Type": "application/json"},
    )
    assert not_json.status_code == 400
    assert not_json.content_type == "application/problem+json"


@pytest.mark.usefixtures("demo_org")
def test_x01_patch_changes_only_what_is_sent_and_null_clears(
    client: FlaskClient, admin: dict[str, str], login: Login
) -> None:
    response = client.patch(
        "/api/v1/people/he.ping",
        json={"superior_username": None, "grade": "P3", "password": "n3w-password"},
        headers=admin,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["superior_username"] is None
    assert body["grade"] == "P3"
    assert body["department_code"] == "OFF"
    assert body["roles"] == ["employee"]
    assert login("he.ping", "n3w-password")
    refused = client.patch("/api/v1/people/he.ping", json={"name": None}, headers=admin)
    assert refused.status_code == 422
    assert "name" in errors_of(refused)


def test_x01_unknown_department_or_person_is_404(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    for path in ("/api/v1/departments/NOPE", "/api/v1/people/nobody"):
        response = client.get(path, headers=admin)
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"
    assert (
        client.patch("/api/v1/departments/NOPE", json={"name": "x"}, headers=admin).status_code
        == 404
    )


@pytest.mark.usefixtures("demo_org")
def test_nul_characters_are_422_not_a_database_error(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/departments", json={"code": "QA", "name": "质量\x00部"}, headers=admin
    )
    assert response.status_code == 422
    assert errors_of(response)["name"]
    listed = client.get("/api/v1/people?q=a%00b", headers=admin)
    assert listed.status_code == 422
    assert client.get("/api/v1/departments", headers=admin).get_json()["total"] == 5


@pytest.mark.usefixtures("demo_org")
def test_x01_i05_phone_and_email_are_kept_checked_and_cleared_with_null(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    created = client.post(
        "/api/v1/people",
        json={
            "username": "tang.yu",
            "name": "唐宇",
            "password": "long-enough-1",
            "department_code": "SEC",
            "phone": "+86 10 6552-3399",
            "email": "tang.yu@example.com",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["phone"] == "+86 10 6552-3399"
    assert created.get_json()["email"] == "tang.yu@example.com"
    assert created.get_json()["roles"] == ["employee"]

    bad = client.patch(
        "/api/v1/people/tang.yu", json={"phone": "call me", "email": "nope"}, headers=admin
    )
    assert bad.status_code == 422
    assert {"phone", "email"} <= set(errors_of(bad))
    cleared = client.patch("/api/v1/people/tang.yu", json={"phone": None}, headers=admin)
    assert cleared.status_code == 200
    assert cleared.get_json()["phone"] is None
    assert cleared.get_json()["email"] == "tang.yu@example.com"


@pytest.mark.usefixtures("demo_org")
def test_x01_patch_refuses_a_body_field_it_does_not_know_and_an_explicit_empty_role_list(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    unknown = client.patch("/api/v1/people/he.ping", json={"sent": ["name"]}, headers=admin)
    assert unknown.status_code == 422
    assert "sent" in errors_of(unknown)
    no_roles = client.post(
        "/api/v1/people",
        json={"username": "x.z", "name": "某", "password": "long-enough-1", "roles": []},
        headers=admin,
    )
    assert no_roles.status_code == 422
    assert "roles" in errors_of(no_roles)
    department = client.patch(
        "/api/v1/departments/SEC", json={"supervising_leader_username": None}, headers=admin
    )
    assert department.status_code == 200
    assert department.get_json()["supervising_leader_username"] is None
    assert department.get_json()["head_username"] == "zhao.min"
