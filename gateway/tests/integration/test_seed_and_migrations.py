"""The demo organisation and the admin account; the migrations match the tables."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine

from directory.adapters.passwords import fast_passwords
from directory.seed import DEMO_DEPARTMENTS, DEMO_LOGINS, DEMO_PEOPLE, ensure_admin, seed_demo
from directory.service_layer.directory import DirectoryService
from gateway.adapters.tables import metadata
from gateway.app import create_app, gateway_of
from gateway.seed import prepare_database
from gateway.settings import GatewaySettings
from secretariat_shared.clock import ManualClock

pytestmark = pytest.mark.integration


def test_migrations_create_exactly_the_declared_schema(migrated_database_url: str) -> None:
    engine = create_engine(migrated_database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}), metadata
            )
    finally:
        engine.dispose()
    assert differences == []


@pytest.mark.usefixtures("demo_org")
def test_x01_demo_organisation_has_heads_leaders_and_a_reporting_line(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    people = client.get("/api/v1/people?page_size=100", headers=admin).get_json()["items"]
    by_name = {p["username"]: p for p in people}
    departments = client.get("/api/v1/departments", headers=admin).get_json()["items"]
    assert {(d["code"], d["name"]) for d in departments} == {
        ("SEC", "秘书处"),
        ("HR", "人力资源部"),
        ("FIN", "财务部"),
        ("OFF", "办公室"),
        ("IT", "信息技术部"),
    }
    for department in departments:
        assert department["head_username"] in by_name
        leader = by_name[department["supervising_leader_username"]]
        assert "supervising_leader" in leader["roles"]
        members = [p for p in people if p["department_code"] == department["code"]]
        assert len(members) >= 2

    roles = {role for p in people for role in p["roles"]}
    assert {"finance", "office_director", "supervising_leader", "leader", "hr", "discipline",
            "secretariat", "admin"} <= roles  # fmt: skip

    # employee -> department head -> supervising leader -> leader
    chain = ["zhang.wei"]
    while by_name[chain[-1]]["superior_username"]:
        chain.append(by_name[chain[-1]]["superior_username"])
    assert chain == ["zhang.wei", "zhao.min", "li.hua", "wang.jian"]
    assert all(any(ch > "\u4e00" for ch in p["name"]) for p in people if p["username"] != "admin")
    # I-05 follow-up calls and e-mailed notices read these (issue 15).
    demo = [p for p in people if p["username"] != "admin"]
    assert all(p["phone"] and p["email"] for p in demo)
    assert len({p["phone"] for p in demo}) == len(demo)


@pytest.mark.usefixtures("demo_org")
def test_every_demo_login_works_with_password_demo(client: FlaskClient) -> None:
    assert len(DEMO_LOGINS) == len(DEMO_PEOPLE)
    for username, _description in DEMO_LOGINS:
        response = client.post(
            "/api/v1/auth/login", json={"username": username, "password": "demo"}
        )
        assert response.status_code == 200, username


def test_seeding_twice_changes_nothing_and_keeps_admin_edits(
    app: Flask, client: FlaskClient, admin: dict[str, str]
) -> None:
    gateway = gateway_of(app)
    directory = DirectoryService(gateway.db, gateway.passwords, gateway.clock)
    assert seed_demo(directory) == len(DEMO_DEPARTMENTS) + len(DEMO_PEOPLE)
    client.patch("/api/v1/departments/IT", json={"head_username": "guo.tao"}, headers=admin)
    assert seed_demo(directory) == 0
    assert ensure_admin(directory, "other") is False
    assert directory.get_department("IT").head_username == "guo.tao"
    assert client.get("/api/v1/people", headers=admin).get_json()["total"] == len(DEMO_PEOPLE) + 1


def test_demo_mode_seeds_the_organisation_and_an_admin_with_password_admin(
    make_settings: Callable[..., GatewaySettings], clock: ManualClock
) -> None:
    settings = make_settings(demo=True)
    prepare_database(settings, passwords=fast_passwords())
    app = create_app(settings, clock=clock, passwords=fast_passwords())
    try:
        client = app.test_client()
        for username, password in (("admin", "admin"), ("wang.jian", "demo")):
            response = client.post(
                "/api/v1/auth/login", json={"username": username, "password": password}
            )
            assert response.status_code == 200, username
    finally:
        gateway_of(app).close()


def test_outside_demo_mode_no_admin_is_created_without_a_password(
    make_settings: Callable[..., GatewaySettings], clock: ManualClock
) -> None:
    settings = make_settings()
    assert settings.effective_admin_password == ""
    prepare_database(settings, passwords=fast_passwords())
    app = create_app(settings, clock=clock, passwords=fast_passwords())
    try:
        response = app.test_client().post(
            "/api/v1/auth/login", json={"username": "admin", "password": "admin"}
        )
        assert response.status_code == 401
    finally:
        gateway_of(app).close()


def test_a_trial_deployment_seeds_its_demo_people_with_the_generated_password_not_demo(
    make_settings: Callable[..., GatewaySettings], clock: ManualClock
) -> None:
    settings = make_settings(
        demo=True, admin_password="generated-admin-9f3k", demo_password="generated-demo-x7q2"
    )
    prepare_database(settings, passwords=fast_passwords())
    app = create_app(settings, clock=clock, passwords=fast_passwords())
    try:
        client = app.test_client()

        def login(username: str, password: str) -> int:
            return client.post(
                "/api/v1/auth/login", json={"username": username, "password": password}
            ).status_code

        assert login("wang.jian", "generated-demo-x7q2") == 200
        assert login("zhang.wei", "demo") == 401
        assert login("admin", "admin") == 401
        assert login("admin", "generated-admin-9f3k") == 200
    finally:
        gateway_of(app).close()


@pytest.mark.usefixtures("demo_org")
def test_p10_the_directory_holds_an_employee_representative_for_the_appeal_panel(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    """SPEC P-10: the appeal panel includes an employee representative (职工代表);
    the demo organisation has one and the directory takes the role like any other."""
    holders = client.get(
        "/api/v1/people?page_size=100&role=employee_representative", headers=admin
    ).get_json()["items"]
    assert [p["username"] for p in holders] == ["zhou.ming"]
    created = client.post(
        "/api/v1/people",
        json={
            "username": "qin.rep",
            "name": "秦代表",
            "department_code": "FIN",
            "roles": ["employee", "employee_representative"],
            "password": "A-long-enough-passphrase-42",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["roles"] == ["employee", "employee_representative"]
