"""``make lock``: pin every third-party dependency, with hashes.

Writes, with ``uv pip compile --generate-hashes --universal`` for Python 3.11:

- ``requirements/dev.lock``: requirements/dev.txt (which includes runtime.txt),
  what ``make install`` and CI install (``pip install --require-hashes``);
- ``requirements/runtime.lock``: requirements/runtime.txt alone;
- ``requirements/locks/<deployable>.lock``: the dependencies of shared and one
  deployable (their pyproject.toml) plus grpcio-tools for the image's build
  stage, what its Dockerfile installs (deploy/tools/dockerfiles.py).

The runtime and image locks are constrained by dev.lock, so every lock pins
the same versions. A lock that exists is a preference: versions stay unless
a requirement changes or ``make lock UPGRADE=1`` asks for the newest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements"
LOCKS = REQUIREMENTS / "locks"
BUILD_ONLY = ["grpcio-tools"]
LIBRARIES = {"gateway": ["directory"]}
"""Packages of this repository an image holds besides shared (deploy/tools/dockerfiles.py)."""


def deployables() -> dict[str, Path]:
    """Each deployable's package folder: the gateway and every service."""
    found = {"gateway": ROOT / "gateway"}
    for pyproject in sorted((ROOT / "services").glob("*/pyproject.toml")):
        found[pyproject.parent.name] = pyproject.parent
    return found


def third_party(package: Path) -> list[str]:
    project = tomllib.loads((package / "pyproject.toml").read_text())["project"]
    return [d for d in project.get("dependencies", []) if not d.startswith("secretariat-")]


def image_requirements(package: Path) -> list[str]:
    """What one deployable's image installs: shared's, its libraries' and its own dependencies."""
    wanted = third_party(ROOT / "shared") + third_party(package) + BUILD_ONLY
    for library in LIBRARIES.get(package.name, []):
        wanted += third_party(ROOT / library)
    return sorted(set(wanted), key=str.lower)


def uv() -> str:
    found = Path(sys.executable).with_name("uv")
    if not found.exists():
        raise SystemExit("uv is not installed in this environment: run `make install`")
    return str(found)


def compile_lock(source: str, output: Path, *extra: str, stdin: str | None = None) -> None:
    args = [uv(), "pip", "compile", "--quiet", "--generate-hashes", "--universal"]
    args += ["--python-version", "3.11", "--no-header", "--annotation-style", "line"]
    if os.environ.get("UPGRADE") in ("1", "true", "yes"):
        args.append("--upgrade")
    args += [*extra, source, "-o", str(output.relative_to(ROOT))]
    subprocess.run(args, cwd=ROOT, input=stdin, text=True, check=True)
    print(f"wrote {output.relative_to(ROOT)}")


def main() -> int:
    LOCKS.mkdir(exist_ok=True)
    dev = REQUIREMENTS / "dev.lock"
    compile_lock("requirements/dev.txt", dev)
    pin = ["--constraint", str(dev.relative_to(ROOT))]
    compile_lock("requirements/runtime.txt", REQUIREMENTS / "runtime.lock", *pin)
    for name, package in deployables().items():
        text = "\n".join(image_requirements(package)) + "\n"
        compile_lock("-", LOCKS / f"{name}.lock", *pin, stdin=text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
