"""Issue 11 item 4: one persistence style. The performance use cases ask
repositories (``performance.adapters``) named questions; no SQL condition or
statement is built in the service layer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import performance.service_layer

pytestmark = pytest.mark.unit

SERVICE_LAYER = Path(performance.service_layer.__file__).parent
SQL = re.compile(
    r"\borm\.|\.c\.|from sqlalchemy import|import sqlalchemy\b|\bselect\("
    r"|(?<![.\w])(insert|update|delete)\("
)


def test_issue11_use_cases_build_no_sql_conditions() -> None:
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(SERVICE_LAYER.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SQL.search(line)
    ]
    assert offenders == []
