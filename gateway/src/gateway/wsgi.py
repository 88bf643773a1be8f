"""gunicorn entry point, built lazily in each worker:

    gunicorn -c python:gateway.gunicorn_conf 'gateway.wsgi:create()'

Settings come from SECRETARIAT_* variables; a missing required one stops the
process naming it.
"""

from __future__ import annotations

from flask import Flask

from gateway.app import create_app
from gateway.settings import GatewaySettings
from secretariat_shared.observability import setup_logging, setup_tracing
from secretariat_shared.settings import load_or_exit


def create() -> Flask:
    settings = load_or_exit(GatewaySettings)
    setup_logging("gateway", settings.log_level)
    setup_tracing("gateway")
    return create_app(settings)
