"""The first migration creates exactly the tables the code maps (rule 3)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from performance.adapters.orm import metadata
from performance.bootstrap import MIGRATIONS
from secretariat_shared.migrations import upgrade

pytestmark = pytest.mark.integration


def test_migrations_create_the_mapped_tables(database_url: str) -> None:
    upgrade(MIGRATIONS, database_url)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    finally:
        engine.dispose()
