"""The ceiling for the gateway: a bare Flask hello-world under the gateway's gunicorn settings."""

from __future__ import annotations

from flask import Flask


def create() -> Flask:
    app = Flask("hello")

    @app.get("/hello")
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app
