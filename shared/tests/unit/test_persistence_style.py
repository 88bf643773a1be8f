"""Issue 11 item 4: the check every service runs on its use cases finds the SQL
a use case builds, and passes a use case that only asks repositories."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

from secretariat_shared.persistence_style import sql_built_in

pytestmark = pytest.mark.unit

ASKS_A_REPOSITORY = """
from sqlalchemy.exc import IntegrityError

from secretariat_shared.tables import PlatformTables


def close(repo, item_id):
    try:
        repo.close(item_id)
    except IntegrityError:
        return False
    return True
"""

BUILDS_SQL = """
import sqlalchemy
from sqlalchemy import select

from style_sample import tables
from style_sample.tables import items


def open_items(session):
    return session.execute(select(items).where(items.c.state == "open")).all()


def closed_items(session):
    return session.scalars(select(tables.items)).all()
"""

TABLES = """
from sqlalchemy import Column, MetaData, String, Table

items = Table("items", MetaData(), Column("state", String))
"""


def _package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **modules: str) -> ModuleType:
    package = tmp_path / "style_sample"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "tables.py").write_text(TABLES)
    layer = package / "service_layer"
    layer.mkdir()
    (layer / "__init__.py").write_text("")
    for name, source in modules.items():
        (layer / f"{name}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [n for n in sys.modules if n.startswith("style_sample")]:
        monkeypatch.delitem(sys.modules, name)
    return importlib.import_module("style_sample.service_layer")


def test_a_use_case_that_only_asks_repositories_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = _package(tmp_path, monkeypatch, closing=ASKS_A_REPOSITORY)
    assert sql_built_in(layer) == []


def test_every_kind_of_sql_in_a_use_case_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = _package(tmp_path, monkeypatch, listing=BUILDS_SQL)
    assert sql_built_in(layer) == [
        "listing.py:2: imports sqlalchemy",
        "listing.py:3: imports select from sqlalchemy",
        "listing.py:6: imports the SQL object items",
        "listing.py:10: reads a table's columns (.c)",
        "listing.py:10: runs a statement (.execute)",
        "listing.py:14: runs a statement (.scalars)",
        "listing.py:14: uses the SQL object tables.items",
    ]
