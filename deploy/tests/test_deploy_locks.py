"""Issue 19: dependencies are locked with hashes (``make lock``), and what installs them
(``make install``, CI through it, each image's Dockerfile) installs from the locks."""

from __future__ import annotations

import hashlib
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("lock", ROOT / "scripts" / "lock.py")
assert _spec is not None
assert _spec.loader is not None
lock = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lock)

_PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;\\]+)")


def pinned(path: Path) -> dict[str, str]:
    """Package → version of a lock, each pin followed by at least one sha256 hash."""
    pins: dict[str, str] = {}
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        match = _PIN.match(line)
        if match:
            assert "--hash=sha256:" in lines[i + 1], f"{path.name}: {match.group(1)} has no hash"
            pins[canonicalize_name(match.group(1).split("[")[0])] = match.group(2)
    return pins


def requirement_lines(path: Path) -> list[str]:
    out: list[str] = []
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            out += requirement_lines(path.parent / line[3:].strip())
        elif line:
            out.append(line)
    return out


def test_dev_lock_pins_every_requirement_with_a_hash_at_a_version_it_allows() -> None:
    pins = pinned(ROOT / "requirements" / "dev.lock")
    for line in requirement_lines(ROOT / "requirements" / "dev.txt"):
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements/dev.lock: run make lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{requirement.name} {requirement.specifier} but dev.lock pins {pins[name]}: make lock"
        )


@pytest.mark.parametrize("name", sorted(lock.deployables()))
def test_each_image_installs_its_own_lock_which_agrees_with_dev_lock(name: str) -> None:
    dev = pinned(ROOT / "requirements" / "dev.lock")
    path = ROOT / "requirements" / "locks" / f"{name}.lock"
    pins = pinned(path)
    for line in lock.image_requirements(lock.deployables()[name]):
        requirement = Requirement(line)
        assert canonicalize_name(requirement.name) in pins, f"{line} not in {path.name}"
    for package, version in pins.items():
        if package in dev:
            assert dev[package] == version, (
                f"{path.name} pins {package} {version}, dev.lock {dev[package]}"
            )
    folder = "gateway" if name == "gateway" else f"services/{name}"
    dockerfile = (ROOT / folder / "Dockerfile").read_text()
    assert f"COPY requirements/locks/{name}.lock" in dockerfile
    assert "--require-hashes" in dockerfile


def test_make_install_installs_from_the_lock_with_hashes_required() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install -q --require-hashes -r requirements/dev.lock" in makefile
    assert re.search(r"^lock: .*##", makefile, re.MULTILINE)
    assert "!requirements/locks/" in (ROOT / ".dockerignore").read_text()


def test_each_chart_pulls_by_default_the_image_tag_of_its_current_lock(render: Any) -> None:
    """Issue 19: a chart's default image tag follows its lock, so `make lock` moving a
    dependency gives a new tag rather than yesterday's image under the old one."""
    digest = hashlib.sha256((ROOT / "requirements/locks/documents.lock").read_bytes()).hexdigest()
    docs = render("documents")
    images = {
        c["image"]
        for d in docs
        if d["kind"] in ("Deployment", "Job")
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert images == {f"secretariat/documents:0.1.0-deps.{digest[:12]}"}
    pinned_tag = render("documents", "image:\n  tag: 2026.11.30\n")
    assert all(
        c["image"] == "secretariat/documents:2026.11.30"
        for d in pinned_tag
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
    )
