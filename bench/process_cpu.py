"""CPU seconds of the processes (and threads) a benchmark drives, from /proc.

On a shared machine wall times say little; the CPU each process spent per
operation says what a core of its own would carry. Linux only.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int, tid: int | None = None) -> float:
    """User + system CPU of a process (or one of its threads); 0 if it is gone."""
    path = Path(f"/proc/{pid}/task/{tid}/stat" if tid else f"/proc/{pid}/stat")
    try:
        fields = path.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def total(pids: Iterable[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


def named(command: str) -> list[int]:
    """Pids of the processes whose command name is ``command`` (e.g. beam.smp)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == command:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def postgres_backends(connection: object, database: str) -> list[int]:
    """Pids of the PostgreSQL backends connected to ``database`` (the server must
    run on this machine), but the one asking. ``connection``: a psycopg one."""
    rows = connection.execute(  # type: ignore[attr-defined]
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        (database,),
    ).fetchall()
    return [int(r[0]) for r in rows]
