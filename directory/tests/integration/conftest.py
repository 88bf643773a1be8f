"""The directory against a real database (SQLite, and PostgreSQL when
SECRETARIAT_TEST_DATABASE_URL is set) with the schema its tables declare.

The gateway's migrations create the same tables in the deployed database
(``gateway/migrations``; checked by the gateway's schema test)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from directory.adapters.tables import metadata
from secretariat_shared.identity import generate_keypair

INTERNAL_SECRET = "internal-test-secret-of-32-bytes-or-more"


@pytest.fixture(scope="session")
def keypair() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def internal_secret() -> str:
    return INTERNAL_SECRET


@pytest.fixture
def migrated_database_url(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()
    return database_url
