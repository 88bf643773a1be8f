"""Issue 19: every dashboard is scoped to one installation and reads 0 before its first sample."""

from __future__ import annotations

import json

import dashboards
import deploy_check


def test_scoping_narrows_every_selector_and_leaves_strings_and_functions_alone() -> None:
    expr = (
        '(sum(increase(secretariat_x_total{outcome="breached",kind=~"a|b}"}[30d])) or vector(0))'
        " / clamp_min(sum(increase(secretariat_x_total[30d])), 1)"
        ' + label_replace(secretariat_y, "dst", "$1", "src", "(.*)")'
    )
    scoped = dashboards.scoped(expr)
    assert scoped.count(dashboards.SCOPE) == 3
    assert '{outcome="breached",kind=~"a|b}",' + dashboards.SCOPE + "}" in scoped
    assert '"dst", "$1", "src", "(.*)"' in scoped
    assert "vector(0)" in scoped
    assert dashboards.scoped(scoped) == scoped


def test_every_dashboard_has_datasource_namespace_and_release_and_shows_zero() -> None:
    paths = sorted(deploy_check.HELM_DIR.glob("*/dashboards/*.json"))
    assert {p.parent.parent.name for p in paths} >= {
        "gateway",
        "documents",
        "meetings",
        "facilities",
        "secretariat",
    }
    for path in paths:
        board = json.loads(path.read_text())
        assert list(deploy_check.dashboard_problems(path, board)) == []
        names = [v["name"] for v in board["templating"]["list"]]
        assert names[:3] == ["datasource", "namespace", "release"]


def test_a_dashboard_with_an_unscoped_panel_is_refused() -> None:
    path = deploy_check.HELM_DIR / "meetings" / "dashboards" / "meetings.json"
    board = json.loads(path.read_text())
    panel = next(p for p in board["panels"] if p["type"] != "row")
    panel["targets"][0]["expr"] = "sum(secretariat_meetings_action_items)"
    del panel["fieldConfig"]["defaults"]["noValue"]
    problems = list(deploy_check.dashboard_problems(path, board))
    assert any("$namespace" in p for p in problems)
    assert any("noValue" in p for p in problems)
