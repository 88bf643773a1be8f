"""Issue 13: tokens revoked by a password, deactivation or role change; the
password policy over HTTP; the last administrator stays."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from directory.domain.password_policy import TOO_COMMON, TOO_SHORT

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("demo_org")]

Login = Callable[..., dict[str, str]]


def me(client: FlaskClient, headers: dict[str, str]) -> int:
    return client.get("/api/v1/me", headers=headers).status_code


def patch(client: FlaskClient, admin: dict[str, str], username: str, **changes: object) -> int:
    return client.patch(f"/api/v1/people/{username}", json=changes, headers=admin).status_code


def test_a_password_change_revokes_the_tokens_issued_before_it(
    client: FlaskClient, login: Login, admin: dict[str, str]
) -> None:
    stolen = login("zhang.wei")
    assert me(client, stolen) == 200
    assert patch(client, admin, "zhang.wei", password="a-brand-new-secret") == 200
    response = client.get("/api/v1/me", headers=stolen)
    assert response.status_code == 401
    assert "令牌已被撤销" in response.get_json()["detail"]
    assert me(client, login("zhang.wei", "a-brand-new-secret")) == 200


def test_a_role_change_revokes_the_tokens_issued_before_it(
    client: FlaskClient, login: Login, admin: dict[str, str]
) -> None:
    before = login("chen.jing")
    assert patch(client, admin, "chen.jing", roles=["employee", "hr"]) == 200
    assert me(client, before) == 401
    assert me(client, login("chen.jing")) == 200


def test_other_changes_keep_the_session(
    client: FlaskClient, login: Login, admin: dict[str, str]
) -> None:
    headers = login("sun.li")
    assert patch(client, admin, "sun.li", post="科员", grade="P2") == 200
    assert me(client, headers) == 200


def test_reactivation_does_not_revive_the_tokens_of_before_the_deactivation(
    client: FlaskClient, login: Login, admin: dict[str, str]
) -> None:
    old = login("he.ping")
    assert patch(client, admin, "he.ping", active=False) == 200
    assert patch(client, admin, "he.ping", active=True) == 200
    assert me(client, old) == 401
    assert me(client, login("he.ping")) == 200


def test_a_weak_password_is_refused_with_a_chinese_reason(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/people",
        json={
            "username": "qian.duo",
            "name": "钱多",
            "password": "Password123",
            "department_code": "HR",
            "roles": ["employee"],
        },
        headers=admin,
    )
    assert response.status_code == 422
    assert {"field": "password", "message": TOO_COMMON} in response.get_json()["errors"]
    short = client.patch("/api/v1/people/zhang.wei", json={"password": "short"}, headers=admin)
    assert short.status_code == 422
    assert {"field": "password", "message": TOO_SHORT} in short.get_json()["errors"]


def test_the_last_active_administrator_cannot_be_deactivated_or_demoted(
    client: FlaskClient, admin: dict[str, str], login: Login
) -> None:
    for changes in ({"active": False}, {"roles": ["leader"]}):
        response = client.patch("/api/v1/people/admin", json=changes, headers=admin)
        assert response.status_code == 409, changes
        assert "最后一位在职管理员" in response.get_json()["detail"]
    # With a second administrator, the first may step down.
    assert patch(client, admin, "zhang.wei", roles=["employee", "admin"]) == 200
    assert patch(client, admin, "admin", active=False) == 200
    other = login("zhang.wei")
    response = client.patch("/api/v1/people/zhang.wei", json={"roles": ["employee"]}, headers=other)
    assert response.status_code == 409
