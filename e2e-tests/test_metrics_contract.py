"""Dashboards and alert rules query only metrics the running services export.

Scrapes every process of the running system (the gateway's /metrics and
each gRPC process's metrics port) and reads the metric families from their
# HELP / # TYPE lines, which prometheus_client writes even for a labelled
metric that has no sample yet. A metric renamed in code, or a typo in a
rule or a panel, fails here instead of muting an alert in production.
"""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

from run_system import System

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy" / "tools"))

import promql_names


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as reply:
        body: bytes = reply.read()
    return body.decode()


def families(exposition: str) -> dict[str, str]:
    """Metric family → type, from the text exposition format."""
    found: dict[str, str] = {}
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(maxsplit=3)
            found[name] = kind.strip()
    return found


def exported_by(system: System) -> dict[str, dict[str, str]]:
    scrape(system.http_url + "/livez")  # the gateway's request metrics exist once it answered
    out = {"gateway": families(scrape(system.http_url + "/metrics"))}
    for name, port in system.ports.metrics.items():
        out[name] = families(scrape(f"http://127.0.0.1:{port}/metrics"))
    return out


def test_every_metric_a_dashboard_or_rule_queries_is_exported(system: System) -> None:
    exported: set[str] = set()
    per_process = exported_by(system)
    for found in per_process.values():
        for family, kind in found.items():
            exported |= promql_names.exposed_names(family, kind)
    assert "secretariat_http_requests_total" in per_process["gateway"]
    assert "secretariat_document_steps_total" in per_process["documents"]
    assert "secretariat_events_dead_lettered_total" in per_process["infohub"]
    assert "secretariat_outbox_lag_seconds" in per_process["documents"]

    queried = promql_names.queried_names()
    assert queried, "no rule or dashboard queries found"
    missing = {
        name: sorted(where)
        for name, where in queried.items()
        if name not in exported and name not in promql_names.SYNTHETIC
    }
    assert not missing, f"queried but exported by no process: {missing}"


def test_sla_panels_read_zero_on_a_fresh_installation(system: System) -> None:
    """Issue 19: the counters behind the SLA share panels export both outcomes from the
    start, so a fresh installation's panels read 0 rather than "No data"."""
    facilities = scrape(f"http://127.0.0.1:{system.ports.metrics['facilities']}/metrics")
    archives = scrape(f"http://127.0.0.1:{system.ports.metrics['archives']}/metrics")
    career = scrape(f"http://127.0.0.1:{system.ports.metrics['career']}/metrics")
    for outcome in ("met", "breached"):
        for metric in (
            "secretariat_facilities_repair_response_total",
            "secretariat_facilities_repair_resolution_total",
            "secretariat_facilities_incident_plan_total",
            "secretariat_facilities_incident_restore_total",
        ):
            assert f'{metric}{{outcome="{outcome}"}}' in facilities
        assert f'secretariat_archives_loans_returned_total{{outcome="{outcome}"}}' in archives
        assert (
            f'secretariat_career_reminders_total{{kind="career.mentoring.week",outcome="{outcome}"}}'
            in career
        )
