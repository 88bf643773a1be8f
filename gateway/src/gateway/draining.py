"""Whether this gateway process is draining (issue 21).

Set by the gunicorn worker when it is told to stop
(:mod:`gateway.gunicorn_worker`); ``/readyz`` then answers 503 so the load
balancer stops sending new requests while those in flight finish.
"""

from __future__ import annotations

import threading

DRAINING = threading.Event()
