"""The images: each holds what its code imports, its build context holds what it copies,
and skaffold builds and deploys every deployable."""

from __future__ import annotations

import ast
import fnmatch
import importlib.metadata as metadata
import re
import sys
import tomllib
from pathlib import Path

import dockerfiles
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
DEPLOYABLES = dockerfiles.deployables()
FIRST_PARTY = {"secretariat", "secretariat_shared"}
# The pytest plugin ships in the shared package but never runs in an image.
NOT_IN_IMAGES = {ROOT / "shared" / "src" / "secretariat_shared" / "testing.py"}


def declared(pyproject: Path) -> list[Requirement]:
    deps = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    return [Requirement(d) for d in deps if not d.startswith("secretariat-")]


def installed_closure(requirements: list[Requirement]) -> set[str]:
    """Distributions pip installs for these requirements (as installed in .venv)."""
    seen: set[str] = set()
    todo = [(r, frozenset(r.extras)) for r in requirements]
    while todo:
        requirement, extras = todo.pop()
        name = canonicalize_name(requirement.name)
        key = f"{name}[{','.join(sorted(extras))}]"
        if key in seen:
            continue
        seen.add(key)
        try:
            children = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue
        for line in children:
            child = Requirement(line)
            wanted = child.marker is None or any(
                child.marker.evaluate({"extra": extra}) for extra in (extras | {""})
            )
            if wanted:
                todo.append((child, frozenset(child.extras)))
    return {k.split("[", 1)[0] for k in seen}


OPTIONAL_IN_SHARED = {
    "reportlab": "secretariat_shared.pdf",
    "openpyxl": "secretariat_shared.spreadsheets",
}
"""Libraries only one shared module imports: an image needs them when its own code
uses that module (the module's docstring says so)."""


def imported_modules(folders: list[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in folders:
        for path in folder.rglob("*.py"):
            if path in NOT_IN_IMAGES:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        found.setdefault(alias.name.split(".")[0], path)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.setdefault(node.module.split(".")[0], path)
    return found


@pytest.mark.parametrize("deployable", DEPLOYABLES, ids=[d.name for d in DEPLOYABLES])
def test_each_image_installs_every_library_its_code_imports(
    deployable: dockerfiles.Deployable,
) -> None:
    """The image installs only the declared dependencies of shared, the libraries it
    holds (the gateway: directory) and the package."""
    package = ROOT / deployable.directory
    libraries = [ROOT / lib for lib in deployable.libraries]
    closure = installed_closure(
        declared(ROOT / "shared" / "pyproject.toml")
        + [d for lib in libraries for d in declared(lib / "pyproject.toml")]
        + declared(package / "pyproject.toml")
    )
    owners = metadata.packages_distributions()
    local = {
        p.name for folder in (package, *libraries) for p in (folder / "src").iterdir() if p.is_dir()
    } | FIRST_PARTY
    folders = [
        ROOT / "shared" / "src" / "secretariat_shared",
        *(lib / "src" for lib in libraries),
        package / "src",
        package / "migrations",
    ]
    own_code = "\n".join(p.read_text() for p in (package / "src").rglob("*.py"))
    missing = {}
    for module, where in imported_modules(folders).items():
        if module in sys.stdlib_module_names or module in local or module == "__future__":
            continue
        optional = OPTIONAL_IN_SHARED.get(module)
        if optional and optional not in own_code:
            continue
        dists = {canonicalize_name(d) for d in owners.get(module, [module])}
        if not dists & closure:
            missing[module] = str(where.relative_to(ROOT))
    assert not missing, (
        f"{deployable.name}'s image would lack these imports (add them to "
        f"{deployable.directory}/pyproject.toml): {missing}"
    )


def dockerignore() -> list[tuple[bool, str]]:
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        rules.append((negated, line.lstrip("!").strip("/")))
    return rules


def _matches(pattern: str, path: str) -> bool:
    """Docker's matching: a pattern matches a path or any folder above it; ** spans folders."""
    parts = path.split("/")
    regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*")
    regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
    return any(
        re.fullmatch(regex, "/".join(parts[:i])) for i in range(1, len(parts) + 1)
    ) or fnmatch.fnmatch(path, pattern)


def in_context(path: str) -> bool:
    included = True
    for negated, pattern in dockerignore():
        if _matches(pattern, path):
            included = negated
    return included


@pytest.mark.parametrize("deployable", DEPLOYABLES, ids=[d.name for d in DEPLOYABLES])
def test_the_build_context_holds_what_each_dockerfile_copies_and_no_more(
    deployable: dockerfiles.Deployable,
) -> None:
    text = deployable.dockerfile.read_text()
    sources = []
    for line in text.splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            words = [w for w in line.split()[1:] if not w.startswith("--")]
            sources.extend(words[:-1])
    assert sources
    for source in sources:
        assert in_context(source), f"{source} is excluded by .dockerignore"
        assert (ROOT / source).exists(), source
    for outside in (
        ".venv/bin/python",
        ".git/HEAD",
        "e2e-tests/conftest.py",
        ".data/x",
        "services/documents/tests/unit",
        "shared/src/secretariat/common",
    ):
        assert not in_context(outside), f"{outside} would be sent to the builder"


@pytest.mark.parametrize("deployable", DEPLOYABLES, ids=[d.name for d in DEPLOYABLES])
def test_each_dockerfile_is_multi_stage_non_root_on_an_exact_base(
    deployable: dockerfiles.Deployable,
) -> None:
    text = deployable.dockerfile.read_text()
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
    assert base is not None
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", base.group(1))
    assert text.count("\nFROM ") == 2
    assert "USER 10001:10001" in text
    if deployable.contracts:  # the workbench speaks HTTP only
        assert "grpc_tools.protoc" in text  # contracts generated in the build
        assert "pip uninstall -y -q grpcio-tools" in text  # and the generator left behind


def test_skaffold_builds_every_deployable_and_deploys_the_helm_releases() -> None:
    config = yaml.safe_load((ROOT / "skaffold.yaml").read_text())
    artifacts = {a["image"]: a for a in config["build"]["artifacts"]}
    assert set(artifacts) == {f"secretariat/{d.name}" for d in DEPLOYABLES}
    for deployable in DEPLOYABLES:
        artifact = artifacts[f"secretariat/{deployable.name}"]
        assert artifact["context"] == "."
        assert artifact["docker"]["dockerfile"] == f"{deployable.directory}/Dockerfile"
    profiles = {p["name"]: p for p in config["profiles"]}
    assert set(profiles) == {"dev", "prod"}
    for release_set in (config["deploy"], profiles["dev"]["deploy"]):
        (umbrella,) = release_set["helm"]["releases"]
        assert umbrella["chartPath"] == "deploy/helm/secretariat"
        for deployable in DEPLOYABLES:
            assert f"{deployable.name}.image.repository" in umbrella["setValueTemplates"]
    prod = {r["chartPath"]: r for r in profiles["prod"]["deploy"]["helm"]["releases"]}
    assert set(prod) == {f"deploy/helm/{d.name}" for d in DEPLOYABLES}
    for release in prod.values():
        assert "IMAGE_DIGEST" in release["setValueTemplates"]["image.digest"]
        assert (ROOT / release["valuesFiles"][0]).exists()
    for chart in prod:
        assert (ROOT / chart / "Chart.yaml").exists()
