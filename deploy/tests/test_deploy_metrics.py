"""Alert rules and dashboards query only metrics the code defines.

The end-to-end contract (e2e-tests/test_metrics_contract.py) scrapes the
running services; this is its fast twin on the source, so a renamed metric
fails here in seconds too.
"""

from __future__ import annotations

import re
from pathlib import Path

import promql_names
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "shared" / "src" / "secretariat_shared", ROOT / "gateway" / "src"]
SOURCES += sorted((ROOT / "services").glob("*/src"))
DEFINITION = re.compile(r"""["'](secretariat_[a-z0-9_]+)["']""")


def defined_in_source() -> set[str]:
    names: set[str] = set()
    for folder in SOURCES:
        for path in folder.rglob("*.py"):
            names.update(DEFINITION.findall(path.read_text()))
    return names


def exposable(defined: set[str]) -> set[str]:
    """Every sample name a defined family can appear under, whatever its type."""
    out: set[str] = set()
    for name in defined:
        for kind in ("counter", "histogram", "summary", "gauge"):
            out |= promql_names.exposed_names(name, kind)
    return out


def test_rules_and_dashboards_name_only_metrics_the_code_defines() -> None:
    queried = promql_names.queried_names()
    assert "secretariat_document_steps_total" in queried
    known = exposable(defined_in_source()) | promql_names.SYNTHETIC
    unknown = {name: sorted(where) for name, where in queried.items() if name not in known}
    assert not unknown, f"metrics no code defines: {unknown}"


def test_every_alert_has_a_promtool_unit_test() -> None:
    alerts = {rule["alert"] for rule in promql_names.rules() if "alert" in rule}
    tested = alerts_shown_firing()
    assert alerts, "no alert rules found"
    assert not alerts - tested, f"alerts never shown firing in a test: {sorted(alerts - tested)}"


def test_the_name_extraction_sees_through_promql() -> None:
    expr = (
        "histogram_quantile(0.95, sum by (le, method) (rate(secretariat_x_seconds_bucket"
        '{service="a", code=~"OK|up"}[$__rate_interval]))) / on(service) group_left '
        "max without (instance) (secretariat_y) or vector(0) > bool 5"
    )
    assert promql_names.metric_names(expr) == {"secretariat_x_seconds_bucket", "secretariat_y"}


def alerts_shown_firing() -> set[str]:
    tested: set[str] = set()
    for path in sorted((promql_names.DEPLOY / "prometheus" / "tests").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text())["tests"]:
            tested |= {
                t["alertname"] for t in case.get("alert_rule_test", []) if t.get("exp_alerts")
            }
    return tested


@pytest.mark.parametrize(
    ("spec", "metric"),
    [
        # D-10 binds the calendar month: the service counts the month's steps itself.
        ("D-10", "secretariat_sla_month_steps"),
        ("M-05", "secretariat_meetings_minutes_draft_total"),
        ("M-05", "secretariat_meetings_minutes_distribution_total"),
        ("M-07", "secretariat_meetings_satisfaction_sum"),
        ("F-06", "secretariat_facilities_repair_response_total"),
        ("F-06", "secretariat_facilities_repair_resolution_total"),
        ("F-10", "secretariat_facilities_incident_restore_total"),
        ("C-05", "secretariat_career_reminders_total"),
        ("C-08", "secretariat_career_key_posts_unready"),
    ],
)
def test_d10_m05_m07_f06_f10_each_sla_in_code_has_an_alert_shown_firing(
    spec: str, metric: str
) -> None:
    """SPEC D-10, M-05, M-07, F-06, F-10: an SLA whose metric exists has a tested alert."""
    recorded = {r["record"]: r["expr"] for r in promql_names.rules() if "record" in r}
    alerts = []
    for rule in promql_names.rules():
        if "alert" not in rule or rule["labels"].get("spec") != spec:
            continue
        names = promql_names.metric_names(rule["expr"])
        for name in names & set(recorded):
            names |= promql_names.metric_names(recorded[name])
        if metric in names:
            alerts.append(rule["alert"])
    assert alerts, f"no alert labelled spec={spec} watches {metric}"
    assert set(alerts) & alerts_shown_firing()
