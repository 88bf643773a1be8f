"""The authorisation matrix (issue 12, X-03): every route in ``/openapi.json``
has a written rule here, and the rule holds for callers of each kind. A route
added without a rule fails this suite, and so does a rule left for a route that
is gone.

Rules:
- ``public``: no sign-in needed.
- ``signed_in``: any signed-in person passes the gate; what they may see or do is
  decided by the owning service per item (X-03), which the service tests and
  ``test_privacy.py`` cover.
- ``roles:a,b``: the gateway's access gate lets only holders of a role through.
- ``service:a,b``: the owning service allows only these roles (the gateway lets
  any signed-in person through to it): an employee never gets a success.
- ``admin``: the administrator only (the gateway's own directory and settings).

Each route is called without a token (401 unless public), as an employee of
the office department (he.ping), and, for gated routes, as a holder of the role.
Bodies are empty, so an allowed caller typically gets 422 or 404: what matters
is that the gate answers 401/403 exactly where the rule says so.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

EMPLOYEE = "he.ping"
# A seeded holder of each role the gates name.
HOLDERS = {
    "admin": "admin",
    "finance": "huang.lei",
    "secretariat": "zhao.min",
    "hr": "chen.jing",
    "office_director": "zheng.qiang",
    "discipline": "sun.li",
    "leader": "wang.jian",
}
