"""``make deploy-check``: every deployment artefact checked without a cluster.

1. Generated files are current: values schemas, dashboards, Dockerfiles,
   image tags following the locks,
   the configuration reference in deploy/README.md.
2. Each chart's dependencies are vendored (``helm dependency update``,
   offline: they are all ``file://``).
3. ``helm lint --strict`` on every chart with each of its ``ci/*-values.yaml``.
4. ``helm template`` of every chart and scenario, validated by
   ``kubernetes-validate --strict`` for Kubernetes KUBE_VERSION, with the
   Prometheus Operator kinds (which it does not know) checked against a
   small schema here, then the house rules: hardened pods, resources,
   probes, labels, NetworkPolicy coverage.
5. ``promtool check rules`` and ``promtool test rules``.
6. Dashboards parsed and checked (structure, unique ids, data source).
7. The deploy tests (``deploy/tests``): schema refusal, keygen, metrics
   named in code, image dependencies, skaffold coverage.

Tools: helm from ``.tools/bin/helm`` (``make deploy-tools`` fetches it),
kubernetes-validate from the virtual environment, promtool from PATH.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

TOOLS_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS_DIR))

import alert_rules  # noqa: E402
import chart_schemas  # noqa: E402
import config_reference  # noqa: E402
import dashboards  # noqa: E402
import dockerfiles  # noqa: E402
import image_tags  # noqa: E402

ROOT = TOOLS_DIR.parents[1]
HELM_DIR = ROOT / "deploy" / "helm"
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
ENVIRONMENTS = ROOT / "deploy" / "environments"
KUBE_VERSION = "1.33"
RELEASE = "secretariat"
NAMESPACE = "secretariat"
PART_OF = "app.kubernetes.io/part-of"

SERVICE_MONITOR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "ServiceMonitor"},
        "metadata": {"type": "object", "required": ["name"]},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["selector", "endpoints"],
            "properties": {
                "jobLabel": {"type": "string"},
                "targetLabels": {"type": "array", "items": {"type": "string"}},
                "selector": {
                    "type": "object",
                    "required": ["matchLabels"],
                    "properties": {"matchLabels": {"type": "object"}},
                },
                "endpoints": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["port"],
                        "properties": {
                            "port": {"type": "string"},
                            "path": {"type": "string", "pattern": "^/"},
                            "interval": {"type": "string", "pattern": "^[0-9]+(ms|s|m|h)$"},
                            "scrapeTimeout": {"type": "string", "pattern": "^[0-9]+(ms|s|m|h)$"},
                            "honorLabels": {"type": "boolean"},
                        },
                    },
                },
            },
        },
    },
}
ALERT_RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["alert", "expr", "labels", "annotations"],
    "properties": {
        "alert": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
        "expr": {"type": "string", "minLength": 1},
        "for": {"type": "string", "pattern": "^[0-9]+(ms|s|m|h|d|w|y)$"},
        "labels": {
            "type": "object",
            "required": ["team", "service", "severity"],
            "additionalProperties": {"type": "string"},
        },
        "annotations": {
            "type": "object",
            "required": ["summary", "description", "runbook_url"],
            "additionalProperties": {"type": "string"},
        },
    },
    "additionalProperties": False,
}
RECORDING_RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["record", "expr"],
    "properties": {
        "record": {"type": "string", "pattern": "^[a-zA-Z_:][a-zA-Z0-9_:]*$"},
        "expr": {"type": "string", "minLength": 1},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "additionalProperties": False,
}
PROMETHEUS_RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "PrometheusRule"},
        "metadata": {"type": "object", "required": ["name"]},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["groups"],
            "properties": {
                "groups": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["name", "rules"],
                        "properties": {
                            "name": {"type": "string", "minLength": 1},
                            "interval": {"type": "string"},
                            "rules": {
                                "type": "array",
                                "minItems": 1,
                                "items": {"oneOf": [ALERT_RULE_SCHEMA, RECORDING_RULE_SCHEMA]},
                            },
                        },
                    },
                }
            },
        },
    },
}
CUSTOM_KINDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): SERVICE_MONITOR_SCHEMA,
    ("monitoring.coreos.com/v1", "PrometheusRule"): PROMETHEUS_RULE_SCHEMA,
}
# What `helm template` of one deployable's chart alone must hold (issue 19):
# a team installing only its chart still gets its alerts and dashboard.
STANDALONE_KINDS = ("Deployment", "Service", "PrometheusRule", "ConfigMap", "NetworkPolicy")
# Prometheus keeps 15 days by default; a rule reading further back needs the
# chart to say so (Chart.yaml annotation RETENTION_ANNOTATION, e.g. 31d).
DEFAULT_RETENTION_SECONDS = 15 * 86400
RETENTION_ANNOTATION = "secretariat.io/prometheus-retention"
RUNBOOKS = ROOT / "docs" / "runbooks"


class CheckFailed(Exception):
    pass


def helm_binary() -> Path:
    configured = os.environ.get("HELM")
    path = Path(configured) if configured else ROOT / ".tools" / "bin" / "helm"
    if not path.exists():
        raise CheckFailed(f"helm not found at {path}: run `make deploy-tools`")
    return path


def helm_env() -> dict[str, str]:
    home = ROOT / ".tools" / "helm"
    env = dict(os.environ)
    env.update(
        {
            "HELM_CACHE_HOME": str(home / "cache"),
            "HELM_CONFIG_HOME": str(home / "config"),
            "HELM_DATA_HOME": str(home / "data"),
        }
    )
    return env


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603 - our own tools, fixed arguments
        [str(helm_binary()), *args], capture_output=True, text=True, env=helm_env(), cwd=ROOT
    )
    if check and result.returncode != 0:
        raise CheckFailed(f"helm {' '.join(args)} failed:\n{result.stderr}{result.stdout}")
    return result


def application_charts() -> list[Path]:
    """Deployable charts first, the umbrella last (it vendors the others)."""
    found = [c for c in chart_schemas.charts() if chart_schemas.chart_kind(c) != "library"]
    return sorted(found, key=lambda c: (chart_schemas.chart_kind(c) == "umbrella", c.name))


def build_dependencies() -> None:
    for chart in application_charts():
        helm("dependency", "update", "--skip-refresh", str(chart))


def scenarios(chart: Path) -> list[Path]:
    """The chart's ci/*-values.yaml, and the example environments that apply to it."""
    found = sorted((chart / "ci").glob("*-values.yaml"))
    if not found:
        raise CheckFailed(f"{chart.name}: no ci/*-values.yaml scenario")
    umbrella = chart_schemas.chart_kind(chart) == "umbrella"
    found.append(ENVIRONMENTS / ("trial.yaml" if umbrella else "production.yaml"))
    return found


def render(chart: Path, values: Path | None = None, *extra: str) -> str:
    args = ["template", RELEASE, str(chart), "--namespace", NAMESPACE]
    args += ["--kube-version", f"{KUBE_VERSION}.0"]
    if values is not None:
        args += ["-f", str(values)]
    return helm(*args, *extra).stdout


def documents(manifest: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(manifest) if d]


def kubernetes_validate(manifest: str, label: str) -> None:
    executable = Path(sys.executable).with_name("kubernetes-validate")
    result = subprocess.run(  # noqa: S603 - our own tools, fixed arguments
        [str(executable), "-k", KUBE_VERSION, "--strict", "--quiet", "--no-warn", "-"],
        input=manifest,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise CheckFailed(f"{label}: kubernetes-validate --strict:\n{result.stdout}{result.stderr}")


def validate_custom_kinds(docs: list[dict[str, Any]], label: str) -> None:
    for doc in docs:
        schema = CUSTOM_KINDS.get((doc.get("apiVersion", ""), doc.get("kind", "")))
        if schema is None:
            continue
        errors = list(jsonschema.Draft7Validator(schema).iter_errors(doc))
        if errors:
            raise CheckFailed(
                f"{label}: {doc['kind']} {doc['metadata']['name']}: {errors[0].message}"
            )


def pod_spec(doc: dict[str, Any]) -> dict[str, Any] | None:
    if doc["kind"] in {"Deployment", "StatefulSet", "Job"}:
        spec: dict[str, Any] = doc["spec"]["template"]["spec"]
        return spec
    return None


def house_rules(docs: list[dict[str, Any]], label: str) -> list[str]:
    """What every rendered object must honour; returns the violations."""
    problems: list[str] = []
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    for doc in docs:
        name = f"{label}: {doc['kind']}/{doc['metadata']['name']}"
        labels = doc["metadata"].get("labels", {})
        if doc["kind"] != "Secret" and labels.get(PART_OF) != "secretariat":
            problems.append(f"{name}: no {PART_OF}=secretariat label")
        spec = pod_spec(doc)
        if spec is None:
            continue
        pod_security = spec.get("securityContext", {})
        if spec.get("automountServiceAccountToken") is not False and "keygen" not in name:
            problems.append(f"{name}: mounts a service account token")
        for container in spec.get("initContainers", []) + spec["containers"]:
            where = f"{name} container {container['name']}"
            security = container.get("securityContext", {})
            if not (security.get("runAsNonRoot") or pod_security.get("runAsNonRoot")):
                problems.append(f"{where}: may run as root")
            if security.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: root filesystem is writable")
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: privilege escalation allowed")
            if "ALL" not in security.get("capabilities", {}).get("drop", []):
                problems.append(f"{where}: capabilities not all dropped")
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                if not {"cpu", "memory"} <= set(resources.get(kind, {})):
                    problems.append(f"{where}: {kind} for cpu and memory not set")
            image = container["image"]
            if image.endswith(":latest") or (
                ":" not in image.rsplit("/", 1)[-1] and "@" not in image
            ):
                problems.append(f"{where}: image {image} has no exact tag")
            if doc["kind"] == "Deployment":
                for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                    if probe not in container:
                        problems.append(f"{where}: no {probe}")
                ports = {p["name"] for p in container.get("ports", [])}
                if "grpc" in ports and "grpc" not in container.get("readinessProbe", {}):
                    problems.append(f"{where}: gRPC server without a native gRPC probe")
        if doc["kind"] == "Deployment":
            selector = doc["spec"]["selector"]["matchLabels"]
            pod_labels = doc["spec"]["template"]["metadata"]["labels"]
            if not selector.items() <= pod_labels.items():
                problems.append(f"{name}: selector does not match the pod labels")
            if policies and not any(
                p["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
                for p in policies
            ):
                problems.append(f"{name}: no NetworkPolicy selects its pods")
    return problems


@dataclass
class Outcome:
    label: str
    seconds: float
    error: str = ""


def check_scenario(chart: Path, values: Path) -> Outcome:
    label = f"{chart.name} {values.parent.name}/{values.name}"
    started = time.monotonic()
    try:
        lint = helm("lint", "--strict", str(chart), "-f", str(values), check=False)
        if lint.returncode != 0:
            raise CheckFailed(f"{label}: helm lint --strict:\n{lint.stdout}{lint.stderr}")
        manifest = render(chart, values)
        kubernetes_validate(manifest, label)
        docs = documents(manifest)
        validate_custom_kinds(docs, label)
        problems = house_rules(docs, label)
        if problems:
            raise CheckFailed("\n".join(problems))
    except CheckFailed as exc:
        return Outcome(label, time.monotonic() - started, str(exc))
    return Outcome(label, time.monotonic() - started)


def check_generated() -> None:
    for name, main in (
        ("values schemas", chart_schemas.main),
        ("dashboards", dashboards.main),
        ("chart alert rules", alert_rules.main),
        ("Dockerfiles", dockerfiles.main),
        ("image tags (charts' appVersion from their locks)", image_tags.main),
        ("configuration reference", config_reference.main),
    ):
        if main(["check", "--check"]) != 0:
            raise CheckFailed(f"{name} are not current (see above)")


def check_charts() -> None:
    helm("lint", "--strict", str(HELM_DIR / "secretariat-lib"))
    jobs = [(chart, values) for chart in application_charts() for values in scenarios(chart)]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        outcomes = list(pool.map(lambda job: check_scenario(*job), jobs))
    failed = [o for o in outcomes if o.error]
    for outcome in outcomes:
        print(f"  {'FAIL' if outcome.error else 'ok  '} {outcome.label} ({outcome.seconds:.1f}s)")
    if failed:
        raise CheckFailed("\n\n".join(o.error for o in failed))


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        raise CheckFailed("promtool not found: run `make deploy-tools` (Debian package prometheus)")
    return found


def rule_files() -> list[Path]:
    return sorted(HELM_DIR.glob("*/rules/*.yaml"))


_DURATION = re.compile(r"([0-9]+)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def seconds(duration: str) -> float:
    return sum(int(n) * _UNIT_SECONDS[u] for n, u in _DURATION.findall(duration))


def lookback_seconds(rule: dict[str, Any]) -> float:
    """How far back a rule reads: its longest range or offset, plus its ``for``."""
    ranges = re.findall(r"\[([0-9a-z]+)(?::[0-9a-z]*)?\]", rule["expr"])
    offsets = re.findall(r"offset\s+([0-9a-z]+)", rule["expr"])
    reach = max((seconds(d) for d in ranges + offsets), default=0.0)
    return reach + seconds(str(rule.get("for", "0s")))


def chart_retention(chart: Path) -> float:
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    declared = (meta.get("annotations") or {}).get(RETENTION_ANNOTATION)
    return seconds(declared) if declared else DEFAULT_RETENTION_SECONDS


def alert_rule_problems(path: Path) -> Iterator[str]:
    """Each alert labelled with its team and service, linked to a runbook page that exists,
    reading no further back than the chart's Prometheus keeps."""
    chart = path.parents[1]
    retention = chart_retention(chart)
    where = path.relative_to(ROOT)
    for group in yaml.safe_load(path.read_text())["groups"]:
        for rule in group["rules"]:
            name = rule.get("alert") or rule.get("record")
            if lookback_seconds(rule) > retention:
                yield (
                    f"{where}: {name} reads {lookback_seconds(rule) / 86400:.1f} days back, more "
                    f"than the {retention / 86400:.0f} days kept: shorten it or declare "
                    f"{RETENTION_ANNOTATION} in {chart.name}/Chart.yaml"
                )
            if "alert" not in rule:
                continue
            labels, annotations = rule.get("labels", {}), rule.get("annotations", {})
            if labels.get("team") != chart.name:
                yield f"{where}: {name} has no team: {chart.name} label"
            if not labels.get("service"):
                yield f"{where}: {name} has no service label"
            runbook = annotations.get("runbook_url", "")
            if not runbook.startswith("docs/runbooks/") or not (ROOT / runbook).is_file():
                yield f"{where}: {name}: runbook_url {runbook!r} is no page under docs/runbooks/"


def check_rules() -> None:
    rules = [str(p) for p in rule_files()]
    tests = sorted(str(p) for p in (PROMETHEUS_DIR / "tests").glob("*.yaml"))
    if not rules or not tests:
        raise CheckFailed("no Prometheus rules or rule tests found")
    for args in (["check", "rules", *rules], ["test", "rules", *tests]):
        result = subprocess.run([promtool(), *args], capture_output=True, text=True)  # noqa: S603 - our own tools, fixed arguments
        if result.returncode != 0:
            raise CheckFailed(f"promtool {' '.join(args[:2])}:\n{result.stdout}{result.stderr}")
    problems = [p for path in rule_files() for p in alert_rule_problems(path)]
    if problems:
        raise CheckFailed("\n".join(problems))


MIRROR = "mirror.example.org/secretariat"
MIRROR_PULL_SECRET = "mirror-pull"  # noqa: S105 - the name of a pull Secret


def mirror_problems(docs: list[dict[str, Any]]) -> list[str]:
    """Every pod (services, hooks, trial data stores) pulls from the mirror with its Secret."""
    problems: list[str] = []
    for doc in docs:
        spec = pod_spec(doc)
        if spec is None:
            continue
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        secrets = [s.get("name") for s in spec.get("imagePullSecrets", [])]
        if MIRROR_PULL_SECRET not in secrets:
            problems.append(f"{name}: no imagePullSecrets {MIRROR_PULL_SECRET}")
        for container in spec.get("initContainers", []) + spec["containers"]:
            if not container["image"].startswith(f"{MIRROR}/"):
                problems.append(f"{name}: image {container['image']} not from {MIRROR}")
    return problems


def check_mirror_only() -> None:
    """A cluster that pulls only from a mirror: the umbrella's trial, with its in-cluster
    PostgreSQL and RabbitMQ, honours global.image.registry and global.image.pullSecrets."""
    manifest = render(
        HELM_DIR / "secretariat",
        ENVIRONMENTS / "trial.yaml",
        "--set",
        f"global.image.registry={MIRROR}",
        "--set",
        f"global.image.pullSecrets[0]={MIRROR_PULL_SECRET}",
    )
    docs = documents(manifest)
    kinds = {d["kind"] for d in docs}
    if "StatefulSet" not in kinds:
        raise CheckFailed("the trial renders no in-cluster data store")
    problems = mirror_problems(docs)
    if problems:
        raise CheckFailed("\n".join(problems))


def check_standalone_charts() -> None:
    """``helm template`` of each deployable's chart alone (the production example, as
    ``skaffold -p prod`` installs it) holds its workload, Service, alerts, dashboard and
    NetworkPolicy; the documents are validated strict in the chart scenarios. The
    workbench serves no metrics, so it owes only its workload, Service and policy."""
    problems: list[str] = []
    for chart in application_charts():
        if chart_schemas.chart_kind(chart) == "umbrella":
            continue
        if chart_schemas.chart_kind(chart) == "web":
            kinds = {d["kind"] for d in documents(render(chart, ENVIRONMENTS / "production.yaml"))}
            missing = [k for k in ("Deployment", "Service", "NetworkPolicy") if k not in kinds]
            if missing:
                problems.append(f"{chart.name} alone renders no {', '.join(missing)}")
            continue
        docs = documents(render(chart, ENVIRONMENTS / "production.yaml"))
        kinds = {d["kind"] for d in docs}
        missing = [k for k in STANDALONE_KINDS if k not in kinds]
        if not any(
            d["kind"] == "ConfigMap" and "-dashboard-" in d["metadata"]["name"] for d in docs
        ):
            missing.append("dashboard ConfigMap")
        if missing:
            problems.append(f"{chart.name} alone renders no {', '.join(missing)}")
    if problems:
        raise CheckFailed("\n".join(problems))


def dashboard_problems(path: Path, board: dict[str, Any]) -> Iterator[str]:
    for key in ("uid", "title", "panels", "templating", "schemaVersion"):
        if key not in board:
            yield f"{path.name}: no {key}"
    variables = {v["name"] for v in board.get("templating", {}).get("list", [])}
    for variable in ("datasource", "namespace", "release"):
        if variable not in variables:
            yield f"{path.name}: no {variable} variable"
    ids = [p["id"] for p in board.get("panels", [])]
    if len(ids) != len(set(ids)):
        yield f"{path.name}: duplicate panel ids"
    for panel in board.get("panels", []):
        where = f"{path.name} panel {panel.get('title')!r}"
        grid = panel.get("gridPos", {})
        if not {"h", "w", "x", "y"} <= set(grid) or grid["x"] + grid["w"] > 24:
            yield f"{where}: bad gridPos {grid}"
        if panel.get("type") == "row":
            continue
        if panel.get("datasource", {}).get("uid") != "${datasource}":
            yield f"{where}: does not use the datasource variable"
        targets = panel.get("targets", [])
        if not targets or not all(t.get("expr") and t.get("refId") for t in targets):
            yield f"{where}: a target without expr or refId"
        if panel.get("fieldConfig", {}).get("defaults", {}).get("noValue") != "0":
            yield f"{where}: shows 'No data' instead of 0 before its first sample (noValue)"
        for target in targets:
            if dashboards.scoped(target.get("expr", "")) != target.get("expr"):
                yield f"{where}: a selector not narrowed to $namespace and $release"


def check_dashboards() -> None:
    paths = sorted(HELM_DIR.glob("*/dashboards/*.json"))
    problems: list[str] = []
    uids: dict[str, Path] = {}
    for path in paths:
        try:
            board = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            problems.append(f"{path}: not JSON: {exc}")
            continue
        problems.extend(dashboard_problems(path, board))
        if board.get("uid") in uids:
            problems.append(f"{path.name}: uid {board['uid']} also in {uids[board['uid']].name}")
        uids[board.get("uid", "")] = path
    if not paths:
        problems.append("no dashboards found")
    if problems:
        raise CheckFailed("\n".join(problems))


def check_tests() -> None:
    env = dict(os.environ, SECRETARIAT_DEPLOY_CHECK="1")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "deploy/tests"],
        cwd=ROOT,
        env=env,
    )
    if result.returncode != 0:
        raise CheckFailed("deploy tests failed (see above)")


def main() -> int:
    steps: list[tuple[str, Callable[[], None]]] = [
        ("generated files are current", check_generated),
        ("chart dependencies", build_dependencies),
        (f"helm lint --strict, helm template, kubernetes-validate {KUBE_VERSION}", check_charts),
        (
            "each service chart alone: workload, Service, alerts, dashboard, policy",
            check_standalone_charts,
        ),
        ("a mirror-only cluster: every image from global.image.registry", check_mirror_only),
        ("promtool check rules, promtool test rules, team labels, runbooks, windows", check_rules),
        ("Grafana dashboards", check_dashboards),
        ("deploy tests", check_tests),
    ]
    started = time.monotonic()
    for title, step in steps:
        print(f"deploy-check: {title}", flush=True)
        try:
            step()
        except CheckFailed as exc:
            print(f"deploy-check FAILED: {title}\n{exc}", file=sys.stderr)
            return 1
    print(f"deploy-check: all passed in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
