"""``python -m documents [serve|migrate]``: run the service or its migrations."""

from __future__ import annotations

import sys

from documents.bootstrap import MIGRATIONS, SERVICE, build
from documents.settings import DocumentsSettings
from secretariat_shared.service import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv, SERVICE, MIGRATIONS, build, DocumentsSettings))
