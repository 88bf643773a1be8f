from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from approvals_testkit import ApprovalHarness, make_approval_harness
from documents_testkit import Harness, make_harness


@pytest.fixture
def harness(database_url: str) -> Iterator[Harness]:
    built = make_harness(database_url)
    yield built
    built.db.dispose()


@pytest.fixture
def approvals(database_url: str) -> Iterator[ApprovalHarness]:
    built = make_approval_harness(database_url)
    yield built
    built.db.dispose()
