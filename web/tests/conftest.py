"""The workbench against a fake of the gateway's HTTP API (in-process, over WSGI)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).parent))

from web.app import create_app
from web.settings import WebSettings
from web_fake_gateway import State, make_gateway


@pytest.fixture
def gateway_state() -> State:
    return State()


@pytest.fixture
def app(gateway_state: State) -> Flask:
    transport = httpx.WSGITransport(app=make_gateway(gateway_state))
    settings = WebSettings(gateway_url="http://gateway.test", secret_key="test-key")
    application = create_app(settings, transport=transport)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def signed_in(client: FlaskClient) -> Callable[[str], FlaskClient]:
    def sign_in(username: str) -> FlaskClient:
        reply = client.post("/login", data={"username": username, "password": "demo", "next": "/"})
        assert reply.status_code == 302, reply.text
        return client

    return sign_in
