"""``python -m career [serve|migrate]``: run the service or its migrations."""

from __future__ import annotations

import sys

from career.bootstrap import MIGRATIONS, SERVICE, build
from career.settings import CareerSettings
from secretariat_shared.service import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv, SERVICE, MIGRATIONS, build, CareerSettings))
