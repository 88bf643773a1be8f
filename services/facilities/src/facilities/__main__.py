"""``python -m facilities [serve|migrate]``: run the service or its migrations."""

from __future__ import annotations

import sys

from facilities.bootstrap import MIGRATIONS, build
from facilities.service_layer.common import SERVICE
from facilities.settings import FacilitiesSettings
from secretariat_shared.service import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv, SERVICE, MIGRATIONS, build, FacilitiesSettings))
