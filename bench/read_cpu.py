"""CPU per authenticated read in each process, for A/B comparisons on a shared
machine (issue 20): ``GET /api/v1/documents/{id}`` with a bearer token through
the gunicorn gateway, gRPC and the documents service.

    python bench/read_cpu.py [--seconds 8] [--connections 8] [--ceiling]
        [--rate 300] [--profile 6] [--gateway-env NAME=VALUE ...]

Starts the gateway, the Directory and documents only (PostgreSQL and RabbitMQ
when SECRETARIAT_POSTGRES_URL and SECRETARIAT_AMQP_URL are set), loads the
read with wrk, and divides each process's CPU seconds (psutil ``cpu_times``,
the gateway's master and workers together, less what it spends idle in as
long) by the reads the documents service answered. Wall-clock figures
(requests/s, p99) are printed too, but on a shared machine the CPU per read
is the one to compare. ``--profile`` samples one gateway worker and the
documents process with ``py-spy`` and prints the functions holding the most
samples (inclusive). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psutil

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "scripts"))

import profiles  # noqa: E402
from replicas import cpu_seconds, handled  # noqa: E402
from run import document_to_read, http_ceiling, settle  # noqa: E402

import loadgen  # noqa: E402
import run_system  # noqa: E402
from run_system import Ports, System  # noqa: E402
from secretariat_shared.testing import drop_database  # noqa: E402

SERVICES = ("documents",)


def processes(system: System) -> dict[str, list[psutil.Process]]:
    out: dict[str, list[psutil.Process]] = {}
    for name, popen in system.processes.items():
        parent = psutil.Process(popen.pid)
        out[name] = [parent, *parent.children(recursive=True)]
    return out


def gateway_pss_mb(system: System) -> float:
    tree = processes(system)["gateway"]
    return round(float(sum(p.memory_full_info().pss for p in tree)) / 2**20, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--ceiling", action="store_true", help="also the hello-world ceiling")
    parser.add_argument("--rate", type=float, default=0, help="p50/p99 at this fixed rate")
    parser.add_argument(
        "--all-services",
        action="store_true",
        help="run every service and the web workbench, as make bench does (default: documents)",
    )
    parser.add_argument("--profile", type=int, default=0, help="py-spy for this many seconds")
    parser.add_argument(
        "--profile-dir", type=Path, help="keep py-spy's raw (collapsed) stacks in this folder"
    )
    parser.add_argument("--gateway-env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--workers", type=int, default=2, help="gateway workers")
    parser.add_argument(
        "--conditional", action="store_true", help="send If-None-Match: answered 304 (issue 20)"
    )
    args = parser.parse_args()
    services = run_system.SERVICES if args.all_services else SERVICES
    pg, amqp = os.environ.get("SECRETARIAT_POSTGRES_URL"), os.environ.get("SECRETARIAT_AMQP_URL")
    result: dict[str, Any] = {
        "stack": "postgresql + rabbitmq" if pg and amqp else "sqlite + filesystem",
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "gateway_env": args.gateway_env,
    }
    with tempfile.TemporaryDirectory(prefix="secbench-readcpu-") as tmp:
        system = System(
            Path(tmp) / "system",
            Ports.random(),
            demo=True,
            postgres_url=pg,
            amqp_url=amqp,
            database_prefix=f"secbench_rc_{uuid.uuid4().hex[:6]}",
            admin_password="bench-admin-password",
            services=services,
            gateway_workers=args.workers,
            web=args.all_services,
        )
        for pair in args.gateway_env:
            name, _, value = pair.partition("=")
            system.gateway_extra_env[name] = value
        try:
            system.start(timeout=120)
            settle(system)
            base = system.http_url
            auth, doc_url = document_to_read(base)
            if args.conditional:
                tag = httpx.get(doc_url, headers=auth).headers["ETag"]
                auth = {**auth, "If-None-Match": tag}
                assert httpx.get(doc_url, headers=auth).status_code == 304
            time.sleep(1)
            result["gateway_pss_idle_mb"] = gateway_pss_mb(system)
            idle_before, idle_start = cpu_seconds(system), time.monotonic()
            time.sleep(3)
            idle_after, idle_span = cpu_seconds(system), time.monotonic() - idle_start
            idle_rate = {k: (idle_after[k] - idle_before[k]) / idle_span for k in idle_after}
            port = system.metrics_ports("documents")[0]
            rounds = []
            for _ in range(args.rounds):
                if args.ceiling:
                    result.setdefault("hello_rps", []).append(
                        http_ceiling(args.seconds).requests_per_second
                    )
                before, calls_before, start = (
                    cpu_seconds(system),
                    handled(port, "GetDocument"),
                    time.monotonic(),
                )
                read = loadgen.wrk(
                    doc_url, seconds=args.seconds, headers=auth, connections=args.connections
                )
                after, span = cpu_seconds(system), time.monotonic() - start
                calls = handled(port, "GetDocument") - calls_before
                rounds.append(
                    {
                        "rps": read.requests_per_second,
                        "p50_ms": read.p50_ms,
                        "p99_ms": read.p99_ms,
                        "non_2xx": read.non_2xx,
                        "reads": calls,
                        "cpu_ms_per_read": {
                            name: round(
                                1000
                                * (after[name] - before[name] - idle_rate[name] * span)
                                / calls,
                                3,
                            )
                            for name in after
                        },
                    }
                )
            result["rounds"] = rounds
            if args.ceiling:
                result["read_ratio"] = [
                    round(r["rps"] / h, 3) for r, h in zip(rounds, result["hello_rps"], strict=True)
                ]
            if args.rate:
                fixed = loadgen.fixed_rate(doc_url, args.rate, args.seconds, headers=auth)
                result["fixed_rate"] = fixed.__dict__
                paced = loadgen.wrk_paced(doc_url, args.rate, args.seconds, headers=auth)
                result["paced_wrk"] = paced.__dict__
            if args.profile:
                tree = processes(system)
                documents = tree["documents"][0]
                outs = {"gateway": Path(tmp) / "gw.txt", "documents": Path(tmp) / "doc.txt"}
                spies = [
                    profiles.record(
                        tree["gateway"][0].pid, args.profile, outs["gateway"], subprocesses=True
                    ),
                    profiles.record(documents.pid, args.profile, outs["documents"]),
                ]
                load = threading.Thread(
                    target=loadgen.wrk,
                    args=(doc_url,),
                    kwargs={"seconds": args.profile + 1, "headers": auth, "connections": 8},
                )
                load.start()
                for spy in spies:
                    spy.wait(args.profile + 30)
                load.join()
                result["profile"] = {
                    name: profiles.top_functions(path)
                    for name, path in outs.items()
                    if path.exists()
                }
                result["profile_by_package"] = {
                    name: profiles.by_package(path) for name, path in outs.items() if path.exists()
                }
                if args.profile_dir:
                    args.profile_dir.mkdir(parents=True, exist_ok=True)
                    for name, path in outs.items():
                        if path.exists():
                            shutil.copy(path, args.profile_dir / f"{name}.txt")
            time.sleep(1)
            result["gateway_pss_after_mb"] = gateway_pss_mb(system)
        finally:
            system.stop()
            if pg:
                for name in ("gateway", *services):
                    drop_database(pg, system.database_url(name))
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
