"""The check behind issue 11's one persistence style: use cases ask repositories
named questions and build no SQL themselves.

:func:`sql_built_in` reads the source of a service-layer package and names
each line that builds or runs SQL there: an import from SQLAlchemy (its
exceptions excepted, which use cases catch), a table or SQL expression
imported from elsewhere, a table's ``.c`` columns, or a statement run on a
session or connection. Every service's tests call it on their service layer,
so a condition written in a use case fails the build instead of a review.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import ModuleType

from sqlalchemy.sql import ClauseElement

ALLOWED_SQLALCHEMY_MODULES = frozenset({"sqlalchemy.exc"})
"""SQLAlchemy modules a use case may import: the errors it catches."""

RUNS_SQL = frozenset({"execute", "scalar", "scalars", "scalar_one"})
"""Session and connection methods that run a statement."""


def _imported(module_name: str, name: str) -> object:
    """``module_name.name``: an attribute of the module, else its submodule; None if neither."""
    try:
        module = importlib.import_module(module_name)
        if hasattr(module, name):
            return getattr(module, name)
        return importlib.import_module(f"{module_name}.{name}")
    except ImportError:
        return None


def _modules_imported(tree: ast.AST) -> dict[str, ModuleType]:
    """The modules a source file names, by the local name it uses for each."""
    modules: dict[str, ModuleType] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                value = _imported(node.module, alias.name)
                if isinstance(value, ModuleType):
                    modules[alias.asname or alias.name] = value
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    modules[alias.asname] = importlib.import_module(alias.name)
    return modules


def _import_reasons(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [
            f"imports {alias.name}"
            for alias in node.names
            if alias.name.split(".")[0] == "sqlalchemy"
            and alias.name not in ALLOWED_SQLALCHEMY_MODULES
        ]
    if not node.module or node.level:
        return []
    if node.module.split(".")[0] == "sqlalchemy":
        if node.module in ALLOWED_SQLALCHEMY_MODULES:
            return []
        return [f"imports {alias.name} from {node.module}" for alias in node.names]
    return [
        f"imports the SQL object {alias.name}"
        for alias in node.names
        if isinstance(_imported(node.module, alias.name), ClauseElement)
    ]


def _reasons(node: ast.AST, modules: dict[str, ModuleType]) -> list[str]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        return _import_reasons(node)
    if isinstance(node, ast.Attribute):
        if node.attr == "c":
            return ["reads a table's columns (.c)"]
        if isinstance(node.value, ast.Name):
            owner = modules.get(node.value.id)
            if owner is not None and isinstance(getattr(owner, node.attr, None), ClauseElement):
                return [f"uses the SQL object {node.value.id}.{node.attr}"]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in RUNS_SQL
    ):
        return [f"runs a statement (.{node.func.attr})"]
    return []


def sql_built_in(package: ModuleType) -> list[str]:
    """``file:line: reason`` for every place ``package`` (and its subpackages) builds
    or runs SQL; empty when its modules only call repositories."""
    root = Path(package.__file__ or "").parent
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        modules = _modules_imported(tree)
        for node in ast.walk(tree):
            for reason in _reasons(node, modules):
                line = getattr(node, "lineno", 0)
                found.append((path.relative_to(root).as_posix(), line, reason))
    return [f"{name}:{line}: {reason}" for name, line, reason in sorted(found)]
