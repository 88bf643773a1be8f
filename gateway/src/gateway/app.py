"""The Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, request
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import Map, Rule

from directory.adapters.passwords import Passwords
from gateway.adapters.services import check_health
from gateway.api.docs import install_docs
from gateway.api.errors import install_error_handlers, problem_response, request_language
from gateway.api.fast_path import install_fast_path
from gateway.api.fast_path import transcode as transcode_request
from gateway.api.metrics import install_request_metrics, metrics_response
from gateway.api.openapi import own_openapi
from gateway.api.registry import Api
from gateway.api.routes.auth import register_auth_routes
from gateway.api.routes.service_token import document_form_body, register_service_token_route
from gateway.api.routes.testing import register_testing_routes
from gateway.api.security_headers import install_security_headers
from gateway.api.transcoder import Seen
from gateway.bootstrap import Gateway, build_gateway
from gateway.draining import DRAINING
from gateway.problems import NOT_READY, Problem
from gateway.settings import GatewaySettings
from secretariat_shared.clock import Clock
from secretariat_shared.contract.openapi import document
from secretariat_shared.observability import tracing_enabled

log = logging.getLogger(__name__)

EXTENSION = "secretariat.gateway"
MAX_BODY_BYTES = 4 * 1024 * 1024


def build_api(gateway: Gateway) -> Api:
    api = Api()
    register_auth_routes(api, gateway)
    register_service_token_route(api, gateway)
    if gateway.settings.testing:
        register_testing_routes(api, gateway)
    return api


def own_routes_allowing(app: Flask, path: str) -> set[str]:
    """Methods of the gateway's own routes at ``path`` (the catch-all excluded)."""
    own: Map | None = app.extensions.get("secretariat.own_routes")
    if own is None:
        own = Map(
            [
                Rule(rule.rule, endpoint=rule.endpoint, methods=rule.methods)
                for rule in app.url_map.iter_rules()
                if rule.endpoint not in ("transcode", "static")
            ]
        )
        app.extensions["secretariat.own_routes"] = own
    try:
        return set(own.bind("gateway").allowed_methods(path)) - {"HEAD", "OPTIONS"}
    except Exception:
        return set()


def readiness(gateway: Gateway) -> dict[str, str]:
    """Each dependency's state: "ok" or why not. Services count only when configured."""
    checks: dict[str, str] = {}
    try:
        with gateway.db.read_engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        log.warning("readiness: database unreachable: %s", exc)
        checks["database"] = "unreachable"
    for name, address in gateway.settings.service_addresses:
        checks[name] = check_health(gateway.channels, address) or "ok"
    return checks


def create_app(
    settings: GatewaySettings,
    *,
    clock: Clock | None = None,
    passwords: Passwords | None = None,
) -> Flask:
    """Build the gateway app; the arguments after ``settings`` replace parts in tests."""
    gateway = build_gateway(settings, clock=clock, passwords=passwords)
    app = Flask("gateway")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION] = gateway
    app.config["DEFAULT_LANGUAGE"] = settings.default_language

    install_error_handlers(app)
    install_request_metrics(app)
    install_security_headers(app, settings)
    api = build_api(gateway)
    api.install(app, gateway)
    own_paths, own_schemas = own_openapi(api)
    client_schemes = document_form_body(own_paths)

    @app.route(
        "/api/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], endpoint="transcode"
    )
    def transcode(rest: str) -> Response:
        # The fast path (gateway.api.fast_path) serves these unless tracing is on
        # or the request is unusual (HEAD, OPTIONS, odd slashes); same functions.
        seen = Seen()
        try:
            response: Response = transcode_request(
                gateway.transcoder,
                request,
                request_language(),
                seen,
                lambda path: own_routes_allowing(app, path),
            )
            return response
        finally:
            if seen.route_template:
                g.route_template = seen.route_template
            if seen.username:
                g.username = seen.username

    @app.get("/openapi.json")
    def openapi_document() -> Response:
        return jsonify(document(gateway.catalog.current(), own_paths, own_schemas, client_schemes))

    install_docs(app)

    @app.get("/livez")
    def livez() -> Response:
        return jsonify({"status": "ok"})

    @app.get("/readyz")
    def readyz() -> Response:
        draining = DRAINING.is_set()
        checks = {"gateway": "draining"} if draining else readiness(gateway)
        failed = {name: state for name, state in checks.items() if state != "ok"}
        if not failed:
            return jsonify({"status": "ok", "checks": checks})
        why = ", ".join(f"{name} {state}" for name, state in failed.items())
        detail = "the gateway is shutting down" if draining else why
        return problem_response(
            Problem(
                status=503,
                type=NOT_READY,
                title="Not ready",
                detail=f"Not ready: {detail}",
                extra={"checks": checks},
            )
        )

    @app.get("/metrics")
    def metrics() -> Response:
        return metrics_response()

    if tracing_enabled():
        # Spans come from Flask's instrumentation: every request goes through Flask.
        _instrument(app)
    else:
        install_fast_path(app, gateway.transcoder, lambda path: own_routes_allowing(app, path))
    if settings.trusted_proxy_hops:
        # The client address login throttling keys on (issue 13).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxy_hops)  # type: ignore[method-assign]
    return app


def _instrument(app: Flask) -> None:
    """OpenTelemetry spans per request; exported only when an OTLP endpoint is set."""
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    FlaskInstrumentor().instrument_app(app, excluded_urls="livez,readyz,metrics")


def gateway_of(app: Flask) -> Gateway:
    gateway: Gateway = app.extensions[EXTENSION]
    return gateway
