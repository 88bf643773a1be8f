"""``make deploy-check``: every deployment artefact checked without a cluster.

1. Generated files are current: values schemas, dashboards, Dockerfiles,
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

import chart_schemas  # noqa: E402
import config_reference  # noqa: E402
import dashboards  # noqa: E402
import dockerfiles  # noqa: E402

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
CUSTOM_KINDS = {("monitoring.coreos.com/v1", "ServiceMonitor"): SERVICE_MONITOR_SCHEMA}


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
        ("Dockerfiles", dockerfiles.main),
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


def check_rules() -> None:
    rules = sorted(str(p) for p in (PROMETHEUS_DIR / "rules").glob("*.yaml"))
    tests = sorted(str(p) for p in (PROMETHEUS_DIR / "tests").glob("*.yaml"))
    if not rules or not tests:
        raise CheckFailed("no Prometheus rules or rule tests found")
    for args in (["check", "rules", *rules], ["test", "rules", *tests]):
        result = subprocess.run([promtool(), *args], capture_output=True, text=True)  # noqa: S603 - our own tools, fixed arguments
        if result.returncode != 0:
            raise CheckFailed(f"promtool {' '.join(args[:2])}:\n{result.stdout}{result.stderr}")


def dashboard_problems(path: Path, board: dict[str, Any]) -> Iterator[str]:
    for key in ("uid", "title", "panels", "templating", "schemaVersion"):
        if key not in board:
            yield f"{path.name}: no {key}"
    variables = {v["name"] for v in board.get("templating", {}).get("list", [])}
    if "datasource" not in variables:
        yield f"{path.name}: no datasource variable"
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
        ("promtool check rules, promtool test rules", check_rules),
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
