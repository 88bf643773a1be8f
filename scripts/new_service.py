"""``make new-service NAME=<name>``: lay out a new service on the service kit.

Writes, from ``scripts/service_template/``:

- ``services/<name>/``: package (domain, service_layer, adapters,
  entrypoints, bootstrap, ``__main__``), first migration (the platform
  tables by :mod:`secretariat_shared.platform_migration` and one table of
  its own), unit and integration tests;
- ``protos/secretariat/<name>/v1/<name>.proto``: one documented RPC with
  its HTTP rule and operation options;

then the deployment: a Helm chart ``deploy/helm/<name>`` (a copy of the
infohub chart), its entries in the umbrella chart, the gateway's peers and
``skaffold.yaml``, the package in ``pyproject.toml``'s tool settings, and
the generated Dockerfile, values schemas, dashboard stub and configuration
reference. Nothing in the gateway's code changes: ``scripts/run_system.py``
and the gateway chart route any other service through
``SECRETARIAT_SERVICES``. See docs/adding-a-service.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().parent / "service_template"
HELM = ROOT / "deploy" / "helm"
MODEL_CHART = "infohub"
NAME = re.compile(r"[a-z][a-z0-9]{1,29}")
RESERVED = {"gateway", "directory", "shared", "secretariat", "api", "common", "testing"}


def render(text: str, name: str) -> str:
    return text.replace("{{name}}", name).replace("{{Name}}", name.capitalize())


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")


def write_templates(name: str) -> None:
    for source in sorted(TEMPLATE.rglob("*.tmpl")):
        relative = source.relative_to(TEMPLATE).as_posix().replace("__name__", name)
        write(ROOT / relative.removesuffix(".tmpl"), render(source.read_text("utf-8"), name))


def copy_chart(name: str) -> None:
    """The model service chart with its name replaced; schema and dashboard are generated."""
    model = HELM / MODEL_CHART
    for source in sorted(model.rglob("*")):
        relative = source.relative_to(model)
        if source.is_dir() or relative.parts[0] in ("charts", "dashboards"):
            continue
        if source.name in ("Chart.lock", "values.schema.json"):
            continue
        text = source.read_text("utf-8").replace(MODEL_CHART, name)
        if source.name == "Chart.yaml":
            text = re.sub(
                r"(?m)^description: .*$", f"description: Secretariat {name} service.", text
            )
        write(HELM / name / relative.as_posix().replace(MODEL_CHART, name), text)


def edit(path: Path, change: str, old: str | re.Pattern[str], new: str) -> None:
    text = path.read_text("utf-8")
    if isinstance(old, re.Pattern):
        updated, count = old.subn(new, text, count=1)
    else:
        updated, count = text.replace(old, new, 1), int(old in text)
    if not count:
        raise SystemExit(f"cannot {change} in {path.relative_to(ROOT)}: the file changed shape")
    path.write_text(updated, encoding="utf-8")
    print(f"{change} in {path.relative_to(ROOT)}")


def register(name: str) -> None:
    umbrella = HELM / "secretariat"
    with (umbrella / "Chart.yaml").open("a", encoding="utf-8") as chart:
        chart.write(
            f"  - name: {name}\n    version: 0.1.0\n"
            f"    repository: file://../{name}\n    condition: {name}.enabled\n"
        )
    with (umbrella / "values.yaml").open("a", encoding="utf-8") as values:
        values.write(f"{name}:\n  enabled: true\n")
    edit(
        HELM / "gateway" / "values.yaml",
        "add the service to the gateway's peers",
        re.compile(r"(?m)^peers: \[(.*)\]$"),
        rf"peers: [\1, {name}]",
    )
    skaffold = ROOT / "skaffold.yaml"
    edit(
        skaffold,
        "add the image",
        "\ndeploy:\n",
        f"\n    - image: secretariat/{name}\n      context: .\n      docker:\n"
        f"        dockerfile: services/{name}/Dockerfile\ndeploy:\n",
    )
    text = skaffold.read_text("utf-8")
    text = re.sub(
        r"(?m)^( +)gateway\.image\.tag: .*\n",
        lambda m: (
            m.group(0)
            + f'{m.group(1)}{name}.image.repository: "{{{{.IMAGE_REPO_secretariat_{name}}}}}"\n'
            + f'{m.group(1)}{name}.image.tag: "{{{{.IMAGE_TAG_secretariat_{name}}}}}"\n'
        ),
        text,
    )
    release = "\n".join(
        [
            f"          - name: secretariat-{name}",
            f"            chartPath: deploy/helm/{name}",
            "            namespace: secretariat",
            "            valuesFiles: [deploy/environments/production.yaml]",
            "            setValueTemplates:",
            *(
                f'              image.{key}: "{{{{.IMAGE_{key.upper()}_secretariat_{name}}}}}"'
                for key in ("repository", "tag", "digest")
            ),
        ]
    )
    skaffold.write_text(text.rstrip("\n") + "\n" + release + "\n", encoding="utf-8")
    pyproject = ROOT / "pyproject.toml"
    edit(
        pyproject,
        "add the package to isort",
        re.compile(r"(known-first-party = \[.*)\]"),
        rf'\1, "{name}"]',
    )
    edit(
        pyproject,
        "add the package to mypy_path",
        re.compile(r'(mypy_path = "[^"]*)"'),
        rf'\1:services/{name}/src"',
    )
    edit(
        pyproject,
        "make the domain strictly typed",
        re.compile(r'(\n  "[^\n]*\.domain\.\*",\n)\]'),
        rf'\1  "{name}.domain.*",\n]',
    )


def regenerate(name: str) -> None:
    for tool in ("dockerfiles", "chart_schemas", "dashboards", "config_reference"):
        subprocess.run([sys.executable, str(ROOT / "deploy" / "tools" / f"{tool}.py")], check=True)
    ruff = Path(sys.executable).parent / "ruff"
    if ruff.exists():  # a long name may need lines wrapped or imports re-sorted
        package = str(ROOT / "services" / name)
        subprocess.run([str(ruff), "check", "-q", "--fix", package], check=False)
        subprocess.run([str(ruff), "format", "-q", package], check=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not NAME.fullmatch(argv[1]):
        print("usage: make new-service NAME=<lowercase letters and digits, 2-30>", file=sys.stderr)
        return 2
    name = argv[1]
    taken = [
        p
        for p in (ROOT / "services" / name, HELM / name, ROOT / "protos" / "secretariat" / name)
        if p.exists()
    ]
    if name in RESERVED or taken:
        print(
            f"{name!r} is taken: {', '.join(map(str, taken)) or 'a reserved name'}", file=sys.stderr
        )
        return 2
    write_templates(name)
    copy_chart(name)
    register(name)
    regenerate(name)
    print("\nnext: make install, then make run; see docs/adding-a-service.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
