"""Issue 11 item 4: one persistence style. The use cases ask repositories named
questions; no SQL condition is built in the service layer."""

from __future__ import annotations

import pytest

import career.service_layer
from secretariat_shared.persistence_style import sql_built_in

pytestmark = pytest.mark.unit


def test_issue11_use_cases_build_no_sql_conditions() -> None:
    assert sql_built_in(career.service_layer) == []
