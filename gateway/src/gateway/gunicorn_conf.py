"""gunicorn configuration: ``gunicorn -c python:gateway.gunicorn_conf 'gateway.wsgi:create()'``.

Before the workers start, the master migrates the database and seeds the
admin account (and the demo organisation with SECRETARIAT_DEMO=1), once.
With PROMETHEUS_MULTIPROC_DIR set, a dead worker's metric files are retired.
Bind address and worker count follow SECRETARIAT_HTTP_BIND (default
127.0.0.1:8080) and SECRETARIAT_HTTP_WORKERS (default 2).
"""

from __future__ import annotations

import os
from typing import Any

bind = os.environ.get("SECRETARIAT_HTTP_BIND", "127.0.0.1:8080")
workers = int(os.environ.get("SECRETARIAT_HTTP_WORKERS", "2"))
graceful_timeout = 15
accesslog = None


def on_starting(server: Any) -> None:
    from gateway.seed import prepare_database
    from gateway.settings import GatewaySettings
    from secretariat_shared.settings import load_or_exit

    prepare_database(load_or_exit(GatewaySettings))


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
