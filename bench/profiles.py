"""py-spy profiles of running processes, summarised by function and by package.

``by_package`` answers "how much of this process's CPU is our code, and how
much the stack the brief fixes (gunicorn, Flask and Werkzeug, grpcio,
protobuf, SQLAlchemy, psycopg)?" (issue 20: when a target is missed, the
profile shows what remains). Only threads holding the GIL are sampled
(``--gil``): without it, threads waiting inside gRPC's C core look busy to
py-spy and two thirds of the samples were "grpcio" waiting for work. So the
shares are of the Python CPU; native work done without the GIL (gRPC's
core, libpq) is not in them.
"""

from __future__ import annotations

import collections
import subprocess
import sys
from pathlib import Path

OWN = "our code"
OWN_PACKAGES = (
    "gateway",
    "directory",
    "secretariat_shared",
    "secretariat",
    "documents",
    "meetings",
    "facilities",
    "archives",
    "infohub",
    "performance",
    "career",
    "web",
)
PACKAGES: dict[str, tuple[str, ...]] = {
    "gunicorn": ("gunicorn",),
    "flask + werkzeug": ("flask", "werkzeug", "blinker"),
    "grpcio": ("grpc", "grpc_reflection", "grpc_health"),
    "protobuf": ("protobuf", "google"),
    "sqlalchemy": ("sqlalchemy",),
    "psycopg": ("psycopg", "psycopg_pool"),
    "kombu + amqp": ("kombu", "amqp"),
    "prometheus_client": ("prometheus_client",),
    "opentelemetry": ("opentelemetry", "trace", "context"),
    OWN: OWN_PACKAGES,
}
"""Buckets by the first folder of a frame's file as py-spy names it
(``grpc/_channel.py``, ``documents/adapters/…``); anything else, modules of
the standard library included, is "python"."""


def record(
    pid: int, seconds: int, out: Path, subprocesses: bool = False
) -> subprocess.Popen[bytes]:
    """Start py-spy on ``pid`` (and its children) for ``seconds``, raw stacks to ``out``."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--rate",
            "200",
            "--format",
            "raw",
            "--nonblocking",
            "--gil",
            *(["--subprocesses"] if subprocesses else []),
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _samples(raw: Path) -> list[tuple[list[str], int]]:
    out: list[tuple[list[str], int]] = []
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            out.append((stack.split(";"), int(count)))
    return out


_BUCKET_OF = {folder: name for name, folders in PACKAGES.items() for folder in folders}


def _bucket(frame: str) -> str:
    where = frame.rpartition(" (")[2]
    return _BUCKET_OF.get(where.split("/", 1)[0], "python")


def _owner(frames: list[str]) -> str:
    """The bucket of the innermost frame outside the standard library: time in
    ``json`` or ``logging`` counts for the code that called it."""
    for frame in reversed(frames):
        bucket = _bucket(frame)
        if bucket != "python":
            return bucket
    return "python"


def by_package(raw: Path) -> dict[str, float]:
    """Share of samples (0–1) per bucket, each sample counted for the innermost
    frame outside the standard library."""
    shares: collections.Counter[str] = collections.Counter()
    total = 0
    for frames, count in _samples(raw):
        total += count
        shares[_owner(frames)] += count
    return {name: round(n / total, 3) for name, n in shares.most_common()} if total else {}


def _short(frame: str) -> str:
    """``name (path/to/file.py:12)`` as ``name (file.py)``."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.split(':')[0].rsplit('/', 1)[-1].rstrip(')')})" if where else name


def top_functions(raw: Path, limit: int = 40) -> list[str]:
    """ "inclusive % / self % function" of the samples of a py-spy raw (collapsed) file."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for stack, count in _samples(raw):
        frames = [_short(frame) for frame in stack]
        total += count
        for frame in set(frames[1:]):
            inclusive[frame] += count
        own[frames[-1]] += count
    if not total:
        return []
    return (
        [f"samples: {total}; inclusive % / self %"]
        + [
            f"{100 * n / total:5.1f} / {100 * own[frame] / total:4.1f}  {frame}"
            for frame, n in inclusive.most_common(limit)
        ]
        + ["by self time:"]
        + [
            f"{100 * inclusive[frame] / total:5.1f} / {100 * n / total:4.1f}  {frame}"
            for frame, n in own.most_common(limit // 2)
        ]
    )
