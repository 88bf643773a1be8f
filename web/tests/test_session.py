"""Signing in keeps the token in a secure HTTP-only cookie; pages need it; logout ends it."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from web_fake_gateway import State, csrf_of

pytestmark = pytest.mark.unit


def test_pages_need_a_session_and_return_there_after_sign_in(client: FlaskClient) -> None:
    reply = client.get("/documents/")
    assert reply.status_code == 302
    assert reply.headers["Location"].startswith("/login?next=/documents/")
    reply = client.post(
        "/login", data={"username": "zhang.wei", "password": "demo", "next": "/documents/"}
    )
    assert reply.headers["Location"] == "/documents/"


def test_the_token_lives_only_in_a_secure_http_only_cookie(client: FlaskClient) -> None:
    reply = client.post("/login", data={"username": "zhang.wei", "password": "demo"})
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "SameSite=Lax" in cookie
    page = client.get("/").text
    assert "token-zhang.wei" not in page


def test_wrong_password_is_said_beside_the_password_field(client: FlaskClient) -> None:
    reply = client.post("/login", data={"username": "zhang.wei", "password": "nope"})
    assert reply.status_code == 200
    assert 'id="password-error"' in reply.text
    assert "用户名或密码错误" in reply.text
    assert 'aria-describedby="password-error"' in reply.text


def test_an_open_redirect_after_sign_in_is_refused(client: FlaskClient) -> None:
    reply = client.post(
        "/login",
        data={"username": "zhang.wei", "password": "demo", "next": "https://evil.example/"},
    )
    assert reply.headers["Location"] == "/"


def test_logout_ends_the_session(signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("zhang.wei")
    token = csrf_of(client.get("/").text)
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/").status_code == 302


def test_a_token_the_gateway_no_longer_accepts_sends_back_to_sign_in(
    signed_in: Callable[[str], FlaskClient], gateway_state: State
) -> None:
    client = signed_in("zhang.wei")
    gateway_state.expired = True
    reply = client.get("/documents/")
    assert reply.status_code == 302
    assert reply.headers["Location"].startswith("/login?next=/documents/")
    assert "会话已结束" in client.get(reply.headers["Location"]).text


def test_a_form_without_the_csrf_token_is_refused(signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("zhang.wei")
    reply = client.post("/documents/new", data={"title": "x"})
    assert reply.status_code == 400


def test_the_menu_shows_only_what_the_roles_open(signed_in: Callable[[str], FlaskClient]) -> None:
    page = signed_in("zhang.wei").get("/").text
    assert "我的待办" in page
    assert "时效概览" not in page
    assert signed_in("zhang.wei").get("/sla/").status_code == 403


def test_a_head_sees_the_sla_chart_drawn_on_the_server(
    signed_in: Callable[[str], FlaskClient], gateway_state: State
) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    late, later = now - timedelta(minutes=1), now + timedelta(days=1)
    gateway_state.approvals.append(
        {
            "id": "a1",
            "department_code": "SEC",
            "steps": [
                {"opened_at": now.isoformat(), "due_at": late.isoformat(), "closed_at": None},
                {"opened_at": now.isoformat(), "due_at": later.isoformat(), "closed_at": None},
            ],
        }
    )
    client = signed_in("zhao.min")
    page = client.get("/").text
    assert "时效概览" in page
    reply = client.get("/sla/")
    assert reply.status_code == 200
    assert "<svg" in reply.text
    assert 'class="bar over"' in reply.text  # 10% overdue is above the 5% target (D-10)
    assert "秘书处: 50% (1/2)" in reply.text  # per department, named
    assert "<script" not in reply.text


def test_a_form_sent_after_the_token_expired_returns_to_its_page_after_sign_in(
    signed_in: Callable[[str], FlaskClient], gateway_state: State
) -> None:
    client = signed_in("zhang.wei")
    token = csrf_of(client.get("/documents/new").text)
    gateway_state.expired = True
    reply = client.post(
        "/documents/new",
        data={"csrf_token": token, "title": "x"},
        headers={"Referer": "http://localhost/documents/new"},
    )
    assert reply.headers["Location"] == "/login?next=/documents/new"


def test_an_active_person_keeps_their_session_the_token_is_renewed_before_it_lapses(
    signed_in: Callable[[str], FlaskClient], gateway_state: State
) -> None:
    client = signed_in("zhang.wei")
    assert client.get("/").status_code == 200
    assert gateway_state.refreshed == 0
    with client.session_transaction() as session:
        session["expires_at"] = session["expires_at"] - 600
    assert client.get("/").status_code == 200
    assert gateway_state.refreshed == 1
    with client.session_transaction() as session:
        assert session["expires_at"] > time.time() + 800
