"""/openapi.json covers every /api route; /docs works offline; /livez, /readyz, /metrics;
and no error ever leaves as anything but problem+json."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

pytestmark = pytest.mark.integration


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def refs_in(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= refs_in(value)
        return found
    if isinstance(node, list):
        return set().union(*(refs_in(item) for item in node)) if node else set()
    return set()


@pytest.mark.parametrize("testing", [False, True])
def test_every_api_route_is_in_the_openapi_document(
    make_app: Callable[..., Flask], testing: bool
) -> None:
    app = make_app(testing=testing)
    spec = app.test_client().get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint == "transcode":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in spec["paths"].get(openapi_path(rule.rule), {}):
                missing.append(f"{method} {rule.rule}")
    assert missing == []
    assert ("/api/v1/testing/clock" in spec["paths"]) is testing


def test_openapi_operations_carry_schemas_security_and_problems(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for ref in refs_in(spec):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref

    login = spec["paths"]["/api/v1/auth/login"]["post"]
    assert login["security"] == []
    assert "429" in login["responses"]

    person = spec["paths"]["/api/v1/people/{username}"]["patch"]
    assert "403" in person["responses"]
    assert "password" not in schemas["secretariat.directory.v1.Person"]["properties"]
    create = spec["paths"]["/api/v1/people"]["post"]["requestBody"]["content"]["application/json"]
    assert "password" in create["schema"]["properties"]
    assert (
        "sent" not in person["requestBody"]["content"]["application/json"]["schema"]["properties"]
    )


def test_docs_are_served_from_local_assets(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "swagger-ui" in html
    assert "http://" not in html
    assert "https://" not in html
    for asset in re.findall(r'(?:src|href)="(/docs/assets/[^"]+)"', html):
        assert client.get(asset).status_code == 200, asset
    assert 'url: "/openapi.json"' in client.get("/docs/assets/init.js").get_data(as_text=True)
    bundle = client.get("/docs/assets/swagger-ui-bundle.js").get_data(as_text=True)
    assert "3.1" in bundle  # Swagger UI 5 reads OpenAPI 3.1 itself; no 3.0 rendition


def test_livez_and_readyz_with_only_the_database(client: FlaskClient) -> None:
    assert client.get("/livez").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "directory": "ok"}


def test_metrics_count_requests_by_route_and_status(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    client.get("/api/v1/departments/NOPE", headers=admin)
    text = client.get("/metrics").get_data(as_text=True)
    assert "secretariat_http_requests_total{" in text
    assert 'route="/api/v1/departments/{code}",status="404"' in text
    assert "secretariat_http_request_duration_seconds_bucket{" in text


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/no/such/page", 404), ("DELETE", "/api/v1/me", 405), ("PUT", "/livez", 405)],
)
def test_http_errors_are_problems(client: FlaskClient, method: str, path: str, status: int) -> None:
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert response.get_json()["status"] == status


def test_an_unexpected_failure_is_a_500_problem_without_a_trace(
    app: Flask, client: FlaskClient, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gateway.app import gateway_of

    def explode(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(gateway_of(app).auth, "authenticate", explode)
    response = client.get("/api/v1/me", headers=admin)
    assert response.status_code == 500
    assert response.content_type == "application/problem+json"
    text = response.get_data(as_text=True)
    assert "hunter2" not in text
    assert "Traceback" not in text


def test_one_access_log_line_per_request_with_route_status_and_user(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, admin: dict[str, str]
) -> None:
    with caplog.at_level("INFO", logger="gateway.access"):
        client.get("/api/v1/departments/NOPE", headers=admin)
    [line] = [r for r in caplog.records if r.name == "gateway.access"]
    fields = line.fields  # type: ignore[attr-defined]
    assert fields["method"] == "GET"
    assert fields["route"] == "/api/v1/departments/{code}"
    assert fields["status"] == 404
    assert fields["user"] == "admin"
    assert fields["duration_ms"] >= 0
