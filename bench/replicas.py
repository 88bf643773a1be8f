"""Read and write throughput with one and with two replicas of documents (issue 21).

    python bench/replicas.py [--seconds 6] [--out bench/results/<date>-replicas-postgresql.json]

Needs PostgreSQL and RabbitMQ (SECRETARIAT_POSTGRES_URL, SECRETARIAT_AMQP_URL):
replicas do not share SQLite. For each replica count it starts the gateway,
the Directory and documents (the gateway's target for documents being
``ipv4:127.0.0.1:p1,127.0.0.1:p2`` with ``round_robin`` when there are two),
then runs wrk against ``GET /api/v1/documents/{id}`` (read) and
``POST /api/v1/documents`` (write, D-01 registration). It records each
replica's share of the calls (its own /metrics) and the CPU seconds every
process spent during each run, which says where the bottleneck is.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "scripts"))

from run import cpu_seconds, document_to_read, machine, settle, write_lua  # noqa: E402

import loadgen  # noqa: E402
from run_system import Ports, System  # noqa: E402
from secretariat_shared.testing import drop_database  # noqa: E402

SERVICES = ("documents",)


def handled(port: int, method: str) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith("secretariat_grpc_server_handled_total{") and (
            f'method="{method}"' in line and 'code="OK"' in line
        ):
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: round(after[name] - before.get(name, 0.0), 2) for name in after}


def measure(work: Path, replicas: int, seconds: int, pg: str, amqp: str) -> dict[str, Any]:
    system = System(
        work / f"system-{replicas}",
        Ports.random(),
        demo=True,
        postgres_url=pg,
        amqp_url=amqp,
        database_prefix=f"secbench_rep_{uuid.uuid4().hex[:6]}",
        admin_password="bench-admin-password",
        replicas={"documents": replicas},
        services=SERVICES,
        web=False,
    )
    result: dict[str, Any] = {"documents_replicas": replicas}
    try:
        system.start(timeout=120)
        settle(system)
        base = system.http_url
        auth, doc_url = document_to_read(base, warm_rate=50)
        ports = system.metrics_ports("documents")

        before = cpu_seconds(system)
        reads_before = [handled(p, "GetDocument") for p in ports]
        read = loadgen.wrk(doc_url, seconds=seconds, headers=auth)
        result["read"] = read.__dict__
        result["read_per_replica"] = [
            handled(p, "GetDocument") - b for p, b in zip(ports, reads_before, strict=True)
        ]
        result["read_cpu_seconds"] = spent(before, cpu_seconds(system))

        before = cpu_seconds(system)
        writes_before = [handled(p, "RegisterDocument") for p in ports]
        lua = write_lua(work / "register.lua")
        write = loadgen.wrk(
            f"{base}/api/v1/documents", seconds=seconds, headers=auth, script=lua, connections=16
        )
        result["write"] = write.__dict__
        result["write_per_replica"] = [
            handled(p, "RegisterDocument") - b for p, b in zip(ports, writes_before, strict=True)
        ]
        result["write_cpu_seconds"] = spent(before, cpu_seconds(system))
    finally:
        system.stop()
        for name in ("gateway", *SERVICES):
            drop_database(pg, system.database_url(name))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument(
        "--out",
        default=str(BENCH / "results" / f"{datetime.now(UTC):%Y-%m-%d}-replicas-postgresql.json"),
    )
    args = parser.parse_args()
    pg, amqp = os.environ.get("SECRETARIAT_POSTGRES_URL"), os.environ.get("SECRETARIAT_AMQP_URL")
    if not pg or not amqp:
        print("set SECRETARIAT_POSTGRES_URL and SECRETARIAT_AMQP_URL", file=sys.stderr)
        return 2
    load = os.getloadavg()
    runs = []
    with tempfile.TemporaryDirectory(prefix="secbench-replicas-") as tmp:
        for replicas in (1, 2):
            runs.append(measure(Path(tmp), replicas, args.seconds, pg, amqp))
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_before": [round(x, 2) for x in load],
        "backends": {"database": "postgresql", "bus": "rabbitmq"},
        "seconds_per_run": args.seconds,
        "gateway": "1 gunicorn process, 2 workers x 8 threads",
        "runs": runs,
    }
    Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    one, two = runs
    print(f"{'':24}{'1 replica':>12}{'2 replicas':>12}")
    for label, key in (("read  req/s", "read"), ("write req/s", "write")):
        a, b = one[key]["requests_per_second"], two[key]["requests_per_second"]
        print(f"{label:24}{a:12.0f}{b:12.0f}")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
