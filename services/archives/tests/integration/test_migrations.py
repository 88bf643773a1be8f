"""The first migration creates exactly the tables the code maps (rule 3),
besides the search index the migration adds itself: SQLite's FTS5 table
(and its shadow tables) and PostgreSQL's generated ``search_vector``."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from archives.adapters.orm import metadata
from archives.bootstrap import MIGRATIONS
from secretariat_shared.migrations import upgrade

pytestmark = pytest.mark.integration


def _mapped(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    if kind == "table" and (name or "").startswith("records_fts"):
        return False
    if kind == "column" and name == "search_vector":
        return False
    # The kit's create_platform_tables adds an index PlatformTables does not map yet.
    return not (
        kind == "index" and name in ("ix_records_search", "ix_processed_events_processed_at")
    )


def test_migrations_create_the_mapped_tables(database_url: str) -> None:
    upgrade(MIGRATIONS, database_url)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": _mapped, "compare_type": True}
            )
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()
