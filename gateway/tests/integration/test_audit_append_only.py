"""SPEC X-04: the directory's audit trail is append-only in the database, on SQLite too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.migrate import migrate
from secretariat_shared.testing import assert_append_only

pytestmark = pytest.mark.integration


def test_x04_directory_audit_refuses_update_and_delete(database_url: str) -> None:
    migrate(database_url)
    row = {
        "actor": "admin",
        "at": datetime(2026, 3, 2, tzinfo=UTC),
        "action": "person.created",
        "entity_type": "person",
        "entity_id": "zhang.wei",
    }
    assert_append_only(database_url, "directory_audit", row)
