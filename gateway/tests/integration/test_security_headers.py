"""Issue 13: headers on every gateway answer; /docs, /openapi.json and /metrics
kept off the public port when configured so."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("path", ["/livez", "/api/v1/me", "/openapi.json", "/nowhere", "/docs"])
def test_no_answer_can_be_sniffed_framed_or_leak_its_referrer(
    client: FlaskClient, path: str
) -> None:
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_authenticated_answers_and_tokens_are_never_cached(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    assert client.get("/api/v1/me", headers=admin).headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/people", headers=admin).headers["Cache-Control"] == "no-store"
    login = client.post(
        "/api/v1/auth/login", json={"username": "admin", "password": "wrong-password"}
    )
    assert login.headers["Cache-Control"] == "no-store"


def test_docs_run_only_their_own_scripts(client: FlaskClient) -> None:
    page = client.get("/docs")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    html = page.get_data(as_text=True)
    assert "<script>" not in html
    assert client.get("/docs/assets/init.js").status_code == 200


def test_docs_and_openapi_can_be_switched_off(make_app: Callable[..., Flask]) -> None:
    client = make_app(api_docs=False).test_client()
    for path in ("/docs", "/docs/assets/init.js", "/docs/openapi-3.0.json", "/openapi.json"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.content_type == "application/problem+json"
    assert client.get("/livez").status_code == 200


def test_metrics_leave_the_public_port_when_served_apart(make_app: Callable[..., Flask]) -> None:
    public = make_app(http_metrics_bind="127.0.0.1:0").test_client()
    assert public.get("/metrics").status_code == 404
    assert make_app().test_client().get("/metrics").status_code == 200
