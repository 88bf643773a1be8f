"""gunicorn configuration: ``gunicorn -c python:gateway.gunicorn_conf 'gateway.wsgi:create()'``.

Before the workers start, the master migrates the database and seeds the
admin account (and the demo organisation with SECRETARIAT_DEMO=1), once.
With PROMETHEUS_MULTIPROC_DIR set, a dead worker's metric files are retired.
Bind address, worker and thread counts follow SECRETARIAT_HTTP_BIND
(default 127.0.0.1:8080), SECRETARIAT_HTTP_WORKERS (default 1) and
SECRETARIAT_HTTP_THREADS (default 16). One worker per process keeps the
gateway near 130 MB instead of ~175 MB with two (issue 20); more throughput
comes from more gateway replicas.

Workers are threaded and read each request before a thread takes it
(:mod:`gateway.gunicorn_worker`), so slow or half-sent requests hold no
thread (issue 13). With SECRETARIAT_HTTP_METRICS_BIND (host:port) the
master serves ``/metrics`` there, aggregated over the workers, and the
public port does not.

Memory (issue 20): the master imports the gateway's modules before it forks
(nothing is built: no app, channel or thread, which gRPC and SQLAlchemy must
not carry across a fork) and freezes the garbage collector's view of them, so
the workers share those pages instead of each importing its own copy.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

bind = os.environ.get("SECRETARIAT_HTTP_BIND", "127.0.0.1:8080")
workers = int(os.environ.get("SECRETARIAT_HTTP_WORKERS", "1"))
worker_class = "gateway.gunicorn_worker.SlowClientSafeWorker"
threads = int(os.environ.get("SECRETARIAT_HTTP_THREADS", "16"))
# Seconds a worker may go without a heartbeat; threads do not block it.
timeout = 30
# Seconds an idle kept-alive connection stays open.
keepalive = 5
graceful_timeout = 15
# Bounds what one connection may buffer before a thread takes it
# (gateway.gunicorn_worker.HEAD_LIMIT) and how many connections a worker holds.
limit_request_fields = 50
limit_request_field_size = 8190
worker_connections = 250
accesslog = None

metrics_bind = os.environ.get("SECRETARIAT_HTTP_METRICS_BIND", "")
if metrics_bind and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # The master serves the workers' metrics: they must write them to files.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="gateway-metrics-")


def on_starting(server: Any) -> None:
    from gateway.seed import prepare_database
    from gateway.settings import GatewaySettings
    from secretariat_shared.settings import load_or_exit

    prepare_database(load_or_exit(GatewaySettings))
    share_imports_with_workers()


def share_imports_with_workers() -> None:
    """Import what every worker imports, then move it out of the collector's
    reach: a collection in a worker would otherwise write to (and so copy)
    every shared object's header."""
    import gc

    import gateway.wsgi  # noqa: F401

    gc.collect()
    gc.freeze()


def when_ready(server: Any) -> None:
    if metrics_bind:
        from gateway.api.metrics import serve_metrics

        serve_metrics(metrics_bind)


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
