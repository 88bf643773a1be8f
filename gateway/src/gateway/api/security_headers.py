"""Headers on every gateway answer, and what the public port does not serve (issue 13).

* ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``
  everywhere; ``Cache-Control: no-store`` on every API answer and every
  answer to a request carrying credentials (tokens, personal data and
  calendars must not sit in shared or browser caches).
* A Content-Security-Policy with ``frame-ancestors 'none'`` (and
  ``X-Frame-Options: DENY`` for older browsers) on everything; ``/docs``
  gets the policy its Swagger UI needs: its own scripts and styles only.
* ``/docs`` and the OpenAPI documents answer 404 when
  ``SECRETARIAT_API_DOCS=0``; ``/metrics`` answers 404 on the public port
  when ``SECRETARIAT_HTTP_METRICS_BIND`` serves it elsewhere.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import NotFound

from gateway.settings import GatewaySettings

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI sets inline style attributes and shows data: images; scripts are files only.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
DOCUMENTATION_PATHS = ("/openapi.json",)
DOCUMENTATION_PREFIX = "/docs"


def _is_documentation(path: str) -> bool:
    return path in DOCUMENTATION_PATHS or (
        path == DOCUMENTATION_PREFIX or path.startswith(DOCUMENTATION_PREFIX + "/")
    )


def is_hidden(path: str, hide_docs: bool, hide_metrics: bool) -> bool:
    """Whether the public port answers 404 to ``path``."""
    return (hide_docs and _is_documentation(path)) or (hide_metrics and path == "/metrics")


def secure(response: Response, path: str, has_authorization: bool) -> Response:
    """Add the headers every answer carries, on Flask's path (an ``after_request``
    hook) and on the fast path (:mod:`gateway.api.fast_path`)."""
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    documentation = _is_documentation(path) and response.status_code < 400
    headers["Content-Security-Policy"] = DOCS_POLICY if documentation else API_POLICY
    if has_authorization or path.startswith("/api/"):
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
        headers.pop("Last-Modified", None)
    return response


def install_security_headers(app: Flask, settings: GatewaySettings) -> None:
    hide_docs = not settings.api_docs
    hide_metrics = bool(settings.http_metrics_bind)

    @app.before_request
    def _hidden_paths() -> None:
        if is_hidden(request.path, hide_docs, hide_metrics):
            raise NotFound()

    @app.after_request
    def _headers(response: Response) -> Response:
        return secure(response, request.path, "Authorization" in request.headers)
