from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from performance_testkit import Harness, make_harness


@pytest.fixture
def harness(database_url: str) -> Iterator[Harness]:
    built = make_harness(database_url)
    yield built
    built.db.dispose()
