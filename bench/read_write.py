"""Authenticated read and registration throughput of one checkout, against the
same run's hello-world ceiling: ``make bench``'s read and write figures alone, for
before/after comparisons (issue 10: the transcoding gateway must not lose read
throughput).

    python bench/read_write.py [--seconds 8] [--rounds 2]

Run it with each checkout's own interpreter; it prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "scripts"))

from run import document_to_read, http_ceiling, settle, write_lua  # noqa: E402

import loadgen  # noqa: E402
from run_system import Ports, System  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    hello: list[float] = []
    reads: list[float] = []
    writes: list[float] = []
    read_p99: list[float] = []
    with tempfile.TemporaryDirectory(prefix="secbench-rw-") as tmp:
        system = System(
            Path(tmp) / "system",
            Ports.random(),
            demo=True,
            database_prefix=f"secbench_{uuid.uuid4().hex[:6]}",
            admin_password="bench-admin-password",
        )
        system.start(timeout=120)
        try:
            settle(system)
            base = system.http_url
            auth, doc_url = document_to_read(base)
            lua = write_lua(Path(tmp) / "register.lua")
            for _ in range(args.rounds):
                hello.append(http_ceiling(args.seconds).requests_per_second)
                read = loadgen.wrk(doc_url, seconds=args.seconds, headers=auth)
                reads.append(read.requests_per_second)
                read_p99.append(read.p99_ms)
                write = loadgen.wrk(
                    f"{base}/api/v1/documents",
                    seconds=args.seconds,
                    headers=auth,
                    script=lua,
                    connections=16,
                )
                writes.append(write.requests_per_second)
        finally:
            system.stop()
    result = {
        "hello_rps": statistics.median(hello),
        "read_rps": statistics.median(reads),
        "read_ratio": statistics.median(r / h for r, h in zip(reads, hello, strict=True)),
        "read_p99_ms": statistics.median(read_p99),
        "write_rps": statistics.median(writes),
        "rounds": args.rounds,
        "seconds": args.seconds,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
