"""Idempotency-Key on POST: a retry returns the first answer and creates nothing new."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.app import gateway_of
from gateway.domain.idempotency import request_fingerprint

pytestmark = pytest.mark.integration

Login = Callable[..., dict[str, str]]
DEPARTMENT = {"code": "LAW", "name": "法务部"}


def test_retry_with_the_same_key_returns_the_first_result(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    headers = {**admin, "Idempotency-Key": "create-law-1"}
    first = client.post("/api/v1/departments", json=DEPARTMENT, headers=headers)
    retry = client.post("/api/v1/departments", json=DEPARTMENT, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert client.get("/api/v1/departments", headers=admin).get_json()["total"] == 1


def test_without_a_key_the_second_post_is_a_duplicate(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    assert client.post("/api/v1/departments", json=DEPARTMENT, headers=admin).status_code == 201
    assert client.post("/api/v1/departments", json=DEPARTMENT, headers=admin).status_code == 409


def test_same_key_with_a_different_body_is_422_and_creates_nothing(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    headers = {**admin, "Idempotency-Key": "k-1"}
    assert client.post("/api/v1/departments", json=DEPARTMENT, headers=headers).status_code == 201
    other = client.post(
        "/api/v1/departments", json={"code": "AUD", "name": "审计部"}, headers=headers
    )
    assert other.status_code == 422
    assert other.content_type == "application/problem+json"
    assert client.get("/api/v1/departments/AUD", headers=admin).status_code == 404


@pytest.mark.usefixtures("demo_org")
def test_keys_belong_to_their_user(
    client: FlaskClient, admin: dict[str, str], login: Login
) -> None:
    key = {"Idempotency-Key": "shared-key"}
    mine = client.post("/api/v1/departments", json=DEPARTMENT, headers={**admin, **key})
    assert mine.status_code == 201
    theirs = client.post(
        "/api/v1/departments", json=DEPARTMENT, headers={**login("zhang.wei"), **key}
    )
    assert theirs.status_code == 403


def test_a_duplicate_while_the_first_is_in_flight_is_409(
    app: Flask, client: FlaskClient, admin: dict[str, str]
) -> None:
    gateway = gateway_of(app)
    store = gateway.idempotency._store
    body = json.dumps(DEPARTMENT).encode()
    store.claim(
        "admin",
        "busy-key",
        "POST",
        "/api/v1/departments",
        request_fingerprint("POST", "/api/v1/departments", body),
        gateway.clock.now(),
    )
    response = client.post(
        "/api/v1/departments", json=DEPARTMENT, headers={**admin, "Idempotency-Key": "busy-key"}
    )
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.headers["Retry-After"] == "60"  # when the lease ends, not "1"
    assert client.get("/api/v1/departments/LAW", headers=admin).status_code == 404


def test_a_refused_request_is_replayed_as_refused(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    headers = {**admin, "Idempotency-Key": "bad-parent"}
    body = {"code": "LAW", "name": "法务部", "parent_code": "NOPE"}
    first = client.post("/api/v1/departments", json=body, headers=headers)
    retry = client.post("/api/v1/departments", json=body, headers=headers)
    assert first.status_code == retry.status_code == 422
    assert retry.get_json() == first.get_json()
    assert retry.content_type == "application/problem+json"
