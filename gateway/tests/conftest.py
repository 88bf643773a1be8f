"""pytest's importlib import mode names these modules ``gateway.tests.…`` after
their folders and binds ``gateway`` to the folder ``gateway/`` (a namespace
without code) before any test runs. Put the real package back in its place."""

from __future__ import annotations

import sys

_shadow = sys.modules.get("gateway")
if _shadow is not None and getattr(_shadow, "__file__", None) is None:
    del sys.modules["gateway"]
    import gateway  # noqa: F401
