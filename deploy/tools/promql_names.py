"""The metric names that alert rules and dashboards query.

Used by the tests that keep rules and dashboards honest: every name must be
exported by a service (``e2e-tests/test_metrics_contract.py``) and defined
in the source (``deploy/tests/test_deploy_metrics.py``), so renaming a
metric in code breaks a test instead of silently emptying a panel or
muting an alert.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parents[1]
DASHBOARDS = DEPLOY / "helm"
RULES_GLOB = "*/rules/*.yaml"

# Series Prometheus makes itself rather than a service exporting them.
SYNTHETIC = {
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "ALERTS",
    "ALERTS_FOR_STATE",
}

KEYWORDS = set(
    [
        "sum",
        "min",
        "max",
        "avg",
        "group",
        "stddev",
        "stdvar",
        "count",
        "count_values",
        "bottomk",
        "topk",
        "quantile",
        "limitk",
        "limit_ratio",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "offset",
        "and",
        "or",
        "unless",
        "atan2",
        "abs",
        "absent",
        "absent_over_time",
        "ceil",
        "changes",
        "clamp",
        "clamp_max",
        "clamp_min",
        "day_of_month",
        "day_of_week",
        "day_of_year",
        "days_in_month",
        "delta",
        "deriv",
        "exp",
        "floor",
        "histogram_quantile",
        "histogram_count",
        "histogram_sum",
        "histogram_fraction",
        "holt_winters",
        "hour",
        "idelta",
        "increase",
        "irate",
        "label_join",
        "label_replace",
        "ln",
        "log2",
        "log10",
        "minute",
        "month",
        "predict_linear",
        "rate",
        "resets",
        "round",
        "scalar",
        "sgn",
        "sort",
        "sort_desc",
        "sqrt",
        "time",
        "timestamp",
        "vector",
        "year",
        "avg_over_time",
        "min_over_time",
        "max_over_time",
        "sum_over_time",
        "count_over_time",
        "quantile_over_time",
        "stddev_over_time",
        "stdvar_over_time",
        "last_over_time",
        "present_over_time",
        "inf",
        "nan",
    ]
)

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_BRACES = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(
    r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", re.IGNORECASE
)
_VARIABLE = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")
_IDENTIFIER = re.compile(r"(?<![\w.])([A-Za-z_:][A-Za-z0-9_:]*)")
_NUMBER_SUFFIX = re.compile(r"^[0-9]")


def metric_names(expr: str) -> set[str]:
    """Names of the series an expression selects (recording rules included)."""
    text = _VARIABLE.sub(" ", expr)
    text = _STRING.sub(" ", text)
    text = _BRACES.sub(" ", text)
    text = _BRACKETS.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        name = match.group(1)
        if name.lower() in KEYWORDS or _NUMBER_SUFFIX.match(name):
            continue
        names.add(name)
    return names


def rule_files() -> list[Path]:
    return sorted(DASHBOARDS.glob(RULES_GLOB))


def rules() -> Iterator[dict[str, Any]]:
    for path in rule_files():
        for group in yaml.safe_load(path.read_text())["groups"]:
            yield from group["rules"]


def recorded_names() -> set[str]:
    return {rule["record"] for rule in rules() if "record" in rule}


def dashboard_files() -> list[Path]:
    return sorted(DASHBOARDS.glob("*/dashboards/*.json"))


def dashboard_exprs(path: Path) -> Iterator[str]:
    board = json.loads(path.read_text())
    for panel in board.get("panels", []):
        for target in panel.get("targets", []):
            if target.get("expr"):
                yield target["expr"]


def queried_names() -> dict[str, set[str]]:
    """Metric name → where it is queried (rule or dashboard), recording rules excluded."""
    where: dict[str, set[str]] = {}
    recorded = recorded_names()
    for rule in rules():
        label = f"rule {rule.get('alert') or rule.get('record')}"
        for name in metric_names(rule["expr"]):
            where.setdefault(name, set()).add(label)
    for path in dashboard_files():
        for expr in dashboard_exprs(path):
            for name in metric_names(expr):
                where.setdefault(name, set()).add(f"dashboard {path.name}")
    return {name: places for name, places in where.items() if name not in recorded}


def exposed_names(family: str, kind: str) -> set[str]:
    """Sample names a metric family appears under in the text exposition format."""
    if kind == "counter":
        base = family.removesuffix("_total")
        return {f"{base}_total", f"{base}_created", family}
    if kind == "histogram":
        return {family, *(f"{family}{s}" for s in ("_bucket", "_sum", "_count", "_created"))}
    if kind == "summary":
        return {family, *(f"{family}{s}" for s in ("_sum", "_count", "_created"))}
    return {family}
