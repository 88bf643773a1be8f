"""HTTP load on loopback: wrk for saturation, an open-loop generator for fixed rates.

The fixed-rate generator measures each request from the moment it was
scheduled, not when it was sent, so a slow server cannot hide latency by
slowing the generator down (no coordinated omission).
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue
from urllib.parse import urlsplit


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    url: str,
    seconds: int = 10,
    connections: int = 32,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
) -> WrkResult:
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    if script is not None:
        args += ["-s", str(script)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = dict(re.findall(r"^\s+(\d+)%\s+([\d.]+\w+)", out, re.M))

    def pct(key: str) -> float:
        m = re.match(r"([\d.]+)(us|ms|s)", lat[key])
        return _ms(m.group(1), m.group(2)) if m else float("nan")

    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return WrkResult(rps, pct("50"), pct("99"), int(bad.group(1)) if bad else 0)


@dataclass
class FixedRateResult:
    rate: float
    sent: int
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def fixed_rate(
    url: str,
    rate: float,
    seconds: float,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: dict[str, object] | None = None,
    workers: int = 48,
) -> FixedRateResult:
    """Send ``rate`` requests/s for ``seconds`` on keep-alive connections."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    payload = json.dumps(body).encode() if body is not None else None
    hdrs = dict(headers or {})
    if payload is not None:
        hdrs["Content-Type"] = "application/json"
    schedule: Queue[float | None] = Queue()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while True:
            try:
                due = schedule.get(timeout=seconds + 30)
            except Empty:
                return
            if due is None:
                return
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                conn.request(method, path, body=payload, headers=hdrs)
                reply = conn.getresponse()
                reply.read()
                ok = 200 <= reply.status < 300
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                ok = False
            elapsed = (time.perf_counter() - due) * 1000
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors[0] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    start = time.perf_counter() + 0.2
    total = int(rate * seconds)
    for i in range(total):
        schedule.put(start + i / rate)
    for _ in threads:
        schedule.put(None)
    for t in threads:
        t.join()
    return FixedRateResult(
        rate=rate,
        sent=total,
        errors=errors[0],
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        max_ms=max(latencies) if latencies else float("nan"),
    )


def wrk_paced(
    url: str,
    rate: float,
    seconds: int,
    headers: dict[str, str] | None = None,
    connections: int = 30,
) -> WrkResult:
    """About ``rate`` requests/s from wrk: each connection waits a random
    0.5–1.5 × ``connections / rate`` after each answer (closed loop with think
    time). Latency is timed in C, so unlike :func:`fixed_rate`'s 48 Python
    threads the generator adds no GIL waits of its own; a stall still shows in
    the requests in flight, but the ones it delays are not counted (coordinated
    omission), so both figures are reported."""
    mean_ms = 1000.0 * connections / rate
    script = Path(tempfile.mkdtemp()) / "paced.lua"
    script.write_text(
        f"function delay()\n  return math.random({round(mean_ms * 0.5)}, {round(mean_ms * 1.5)})\nend\n"
    )
    return wrk(url, seconds=seconds, connections=connections, headers=headers, script=script)
