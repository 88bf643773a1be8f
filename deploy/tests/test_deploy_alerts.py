"""Issue 19: every team's chart ships its own alerts, each labelled with its team and
service and linked to a runbook page, reading no further back than Prometheus keeps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import alert_rules
import deploy_check
import pytest
import yaml

Render = Callable[..., list[dict[str, Any]]]

SERVICE_CHARTS = [c.name for c in alert_rules.deployable_charts()]


@pytest.mark.parametrize("chart", SERVICE_CHARTS)
def test_one_chart_alone_ships_its_alerts_with_team_service_and_runbook(
    render: Render, chart: str
) -> None:
    docs = render(chart, "prometheusRule:\n  enabled: true\n")
    kinds = {d["kind"] for d in docs}
    assert set(deploy_check.STANDALONE_KINDS) <= kinds
    (rule,) = [d for d in docs if d["kind"] == "PrometheusRule"]
    alerts = [r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r]
    names = {a["alert"] for a in alerts}
    assert {"SecretariatServiceDown", "SecretariatEventsDeadLettered"} <= names
    for alert in alerts:
        assert alert["labels"]["team"] == chart
        assert alert["labels"]["service"]
        assert (deploy_check.ROOT / alert["annotations"]["runbook_url"]).is_file()


def test_platform_alerts_of_a_chart_select_only_its_own_deployables(render: Render) -> None:
    docs = render("infohub", "prometheusRule:\n  enabled: true\n")
    (rule,) = [d for d in docs if d["kind"] == "PrometheusRule"]
    exprs = [r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]]
    platform = [e for e in exprs if "secretariat_outbox_lag_seconds" in e or "up{" in e]
    assert platform
    assert all('=~"infohub"' in e for e in platform)


def test_runbook_base_url_points_every_alert_at_the_published_pages(render: Render) -> None:
    base = "https://git.example.org/secretariat/-/blob/main/docs/runbooks"
    docs = render("documents", f"prometheusRule:\n  enabled: true\n  runbookBaseUrl: {base}/\n")
    (rule,) = [d for d in docs if d["kind"] == "PrometheusRule"]
    urls = [
        r["annotations"]["runbook_url"]
        for g in rule["spec"]["groups"]
        for r in g["rules"]
        if "alert" in r
    ]
    assert urls
    assert all(u.startswith(f"{base}/") and u.endswith(".md") for u in urls)
    assert f"{base}/events-dead-lettered.md" in urls


def test_prometheus_rule_is_off_by_default_like_the_service_monitor(render: Render) -> None:
    assert "PrometheusRule" not in {d["kind"] for d in render("meetings")}


def test_every_runbook_page_says_what_it_means_how_to_confirm_fix_and_verify() -> None:
    pages = sorted(deploy_check.RUNBOOKS.glob("*.md"))
    assert pages
    for page in pages:
        if page.name == "README.md":
            continue
        text = page.read_text()
        for heading in (
            "## What it means for users",
            "## How to confirm",
            "## How to fix",
            "## How to verify",
        ):
            assert heading in text, f"{page.name}: no {heading!r}"


def _write_rules(tmp_path: Path, chart: str, rule: dict[str, object]) -> Path:
    chart_dir = tmp_path / chart
    (chart_dir / "rules").mkdir(parents=True)
    (chart_dir / "Chart.yaml").write_text(f"name: {chart}\n")
    path = chart_dir / "rules" / "x.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [rule]}]}))
    return path


def test_an_alert_without_team_or_runbook_page_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy_check, "ROOT", tmp_path)
    path = _write_rules(
        tmp_path,
        "meetings",
        {
            "alert": "X",
            "expr": "up == 0",
            "labels": {"severity": "warning", "service": "meetings"},
            "annotations": {"runbook_url": "docs/runbooks/nowhere.md"},
        },
    )
    problems = list(deploy_check.alert_rule_problems(path))
    assert any("no team: meetings" in p for p in problems)
    assert any("nowhere.md" in p for p in problems)


def test_a_window_beyond_15_days_needs_the_chart_to_declare_its_retention(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy_check, "ROOT", tmp_path)
    rule = {"record": "r", "expr": "sum(increase(x_total[30d]))"}
    path = _write_rules(tmp_path, "meetings", rule)
    assert any("30.0 days back" in p for p in deploy_check.alert_rule_problems(path))
    (path.parents[1] / "Chart.yaml").write_text(
        f"name: meetings\nannotations:\n  {deploy_check.RETENTION_ANNOTATION}: 31d\n"
    )
    assert list(deploy_check.alert_rule_problems(path)) == []
    assert deploy_check.lookback_seconds({"expr": "x offset 15m", "for": "5m"}) == 1200
