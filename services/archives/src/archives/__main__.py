"""``python -m archives [serve|migrate]``: run the service or its migrations."""

from __future__ import annotations

import sys

from archives.bootstrap import MIGRATIONS, SERVICE, build
from archives.settings import ArchivesSettings
from secretariat_shared.service import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv, SERVICE, MIGRATIONS, build, ArchivesSettings))
