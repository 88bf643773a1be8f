"""Issue 13, "an anonymous client slows the gateway": with 2 sync workers,
three half-sent requests blocked /livez for 8 s. The gateway as it is
deployed (gunicorn with ``gateway.gunicorn_conf``) must keep answering while
slow clients hold connections, and drop them after the read timeout; its
/metrics is served on its own port when asked to."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from secretariat_shared.identity import generate_keypair

pytestmark = pytest.mark.integration

READ_TIMEOUT = 3.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, timeout: float = 5.0) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - local test server
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.perf_counter() - started


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    folder: Path = tmp_path_factory.mktemp("gunicorn")
    metrics_folder = folder / "metrics"
    metrics_folder.mkdir()
    private, public = generate_keypair()
    port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        "SECRETARIAT_DATABASE_URL": f"sqlite:///{folder / 'gateway.db'}",
        "SECRETARIAT_IDENTITY_PRIVATE_KEY": private,
        "SECRETARIAT_IDENTITY_PUBLIC_KEY": public,
        "SECRETARIAT_INTERNAL_TOKEN_SECRET": "x" * 40,
        "SECRETARIAT_HTTP_BIND": f"127.0.0.1:{port}",
        "SECRETARIAT_HTTP_WORKERS": "1",
        "SECRETARIAT_HTTP_THREADS": "2",
        "SECRETARIAT_HTTP_READ_TIMEOUT": str(READ_TIMEOUT),
        "SECRETARIAT_HTTP_METRICS_BIND": f"127.0.0.1:{metrics_port}",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_folder),
    }
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
        stderr=(folder / "gunicorn.log").open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(base + "/livez", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((folder / "gunicorn.log").read_text()[-3000:])
            time.sleep(0.2)
        yield base, f"http://127.0.0.1:{metrics_port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def half_sent(base: str, data: bytes) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(data)
    return sock


def test_half_sent_requests_do_not_hold_the_threads(gunicorn: tuple[str, str]) -> None:
    base, _ = gunicorn
    slow = [half_sent(base, b"GET /livez HTTP/1.1\r\nHost: x\r\n") for _ in range(5)]
    slow += [
        half_sent(
            base,
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 60\r\n\r\n{",
        )
        for _ in range(5)
    ]
    try:
        time.sleep(0.3)
        for _ in range(5):
            status, took = get(base + "/livez")
            assert status == 200
            assert took < 1.0
        # The server gives up on them after the read timeout.
        for sock in slow:
            sock.settimeout(READ_TIMEOUT + 5)
            assert sock.recv(100) == b""
    finally:
        for sock in slow:
            sock.close()


def test_a_request_sent_in_pieces_within_the_timeout_is_answered(
    gunicorn: tuple[str, str],
) -> None:
    base, _ = gunicorn
    body = b'{"username": "nobody", "password": "wrong-password"}'
    sock = half_sent(base, b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n")
    with sock:
        time.sleep(0.2)
        sock.sendall(b"Content-Type: application/json\r\nConnection: close\r\n")
        sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
        time.sleep(0.2)
        sock.sendall(body[10:])
        sock.settimeout(10)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 401")
    assert "用户名或密码错误".encode() in answer


def test_metrics_are_served_on_their_own_port_only(gunicorn: tuple[str, str]) -> None:
    base, metrics = gunicorn
    assert get(base + "/metrics")[0] == 404
    with urllib.request.urlopen(metrics + "/metrics", timeout=5) as response:  # noqa: S310
        text = response.read().decode()
    assert "secretariat_http_requests_total" in text


def test_a_head_with_too_many_fields_is_refused_not_buffered(gunicorn: tuple[str, str]) -> None:
    base, _ = gunicorn
    fields = b"".join(b"X-Field-%d: %s\r\n" % (n, b"v" * 8000) for n in range(70))
    sock = half_sent(base, b"GET /livez HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
    with sock:
        sock.settimeout(10)
        answer = sock.recv(200)
    assert answer.startswith(b"HTTP/1.1 4")
    assert get(base + "/livez")[0] == 200
