"""HTTP request metrics (ENGINEERING rule 9).

With gunicorn's several workers, set PROMETHEUS_MULTIPROC_DIR (to an empty
folder, before start): each worker then writes its samples there and
``/metrics`` aggregates them.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)

HTTP_REQUESTS = Counter(
    "secretariat_http_requests_total",
    "HTTP requests answered by the gateway, by method, route and status",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "secretariat_http_request_duration_seconds",
    "HTTP request latency at the gateway, by method and route",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

# Issue 13: a spike of either is someone guessing passwords (alert in platform.yaml).
LOGINS_THROTTLED = Counter(
    "secretariat_logins_throttled_total",
    "Logins refused before the password was checked, by reason (username, client, ceiling, busy)",
    ["reason"],
)
for _reason in ("username", "client", "ceiling", "busy"):
    LOGINS_THROTTLED.labels(_reason)  # exported at 0 from the start, so rates work
LOGINS_FAILED = Counter(
    "secretariat_logins_failed_total",
    "Logins refused for a wrong username or password",
)


ACCESS_LOG = logging.getLogger("gateway.access")
_INFO = logging.INFO
# Label children by their values: ``labels()`` validates and locks on every call.
_COUNTED: dict[tuple[str, str, str], Any] = {}
_TIMED: dict[tuple[str, str], Any] = {}


def observe(method: str, route: str, status: int, elapsed: float | None, user: str) -> None:
    """Count and time one answered request and write its access-log line, on Flask's
    path (an ``after_request`` hook) and on the fast path (:mod:`gateway.api.fast_path`).
    ``elapsed`` is None when the request's start was not seen."""
    status_text = str(status)
    key = (method, route, status_text)
    counter = _COUNTED.get(key)
    if counter is None:
        counter = _COUNTED[key] = HTTP_REQUESTS.labels(method, route, status_text)
    counter.inc()
    if elapsed is not None:
        timed = _TIMED.get((method, route))
        if timed is None:
            timed = _TIMED[(method, route)] = HTTP_LATENCY.labels(method, route)
        timed.observe(elapsed)
    if ACCESS_LOG.isEnabledFor(_INFO):
        # Built directly: Logger.info would walk the stack for a caller no
        # formatter here prints (issue 20: CPU per request).
        record = ACCESS_LOG.makeRecord(
            ACCESS_LOG.name,
            _INFO,
            __file__,
            0,
            "%s %s %s",
            (method, route, status),
            None,
            extra={
                "fields": {
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round((elapsed or 0.0) * 1000, 2),
                    "user": user,
                }
            },
        )
        ACCESS_LOG.handle(record)


def _route() -> str:
    """The route template: a service route's proto path (set by the transcoder), else
    the gateway's own Flask rule."""
    template = g.get("route_template")
    if template:
        return str(template)
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def install_request_metrics(app: Flask) -> None:
    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        elapsed = time.perf_counter() - started if started is not None else None
        observe(request.method, _route(), response.status_code, elapsed, g.get("username", ""))
        return response


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def metrics_response() -> Response:
    return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)


def serve_metrics(bind: str) -> None:
    """Serve ``/metrics`` on ``host:port`` from a background thread (issue 13: not on
    the public port). In gunicorn's master, the workers' files are aggregated."""
    host, _, port = bind.rpartition(":")
    start_http_server(int(port), addr=host or "0.0.0.0", registry=_registry())
