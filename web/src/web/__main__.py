"""``python -m web``: serve the workbench with gunicorn on SECRETARIAT_WEB_BIND."""

from __future__ import annotations

import os
import secrets
import sys


def main() -> None:
    bind = os.environ.get("SECRETARIAT_WEB_BIND", "127.0.0.1:8000")
    workers = os.environ.get("SECRETARIAT_WEB_WORKERS", "2")
    # Every worker must sign sessions with the same key.
    os.environ.setdefault("SECRETARIAT_WEB_SECRET_KEY", secrets.token_urlsafe(32))
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        bind,
        "--workers",
        workers,
        "--access-logfile",
        "-",
        "web.wsgi:create()",
    ]
    os.execv(sys.executable, args)  # noqa: S606 - replaces this process with gunicorn


if __name__ == "__main__":
    main()
