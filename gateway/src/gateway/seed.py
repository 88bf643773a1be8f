"""``python -m gateway.seed``: migrate the gateway's database, ensure the admin
account (password from SECRETARIAT_ADMIN_PASSWORD; "admin" in demo mode) and,
with SECRETARIAT_DEMO=1, seed the demo organisation (:mod:`directory.seed`).
"""

from __future__ import annotations

import logging

from directory.adapters.passwords import Passwords
from directory.seed import DEMO_LOGINS, ensure_admin, seed_demo, seed_demo_client
from directory.service_layer.directory import DirectoryService
from directory.service_layer.service_accounts import ServiceAccounts
from gateway.migrate import migrate
from gateway.settings import GatewaySettings
from secretariat_shared.clock import clock_from_settings
from secretariat_shared.db import Database
from secretariat_shared.settings import load_or_exit


def prepare_database(settings: GatewaySettings, passwords: Passwords | None = None) -> None:
    """Migrate, then ensure the admin and (in demo mode) the demo organisation."""
    migrate(settings.database_url)
    db = Database(settings.database_url)
    try:
        clock = clock_from_settings(settings.testing, settings.clock_file)
        directory = DirectoryService(db, passwords or Passwords(), clock)
        ensure_admin(directory, settings.effective_admin_password)
        if settings.demo:
            seed_demo(directory, settings.demo_password)
            seed_demo_client(ServiceAccounts(db, clock))
    finally:
        db.dispose()


def main() -> int:
    settings = load_or_exit(GatewaySettings)
    logging.basicConfig(level=settings.log_level)
    prepare_database(settings)
    if settings.demo:
        print("Demo logins (password 'demo'):")
        for username, description in DEMO_LOGINS:
            print(f"  {username:<12} {description}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
