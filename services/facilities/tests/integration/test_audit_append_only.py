"""SPEC X-04: the audit trail is append-only in the database, on SQLite too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from facilities.bootstrap import MIGRATIONS
from secretariat_shared.migrations import upgrade
from secretariat_shared.testing import assert_append_only

pytestmark = pytest.mark.integration


def test_x04_audit_log_refuses_update_and_delete(database_url: str) -> None:
    upgrade(MIGRATIONS, database_url)
    row = {
        "actor": "someone",
        "at": datetime(2026, 3, 2, tzinfo=UTC),
        "action": "schedule",
        "entity_type": "thing",
        "entity_id": "1",
    }
    assert_append_only(database_url, "audit_log", row)
