"""Issue 21: a gateway told to stop first drains. For
SECRETARIAT_HTTP_DRAIN_SECONDS it keeps answering while /readyz says 503,
so the load balancer takes it out of rotation before it stops accepting;
then it exits. Runs gunicorn with ``gateway.gunicorn_conf`` for real."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from secretariat_shared.identity import generate_keypair

pytestmark = pytest.mark.integration

DRAIN_SECONDS = 3.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local test server
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_readiness_drops_while_the_gateway_drains(tmp_path: Path) -> None:
    private, public = generate_keypair()
    port = free_port()
    env = {
        **os.environ,
        "SECRETARIAT_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
        "SECRETARIAT_IDENTITY_PRIVATE_KEY": private,
        "SECRETARIAT_IDENTITY_PUBLIC_KEY": public,
        "SECRETARIAT_INTERNAL_TOKEN_SECRET": "x" * 40,
        "SECRETARIAT_HTTP_BIND": f"127.0.0.1:{port}",
        "SECRETARIAT_HTTP_WORKERS": "1",
        "SECRETARIAT_HTTP_THREADS": "2",
        "SECRETARIAT_HTTP_DRAIN_SECONDS": str(DRAIN_SECONDS),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    log = tmp_path / "gunicorn.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:gateway.gunicorn_conf",
            "gateway.wsgi:create()",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if status_of(base + "/readyz") == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log.read_text()[-3000:])
            time.sleep(0.2)

        process.send_signal(signal.SIGTERM)
        told = time.monotonic()
        # The worker hears the master's SIGTERM a moment later.
        while status_of(base + "/readyz") == 200:
            assert time.monotonic() - told < DRAIN_SECONDS, "readiness never dropped"
            time.sleep(0.05)
        assert status_of(base + "/readyz") == 503
        assert status_of(base + "/livez") == 200, "a draining gateway still answers"
        assert process.wait(timeout=DRAIN_SECONDS + 15) == 0
        assert time.monotonic() - told >= DRAIN_SECONDS - 0.5
        assert "draining" in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
