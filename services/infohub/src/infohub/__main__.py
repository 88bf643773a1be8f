"""``python -m infohub [serve|migrate]``: run the service or its migrations."""

from __future__ import annotations

import sys

from infohub.bootstrap import MIGRATIONS, SERVICE, InfohubSettings, build
from secretariat_shared.service import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv, SERVICE, MIGRATIONS, build, settings_class=InfohubSettings))
