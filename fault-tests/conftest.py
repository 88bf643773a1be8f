"""The fault tier (``make test-faults``): the system as processes behind cuttable links.

It reuses the end-to-end kit (``e2e-tests/e2ekit.py``) and the launcher
(``scripts/run_system.py``); see docs/operations/faults.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for folder in (ROOT / "scripts", ROOT / "e2e-tests", HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
