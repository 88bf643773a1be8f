"""Fixtures of the deploy tests: helm from .tools/, charts with their dependencies vendored.

`make deploy-check` runs these after fetching the tools
(SECRETARIAT_DEPLOY_CHECK=1: a missing tool fails). Run on their own
without the tools, the tests that need helm are skipped.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools"
sys.path.insert(0, str(TOOLS))

import deploy_check  # noqa: E402

Render = Callable[..., list[dict[str, Any]]]


@pytest.fixture(scope="session")
def charts_ready() -> None:
    try:
        deploy_check.helm_binary()
    except deploy_check.CheckFailed as exc:
        if os.environ.get("SECRETARIAT_DEPLOY_CHECK"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    if not os.environ.get("SECRETARIAT_DEPLOY_CHECK"):
        deploy_check.build_dependencies()


@pytest.fixture
def render(charts_ready: None, tmp_path: Path) -> Render:
    """Render a chart (by name) with values given as YAML text; the parsed objects."""

    def run(chart: str, values: str | None = None) -> list[dict[str, Any]]:
        path = None
        if values is not None:
            path = tmp_path / "values.yaml"
            path.write_text(values)
        manifest = deploy_check.render(deploy_check.HELM_DIR / chart, path)
        docs: list[dict[str, Any]] = deploy_check.documents(manifest)
        return docs

    return run


@pytest.fixture
def render_refused(charts_ready: None, tmp_path: Path) -> Callable[[str, str], str]:
    """Render a chart with values that must be refused; the error helm gives."""

    def run(chart: str, values: str) -> str:
        path = tmp_path / "bad-values.yaml"
        path.write_text(values)
        result = deploy_check.helm(
            "template", "t", str(deploy_check.HELM_DIR / chart), "-f", str(path), check=False
        )
        assert result.returncode != 0, f"{chart} accepted:\n{values}"
        error: str = result.stderr
        return error

    return run
