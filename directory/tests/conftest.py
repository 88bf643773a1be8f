"""pytest's importlib import mode names these modules ``directory.tests.…`` after
their folders and binds ``directory`` to the folder ``directory/`` (a namespace
without code) before any test runs. Put the real package back in its place."""

from __future__ import annotations

import sys

_shadow = sys.modules.get("directory")
if _shadow is not None and getattr(_shadow, "__file__", None) is None:
    del sys.modules["directory"]
    import directory  # noqa: F401
