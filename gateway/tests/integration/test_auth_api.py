"""Login, access tokens and throttling over HTTP (ENGINEERING rule 7)."""

from __future__ import annotations

from collections.abc import Callable

import jwt
import pytest
from flask.testing import FlaskClient

from secretariat_shared.clock import ManualClock
from secretariat_shared.identity import ACCESS_AUDIENCE, service_token

pytestmark = pytest.mark.integration

Login = Callable[..., dict[str, str]]


@pytest.mark.usefixtures("demo_org")
def test_login_returns_a_bearer_token_carrying_the_identity(
    client: FlaskClient, keypair: tuple[str, str]
) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "zhao.min", "password": "demo"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    claims = jwt.decode(
        body["access_token"],
        keypair[1],
        algorithms=["EdDSA"],
        audience=ACCESS_AUDIENCE,
        options={"verify_exp": False, "verify_iat": False},  # the test clock is not wall time
    )
    assert claims["sub"] == "zhao.min"
    assert claims["name"] == "赵敏"
    assert claims["dept"] == "SEC"
    assert claims["roles"] == ["employee", "secretariat"]
    assert claims["heads"] == ["SEC"]


@pytest.mark.usefixtures("demo_org")
def test_x03_the_identity_names_the_departments_a_leader_supervises(
    client: FlaskClient, keypair: tuple[str, str]
) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "yang.fan", "password": "demo"})
    claims = jwt.decode(
        response.get_json()["access_token"],
        keypair[1],
        algorithms=["EdDSA"],
        audience=ACCESS_AUDIENCE,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["supervises"] == ["FIN", "HR"]
    assert claims["heads"] == []


@pytest.mark.usefixtures("demo_org")
def test_wrong_password_and_unknown_user_get_the_same_401_problem(client: FlaskClient) -> None:
    wrong = client.post("/api/v1/auth/login", json={"username": "zhang.wei", "password": "x"})
    unknown = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.get_json()["detail"] == "用户名或密码错误"


def test_login_without_fields_is_422_naming_them(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", json={"username": 7})
    assert response.status_code == 422
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert fields == {"username", "password"}


@pytest.mark.usefixtures("demo_org")
def test_five_failures_throttle_even_the_right_password_until_the_window_passes(
    client: FlaskClient, clock: ManualClock
) -> None:
    for _ in range(5):
        assert (
            client.post(
                "/api/v1/auth/login", json={"username": "zhang.wei", "password": "guess"}
            ).status_code
            == 401
        )
    clock.advance(60)
    locked = client.post("/api/v1/auth/login", json={"username": "zhang.wei", "password": "demo"})
    assert locked.status_code == 429
    assert locked.content_type == "application/problem+json"
    assert int(locked.headers["Retry-After"]) == 14 * 60
    # Other people are not affected.
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": "sun.li", "password": "demo"}
        ).status_code
        == 200
    )
    clock.advance(14 * 60)
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": "zhang.wei", "password": "demo"}
        ).status_code
        == 200
    )


@pytest.mark.usefixtures("demo_org")
def test_failures_spread_beyond_the_window_do_not_throttle(
    client: FlaskClient, clock: ManualClock
) -> None:
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"username": "zhang.wei", "password": "guess"})
        clock.advance(4 * 60)
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": "zhang.wei", "password": "demo"}
        ).status_code
        == 200
    )


@pytest.mark.parametrize("header", [None, "Bearer", "Basic YWRtaW46YWRtaW4=", "Bearer not-a-token"])
def test_api_routes_need_a_valid_bearer_token(client: FlaskClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.usefixtures("demo_org")
def test_expired_token_is_401(client: FlaskClient, login: Login, clock: ManualClock) -> None:
    headers = login("zhang.wei")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(901)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert "expired" in response.get_json()["detail"]


def test_internal_service_token_is_not_an_access_token(
    client: FlaskClient, clock: ManualClock, internal_secret: str
) -> None:
    token = service_token("documents", internal_secret, clock)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


@pytest.mark.usefixtures("demo_org")
def test_me_shows_who_i_am(client: FlaskClient, login: Login) -> None:
    response = client.get("/api/v1/me", headers=login("chen.jing"))
    assert response.status_code == 200
    assert response.get_json() == {
        "username": "chen.jing",
        "name": "陈静",
        "department_code": "HR",
        "roles": ["employee", "hr", "committee"],
        "headed_departments": ["HR"],
        "superior_username": "yang.fan",
        "post": "人力资源部经理",
        "grade": None,
    }


@pytest.mark.usefixtures("demo_org")
def test_deactivated_person_loses_access_at_once(
    client: FlaskClient, login: Login, admin: dict[str, str]
) -> None:
    headers = login("he.ping")
    assert (
        client.patch("/api/v1/people/he.ping", json={"active": False}, headers=admin).status_code
        == 200
    )
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": "he.ping", "password": "demo"}
        ).status_code
        == 401
    )


@pytest.mark.usefixtures("demo_org")
def test_an_active_session_renews_its_token_until_twelve_hours_after_login(
    client: FlaskClient, login: Login, clock: ManualClock
) -> None:
    headers = login("zhang.wei")
    for _ in range(3):
        clock.advance(600)
        renewed = client.post("/api/v1/auth/refresh", headers=headers)
        assert renewed.status_code == 200
        headers = {"Authorization": f"Bearer {renewed.get_json()['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["username"] == "zhang.wei"
    for _ in range(12 * 6):
        clock.advance(600)
        renewed = client.post("/api/v1/auth/refresh", headers=headers)
        if renewed.status_code != 200:
            break
        headers = {"Authorization": f"Bearer {renewed.get_json()['access_token']}"}
    assert renewed.status_code == 401
    assert "请重新登录" in renewed.get_json()["detail"]
    assert client.post("/api/v1/auth/refresh").status_code == 401
