"""What the Helm charts promise an operator, checked on rendered manifests."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import Any

import deploy_check
import pytest

Render = Callable[..., list[dict[str, Any]]]

ROOT = deploy_check.ROOT


def existing_services() -> list[str]:
    """Services that exist: the ones `python -m <name> serve` can run (as run_system sees them)."""
    return sorted(p.parent.name for p in (ROOT / "services").glob("*/src/*/__main__.py"))


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
    return found


def env_names(deployment: dict[str, Any]) -> set[str]:
    return {e["name"] for e in container(deployment).get("env", [])}


def env_value(deployment: dict[str, Any], name: str) -> Any:
    for entry in container(deployment)["env"]:
        if entry["name"] == name:
            return entry.get("value", entry.get("valueFrom"))
    raise KeyError(name)


@pytest.mark.parametrize(
    ("chart", "values", "complaint"),
    [
        ("documents", "replicaCount: two\n", "/replicaCount"),
        ("infohub", "resources: 512Mi\n", "/resources"),
        ("gateway", "http:\n  workers: many\n", "/http/workers"),
        ("gateway", "demo: 'yes'\n", "/demo"),
        ("secretariat", "documents:\n  replicaCount: '2'\n", "/replicaCount"),
        (
            "secretariat",
            "global:\n  networkPolicy:\n    enabled: 'on'\n",
            "/global/networkPolicy/enabled",
        ),
        ("secretariat", "postgresql:\n  storage:\n    size: 8\n", "/postgresql/storage/size"),
    ],
)
def test_a_values_file_with_a_wrong_type_is_refused_by_the_schema(
    render_refused: Callable[[str, str], str], chart: str, values: str, complaint: str
) -> None:
    error = render_refused(chart, values)
    assert "schema" in error
    assert complaint in error


def test_a_misspelt_key_is_refused_rather_than_ignored(
    render_refused: Callable[[str, str], str],
) -> None:
    error = render_refused("secretariat", "documnets:\n  replicaCount: 3\n")
    assert "documnets" in error
    error = render_refused("documents", "replicas: 3\n")
    assert "replicas" in error


def test_the_umbrella_renders_the_gateway_and_every_service_that_exists(render: Render) -> None:
    services = existing_services()
    assert {"documents", "infohub"} <= set(services)
    deployments = by_kind(render("secretariat"), "Deployment")
    expected = {"secretariat-gateway", "secretariat-gateway-directory"}
    expected |= {f"secretariat-{name}" for name in services}
    assert expected <= set(deployments)
    for name in services:
        assert container(deployments[f"secretariat-{name}"])["args"] == ["serve"]


def test_every_service_that_exists_has_a_chart_and_is_in_the_umbrella() -> None:
    umbrella = (deploy_check.HELM_DIR / "secretariat" / "Chart.yaml").read_text()
    gateway_values = (deploy_check.HELM_DIR / "gateway" / "values.yaml").read_text()
    for name in existing_services():
        assert (deploy_check.HELM_DIR / name / "Chart.yaml").exists(), name
        assert f"condition: {name}.enabled" in umbrella, name
        assert name in gateway_values.split("peers:", 1)[1].splitlines()[0], name


def test_migrations_run_as_a_hook_job_of_the_same_image(render: Render) -> None:
    docs = render("secretariat")
    jobs = by_kind(docs, "Job")
    deployments = by_kind(docs, "Deployment")
    for name in ["gateway", *existing_services()]:
        job = jobs[f"secretariat-{name}-migrate"]
        annotations = job["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert container(job)["args"] == ["migrate"]
        assert container(job)["image"] == container(deployments[f"secretariat-{name}"])["image"]


def test_a_trial_seeds_demo_people_with_a_generated_password_and_says_how_to_read_it(
    render: Render,
) -> None:
    docs = render("secretariat", "gateway:\n  demo: true\n")
    gateway = by_kind(docs, "Deployment")["secretariat-gateway"]
    [entry] = [e for e in container(gateway)["env"] if e["name"] == "SECRETARIAT_DEMO_PASSWORD"]
    assert entry["valueFrom"]["secretKeyRef"]["key"] == "demo-password"
    assert "demo" not in [e.get("value") for e in container(gateway)["env"]]
    keygen = next(d for d in docs if d["kind"] == "Job" and "keygen" in d["metadata"]["name"])
    keys = next(e["value"] for e in container(keygen)["env"] if e["name"] == "SECRET_KEYS")
    assert '"demo-password": "password"' in keys or '"demo-password":"password"' in keys


def test_a_trial_migrates_after_install_once_the_in_cluster_postgresql_is_up(
    render: Render,
) -> None:
    docs = render(
        "secretariat", "global:\n  postgresql: {inCluster: true}\n  rabbitmq: {inCluster: true}\n"
    )
    job = by_kind(docs, "Job")["secretariat-documents-migrate"]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,pre-upgrade"
    init = job["spec"]["template"]["spec"]["initContainers"][0]
    assert init["name"] == "ensure-database"
    assert "CREATE DATABASE" in init["args"][0]
    initdb = by_kind(docs, "ConfigMap")["secretariat-postgresql-initdb"]["data"]["10-databases.sql"]
    for name in ["gateway", *existing_services()]:
        assert f'CREATE DATABASE "secretariat_{name}";' in initdb
    documents = by_kind(docs, "Deployment")["secretariat-documents"]
    assert env_value(documents, "SECRETARIAT_DATABASE_URL") == (
        "postgresql+psycopg://secretariat:$(DATABASE_PASSWORD)"
        "@secretariat-postgresql:5432/secretariat_documents"
    )
    assert env_value(documents, "SECRETARIAT_AMQP_URL") == (
        "amqp://secretariat:$(AMQP_PASSWORD)@secretariat-rabbitmq:5672//"
    )
    assert {"secretariat-postgresql", "secretariat-rabbitmq"} <= set(by_kind(docs, "StatefulSet"))


def test_production_reads_every_secret_from_existing_secrets(render: Render) -> None:
    docs = render(
        "secretariat",
        "global:\n"
        "  secrets: {existingSecret: platform}\n"
        "  database: {existingSecret: databases}\n"
        "  amqp: {existingSecret: broker, existingSecretKey: url}\n"
        "secrets: {generate: false}\n",
    )
    assert "Secret" not in {d["kind"] for d in docs}
    assert not [d for d in docs if d["metadata"]["name"].endswith("keygen")]
    documents = by_kind(docs, "Deployment")["secretariat-documents"]
    assert env_value(documents, "SECRETARIAT_DATABASE_URL") == {
        "secretKeyRef": {"name": "databases", "key": "documents"}
    }
    assert env_value(documents, "SECRETARIAT_AMQP_URL") == {
        "secretKeyRef": {"name": "broker", "key": "url"}
    }
    assert env_value(documents, "SECRETARIAT_SEAL_PRIVATE_KEY") == {
        "secretKeyRef": {"name": "platform", "key": "seal-private-key"}
    }


def required_settings(cls: type) -> set[str]:
    return {
        "SECRETARIAT_" + f.name.upper()
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }


def settings_class(service: str) -> type:
    """The service's own settings class when it has one, else the shared ServiceSettings."""
    try:
        module = importlib.import_module(f"{service}.settings")
    except ModuleNotFoundError:
        module = importlib.import_module("secretariat_shared.settings")
        found: type = module.ServiceSettings
        return found
    shared = importlib.import_module("secretariat_shared.settings").ServiceSettings
    classes = [
        c
        for c in vars(module).values()
        if isinstance(c, type) and issubclass(c, shared) and c is not shared
    ]
    return classes[0] if classes else shared


def test_every_process_gets_each_setting_it_requires(render: Render) -> None:
    """A required SECRETARIAT_* variable left out would stop the pod at start (rule 12)."""
    gateway_settings = importlib.import_module("gateway.settings")
    deployments = by_kind(render("secretariat"), "Deployment")
    wanted: dict[str, set[str]] = {
        "secretariat-gateway": required_settings(gateway_settings.GatewaySettings),
        "secretariat-gateway-directory": required_settings(
            importlib.import_module("directory.settings").DirectoryServerSettings
        ),
    }
    for name in existing_services():
        wanted[f"secretariat-{name}"] = required_settings(settings_class(name)) | {
            "SECRETARIAT_DIRECTORY_ADDRESS"
        }
    for deployment, names in wanted.items():
        missing = names - env_names(deployments[deployment])
        assert not missing, f"{deployment} lacks {missing}"
    for name in existing_services():
        assert env_value(deployments[f"secretariat-{name}"], "SECRETARIAT_GRPC_HOST") == "0.0.0.0"
    # Headless Services and dns:/// targets: clients balance over every replica (issue 21).
    assert env_value(deployments["secretariat-facilities"], "SECRETARIAT_DOCUMENTS_ADDRESS") == (
        "dns:///secretariat-documents-grpc:50051"
    )
    assert env_value(deployments["secretariat-documents"], "SECRETARIAT_DIRECTORY_ADDRESS") == (
        "dns:///secretariat-gateway-directory-grpc:50050"
    )
    # A service without a named gateway setting is routed through SECRETARIAT_SERVICES.
    assert "career=dns:///secretariat-career-grpc:50051" in env_value(
        deployments["secretariat-gateway"], "SECRETARIAT_SERVICES"
    ).split(",")


def test_each_grpc_service_has_a_headless_service_for_client_side_balancing(
    render: Render,
) -> None:
    documents = [d for d in render("documents") if d["kind"] == "Service"]
    headless = [d for d in documents if d["spec"].get("clusterIP") == "None"]
    assert [d["metadata"]["name"] for d in headless] == ["secretariat-documents-grpc"]
    assert [p["name"] for p in headless[0]["spec"]["ports"]] == ["grpc"]


def ingress_sources(policy: dict[str, Any], port: int) -> list[dict[str, Any]]:
    sources: list[dict[str, Any]] = []
    for rule in policy["spec"].get("ingress", []):
        if port in [p["port"] for p in rule.get("ports", [])]:
            sources.extend(rule.get("from", [{"anyone": True}]))
    return sources


def names_of(sources: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {
        (
            s["podSelector"]["matchLabels"].get("app.kubernetes.io/name", "*"),
            s["podSelector"]["matchLabels"].get("app.kubernetes.io/component", "*"),
        )
        for s in sources
        if "podSelector" in s
    }


def test_only_the_gateway_and_named_peers_reach_a_service(render: Render) -> None:
    policies = by_kind(render("secretariat"), "NetworkPolicy")
    assert names_of(ingress_sources(policies["secretariat-documents"], 50051)) == {
        ("gateway", "http"),
        ("facilities", "server"),
        ("archives", "server"),
        ("performance", "server"),
    }
    assert names_of(ingress_sources(policies["secretariat-infohub"], 50051)) == {
        ("gateway", "http")
    }
    # every pod of the platform reaches the Directory
    directory = ingress_sources(policies["secretariat-gateway-directory"], 50050)
    assert directory == [
        {
            "podSelector": {
                "matchLabels": {
                    "app.kubernetes.io/part-of": "secretariat",
                    "secretariat.io/platform": "secretariat",
                }
            }
        }
    ]
    egress = policies["secretariat-facilities"]["spec"]["egress"]
    callees = {
        (peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"], rule["ports"][0]["port"])
        for rule in egress
        for peer in rule.get("to", [])
        if "podSelector" in peer
    }
    assert callees == {("gateway", 50050), ("documents", 50051)}
    data_ports = {p["port"] for rule in egress if "to" not in rule for p in rule["ports"]}
    assert {53, 5432, 5672} <= data_ports


def test_a_platform_without_a_service_the_gateway_routes_to_is_refused(
    render_refused: Callable[[str, str], str], render: Render
) -> None:
    error = render_refused("secretariat", "meetings:\n  enabled: false\n")
    assert 'gateway.peers names "meetings"' in error
    docs = render(
        "secretariat",
        "gateway:\n  peers: [documents, infohub]\nmeetings:\n  enabled: false\n"
        "facilities:\n  enabled: false\n",
    )
    assert "secretariat-meetings" not in by_kind(docs, "Deployment")


def test_switches_add_servicemonitor_hpa_and_pdb(render: Render) -> None:
    plain = render("documents")
    assert not {"ServiceMonitor", "HorizontalPodAutoscaler"} & {d["kind"] for d in plain}
    # Issue 21: a PDB by default, letting a drain take one replica at a time.
    assert by_kind(plain, "PodDisruptionBudget")["secretariat-documents"]["spec"] == {
        "maxUnavailable": 1,
        "selector": by_kind(plain, "PodDisruptionBudget")["secretariat-documents"]["spec"][
            "selector"
        ],
    }
    docs = render(
        "documents",
        "serviceMonitor: {enabled: true}\nautoscaling: {enabled: true}\n"
        "podDisruptionBudget: {enabled: true, minAvailable: 1}\n",
    )
    monitor = by_kind(docs, "ServiceMonitor")["secretariat-documents"]
    assert monitor["spec"]["endpoints"][0]["port"] == "metrics"
    assert monitor["spec"]["endpoints"][0]["honorLabels"] is True
    assert (
        by_kind(docs, "HorizontalPodAutoscaler")["secretariat-documents"]["spec"]["maxReplicas"]
        == 6
    )
    assert "replicas" not in by_kind(docs, "Deployment")["secretariat-documents"]["spec"]
    assert (
        by_kind(docs, "PodDisruptionBudget")["secretariat-documents"]["spec"]["minAvailable"] == 1
    )


def test_dashboards_ship_as_configmaps_grafana_picks_up(render: Render) -> None:
    maps = by_kind(render("secretariat"), "ConfigMap")
    dashboards = {n: m for n, m in maps.items() if "dashboard" in n}
    assert {
        "secretariat-secretariat-dashboard-sla-overview",
        "secretariat-gateway-dashboard-gateway",
        "secretariat-documents-dashboard-documents",
        "secretariat-infohub-dashboard-infohub",
    } <= set(dashboards)
    for config_map in dashboards.values():
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"


def test_the_house_rules_catch_a_writable_root_filesystem(render: Render) -> None:
    docs = render("documents", "securityContext:\n  readOnlyRootFilesystem: false\n")
    problems = deploy_check.house_rules(docs, "documents")
    assert any("root filesystem is writable" in p for p in problems)
    assert not deploy_check.house_rules(render("documents"), "documents")


def test_gateway_probes_http_and_the_directory_probes_grpc(render: Render) -> None:
    deployments = by_kind(render("gateway"), "Deployment")
    http = container(deployments["secretariat-gateway"])
    assert http["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert http["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "http"}
    assert http["args"] == ["http"]
    directory = container(deployments["secretariat-gateway-directory"])
    assert directory["readinessProbe"]["grpc"] == {"port": 50050}
    assert directory["args"] == ["directory"]


def test_every_image_runs_as_the_uid_the_dockerfiles_create(render: Render) -> None:
    dockerfile = (ROOT / "services" / "documents" / "Dockerfile").read_text()
    assert "USER 10001:10001" in dockerfile
    for deployment in by_kind(render("secretariat"), "Deployment").values():
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 10001


def test_charts_render_without_unset_values(charts_ready: None) -> None:
    """`helm lint --strict` treats a missing value as an error; every chart passes it."""
    for chart in deploy_check.application_charts():
        result = deploy_check.helm("lint", "--strict", str(chart), check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def test_gateway_metrics_are_scraped_from_their_own_port_not_the_public_one(
    render: Render,
) -> None:
    """Issue 13: /metrics of the gateway was served on its public HTTP port."""
    docs = render("gateway", "serviceMonitor: {enabled: true}\n")
    http = by_kind(docs, "Deployment")["secretariat-gateway"]
    assert env_value(http, "SECRETARIAT_HTTP_METRICS_BIND") == "0.0.0.0:9090"
    assert {"name": "metrics", "containerPort": 9090, "protocol": "TCP"} in container(http)["ports"]
    monitor = by_kind(docs, "ServiceMonitor")["secretariat-gateway"]
    assert monitor["spec"]["endpoints"][0]["port"] == "metrics"
    policy = by_kind(docs, "NetworkPolicy")["secretariat-gateway"]
    assert {9090, 8080} <= {
        port["port"] for rule in policy["spec"]["ingress"] for port in rule["ports"]
    }


def test_production_switches_the_docs_off_and_trusts_the_ingress_for_client_addresses(
    render: Render,
) -> None:
    """Issue 13: /docs could not be switched off; behind an ingress every login came
    from one address."""
    values = (ROOT / "deploy" / "helm" / "gateway" / "ci" / "production-values.yaml").read_text()
    http = by_kind(render("gateway", values), "Deployment")["secretariat-gateway"]
    assert env_value(http, "SECRETARIAT_API_DOCS") == "0"
    assert env_value(http, "SECRETARIAT_TRUSTED_PROXY_HOPS") == "1"
    plain = by_kind(render("gateway"), "Deployment")["secretariat-gateway"]
    assert env_value(plain, "SECRETARIAT_API_DOCS") == "1"


def test_gateway_drains_within_its_grace_period_and_hears_directory_changes(
    render: Render,
) -> None:
    """Issue 21: /readyz fails for drainSeconds, then gunicorn's graceful stop
    (15 s) ends, all before Kubernetes kills the pod; every HTTP worker has the
    bus to hear directory changes on."""
    pod = by_kind(render("gateway"), "Deployment")["secretariat-gateway"]["spec"]["template"]
    spec = pod["spec"]
    env = {e["name"]: e for e in spec["containers"][0]["env"]}
    drain = float(env["SECRETARIAT_HTTP_DRAIN_SECONDS"]["value"])
    assert drain > 0
    assert spec["terminationGracePeriodSeconds"] >= drain + 15
    assert "SECRETARIAT_AMQP_URL" in env


def test_trial_data_stores_pull_from_the_mirror_with_its_pull_secret(render: Render) -> None:
    """Issue 19: a mirror-only cluster; the in-cluster PostgreSQL and RabbitMQ honour
    global.image.registry and global.image.pullSecrets like every other image."""
    docs = render(
        "secretariat",
        "global:\n"
        "  image:\n"
        f"    registry: {deploy_check.MIRROR}\n"
        f"    pullSecrets: [{deploy_check.MIRROR_PULL_SECRET}]\n"
        "  postgresql: {inCluster: true}\n"
        "  rabbitmq: {inCluster: true}\n",
    )
    stores = [d for d in docs if d["kind"] == "StatefulSet"]
    assert {d["metadata"]["name"] for d in stores} == {
        "secretariat-postgresql",
        "secretariat-rabbitmq",
    }
    assert deploy_check.mirror_problems(docs) == []
    pinned = render(
        "secretariat",
        "global:\n  postgresql: {inCluster: true}\n"
        "postgresql:\n  image:\n    registry: hub.example.org/library\n"
        f"    digest: sha256:{'a' * 64}\n",
    )
    (postgres,) = [
        d
        for d in pinned
        if d["metadata"]["name"] == "secretariat-postgresql" and d["kind"] == "StatefulSet"
    ]
    image = postgres["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == f"hub.example.org/library/postgres@sha256:{'a' * 64}"


def _secret_refs(doc: dict[str, Any]) -> dict[str, tuple[str, str]]:
    spec = doc["spec"]["template"]["spec"]
    refs: dict[str, tuple[str, str]] = {}
    for container in spec.get("initContainers", []) + spec["containers"]:
        for entry in container.get("env", []):
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                refs[entry["name"]] = (ref["name"], ref["key"])
    return refs


def test_issue19_the_signing_key_reaches_only_the_gateway_and_each_service_its_own_key(
    render: Render,
) -> None:
    docs = render("secretariat", "global:\n  instance: trial\n")
    workloads = [d for d in docs if d["kind"] in {"Deployment", "Job", "StatefulSet"}]
    signing = {
        d["metadata"]["name"]
        for d in workloads
        if any(key == "identity-private-key" for _, key in _secret_refs(d).values())
    }
    assert signing == {"trial-gateway"}
    gateway = next(d for d in workloads if d["metadata"]["name"] == "trial-gateway")
    assert _secret_refs(gateway)["SECRETARIAT_IDENTITY_PRIVATE_KEY"] == (
        "trial-gateway-identity",
        "identity-private-key",
    )
    for service in ("documents", "facilities", "archives"):
        deployment = next(
            d
            for d in docs
            if d["kind"] == "Deployment" and d["metadata"]["name"] == f"trial-{service}"
        )
        refs = _secret_refs(deployment)
        assert refs["SECRETARIAT_SERVICE_PRIVATE_KEY"] == (
            f"trial-{service}-credentials",
            "service-private-key",
        )
        assert refs["SECRETARIAT_SERVICE_PUBLIC_KEYS"] == ("trial-secrets", "service-public-keys")
        assert not any(name.endswith("-gateway-identity") for name, _ in refs.values())
