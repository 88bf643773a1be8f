"""Bring the gateway's database to the latest schema: ``python -m gateway.migrate``
(reads SECRETARIAT_DATABASE_URL)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from secretariat_shared.migrations import upgrade

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def migrate(database_url: str) -> None:
    upgrade(MIGRATIONS_DIR, database_url)


def main() -> int:
    url = os.environ.get("SECRETARIAT_DATABASE_URL")
    if not url:
        print(
            "configuration error: missing required environment variable SECRETARIAT_DATABASE_URL",
            file=sys.stderr,
        )
        return 2
    migrate(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
