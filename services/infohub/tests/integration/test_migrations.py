"""The migrations create exactly the tables the information hub declares."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from infohub.adapters.orm import metadata
from infohub.bootstrap import MIGRATIONS
from secretariat_shared.db import Database
from secretariat_shared.migrations import upgrade

pytestmark = pytest.mark.integration


def test_migration_0003_matches_the_declared_information_tables(database_url: str) -> None:
    upgrade(MIGRATIONS, database_url)
    db = Database(database_url)
    try:
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        db.dispose()
    assert diff == []
