"""``python -m documents [serve|migrate]``: run the service or its migrations."""

from __future__ import annotations

import sys

from prometheus_client import REGISTRY

from documents.adapters.month_sla_collector import MonthSlaCollector
from documents.adapters.open_approval_steps_collector import OpenApprovalStepsCollector
from documents.adapters.open_steps_collector import OpenStepsCollector
from documents.bootstrap import MIGRATIONS, SERVICE, build
from documents.settings import DocumentsSettings
from secretariat_shared.grpc_server import serve_forever
from secretariat_shared.migrations import upgrade
from secretariat_shared.observability import setup_logging, setup_tracing, start_metrics
from secretariat_shared.settings import load_or_exit


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "serve"
    settings = load_or_exit(DocumentsSettings)
    setup_logging(SERVICE, settings.log_level)
    if command == "migrate":
        upgrade(MIGRATIONS, settings.database_url)
        return 0
    if command != "serve":
        print(f"usage: python -m {SERVICE} [serve|migrate]", file=sys.stderr)
        return 2
    setup_tracing(SERVICE)
    start_metrics(settings.metrics_port, settings.grpc_host)
    app = build(settings)
    REGISTRY.register(OpenStepsCollector(app.db))
    REGISTRY.register(OpenApprovalStepsCollector(app.db, app.clock))
    REGISTRY.register(MonthSlaCollector(app.sla_reports))
    serve_forever(app.grpc_service, on_stop=[app.db.dispose])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
