"""``python -m performance [serve|migrate]``: run the service or its migrations."""

from __future__ import annotations

import sys

from performance.bootstrap import MIGRATIONS, SERVICE, build
from performance.settings import PerformanceSettings
from secretariat_shared.service import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv, SERVICE, MIGRATIONS, build, PerformanceSettings))
