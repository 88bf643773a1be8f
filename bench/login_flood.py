"""Slow clients and a login flood against the gateway (issue 13).

Starts the gateway alone under gunicorn (SQLite, real argon2 parameters),
logs in once, and measures ``GET /api/v1/me`` at a fixed rate (the open-loop
generator of :mod:`loadgen`, so queueing is not hidden):

1. idle;
2. while 50 slow clients each hold a half-sent request (reconnecting when
   the gateway drops them) and 20 threads flood ``POST /api/v1/auth/login``
   with wrong passwords for unknown usernames, each from its own address
   (``X-Forwarded-For`` behind one trusted proxy hop), so every attempt
   passes the throttle and costs an argon2 check.

It does so for the configuration before issue 13 (gunicorn ``sync``
workers, no bound on concurrent password checks) and for the current one
(``gateway.gunicorn_conf``: threaded workers that read requests before a
thread takes them, one password check at a time per process).

    .venv/bin/python bench/login_flood.py [--seconds 15] [--rate 20]

Writes ``bench/results/<date>-login-flood.json``. Timings depend on the
machine and on what else runs on it; tests never assert them.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen
from secretariat_shared.identity import generate_keypair

ROOT = Path(__file__).resolve().parents[1]
ADMIN_PASSWORD = "bench-admin-password"

CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "before (sync workers, unbounded argon2)": {
        "args": ["--worker-class", "sync"],
        "env": {"SECRETARIAT_LOGIN_CONCURRENCY": "64", "SECRETARIAT_HTTP_WORKERS": "2"},
    },
    "after (gateway.gunicorn_conf: one worker of 16 threads since issue 20)": {
        "args": [],
        "env": {},
    },
    "after, two workers of 8 threads (issue 13's default)": {
        "args": [],
        "env": {"SECRETARIAT_HTTP_WORKERS": "2", "SECRETARIAT_HTTP_THREADS": "8"},
    },
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Gateway:
    def __init__(self, folder: Path, args: list[str], env: dict[str, str]) -> None:
        private, public = generate_keypair()
        self.port = free_port()
        metrics = folder / "metrics"
        metrics.mkdir()
        self.env = {
            **os.environ,
            "SECRETARIAT_DATABASE_URL": f"sqlite:///{folder / 'gateway.db'}",
            "SECRETARIAT_IDENTITY_PRIVATE_KEY": private,
            "SECRETARIAT_IDENTITY_PUBLIC_KEY": public,
            "SECRETARIAT_INTERNAL_TOKEN_SECRET": "bench-" * 8,
            "SECRETARIAT_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "SECRETARIAT_HTTP_BIND": f"127.0.0.1:{self.port}",
            "SECRETARIAT_TRUSTED_PROXY_HOPS": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics),
            **env,
        }
        self.log = (folder / "gunicorn.log").open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:gateway.gunicorn_conf",
                *args,
                "gateway.wsgi:create()",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while not self._live():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the gateway did not start; see {folder / 'gunicorn.log'}")
            time.sleep(0.2)

    def _live(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            conn.request("GET", "/livez")
            return conn.getresponse().status == 200
        except OSError:
            return False

    def token(self) -> str:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        body = json.dumps({"username": "admin", "password": ADMIN_PASSWORD})
        conn.request("POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"})
        reply = conn.getresponse()
        return str(json.loads(reply.read())["access_token"])

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Attack:
    """Slow clients and a login flood, running until :meth:`stop`."""

    def __init__(self, port: int, slow_clients: int = 50, flooders: int = 20) -> None:
        self.port = port
        self.running = True
        self.statuses: Counter[str] = Counter()
        self.slow_reconnects = 0
        self._lock = threading.Lock()
        self._addresses = itertools.count(1)
        self.threads = [
            threading.Thread(target=self._slow, daemon=True) for _ in range(slow_clients)
        ]
        self.threads += [threading.Thread(target=self._flood, daemon=True) for _ in range(flooders)]
        for thread in self.threads:
            thread.start()

    def _slow(self) -> None:
        while self.running:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                    sock.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: gateway\r\n")
                    while self.running:
                        try:
                            if sock.recv(1024) == b"":
                                break
                        except TimeoutError:
                            continue
            except OSError:
                time.sleep(0.1)
            with self._lock:
                self.slow_reconnects += 1

    def _flood(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while self.running:
            n = next(self._addresses)
            body = json.dumps({"username": f"nobody{n}", "password": "wrong-password"})
            headers = {
                "Content-Type": "application/json",
                "X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
            }
            try:
                conn.request("POST", "/api/v1/auth/login", body, headers)
                reply = conn.getresponse()
                reply.read()
                status = str(reply.status)
            except OSError as exc:
                status = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            with self._lock:
                self.statuses[status] += 1

    def stop(self) -> None:
        self.running = False
        for thread in self.threads:
            thread.join(timeout=65)


def measure(name: str, spec: dict[str, Any], seconds: float, rate: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="login-flood-") as folder:
        gateway = Gateway(Path(folder), spec["args"], spec["env"])
        try:
            headers = {"Authorization": f"Bearer {gateway.token()}"}
            me = f"{gateway.base}/api/v1/me"
            idle = loadgen.fixed_rate(me, rate, seconds, headers=headers, workers=16)
            attack = Attack(gateway.port)
            time.sleep(1)
            loaded = loadgen.fixed_rate(me, rate, seconds, headers=headers, workers=16)
            livez = loadgen.fixed_rate(f"{gateway.base}/livez", 5, 4, workers=4)
            attack.stop()
            elapsed = seconds + 5
            return {
                "configuration": name,
                "me_idle": asdict(idle),
                "me_under_attack": asdict(loaded),
                "livez_under_attack": asdict(livez),
                "flood_logins_per_second": round(sum(attack.statuses.values()) / elapsed, 1),
                "flood_statuses": dict(attack.statuses),
                "slow_client_reconnects": attack.slow_reconnects,
            }
        finally:
            gateway.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--only", default=None, help="the configurations whose name starts so")
    options = parser.parse_args()
    runs = []
    for name, spec in CONFIGURATIONS.items():
        if options.only and not name.startswith(options.only):
            continue
        print(f"== {name}", flush=True)
        result = measure(name, spec, options.seconds, options.rate)
        print(json.dumps(result, indent=2), flush=True)
        runs.append(result)
    suffix = (
        ""
        if options.only is None
        else "-" + "".join(c if c.isalnum() else "-" for c in options.only)
    )
    out = (
        ROOT
        / "bench"
        / "results"
        / f"{datetime.now(UTC).date().isoformat()}-login-flood{suffix}.json"
    )
    out.write_text(
        json.dumps(
            {
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                },
                "seconds": options.seconds,
                "rate": options.rate,
                "runs": runs,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
