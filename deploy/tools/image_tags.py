"""Write (or check) each chart's ``appVersion``, the default image tag, from its lock.

An image holds shared, its own package and the third-party dependencies pinned in
``requirements/locks/<deployable>.lock`` (issue 19). A chart that defaulted to a
fixed ``0.1.0`` would keep pulling yesterday's image after ``make lock`` moved a
dependency. So the default tag is ``<chart version>-deps.<first 12 hex of the
lock's sha256>``: a new lock is a new tag, and ``make deploy-check`` fails while a
chart still names the old one. ``image.tag``/``global.image.tag`` and
``image.digest`` still override it (production pins digests).

    python deploy/tools/image_tags.py          # write
    python deploy/tools/image_tags.py --check  # exit 1 when a chart's appVersion is stale
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HELM_DIR = ROOT / "deploy" / "helm"
LOCKS = ROOT / "requirements" / "locks"
_APP_VERSION = re.compile(r"^appVersion: .*$", re.MULTILINE)
_VERSION = re.compile(r"^version: (\S+)$", re.MULTILINE)


def lock_digest(name: str) -> str:
    return hashlib.sha256((LOCKS / f"{name}.lock").read_bytes()).hexdigest()[:12]


def expected_app_version(chart: Path) -> str:
    match = _VERSION.search((chart / "Chart.yaml").read_text())
    if match is None:
        raise ValueError(f"{chart.name}/Chart.yaml has no version")
    return f"{match.group(1)}-deps.{lock_digest(chart.name)}"


def locked_charts() -> list[Path]:
    """The charts of deployables that have their own lock (the gateway and every service)."""
    return sorted(
        HELM_DIR / lock.stem for lock in LOCKS.glob("*.lock") if (HELM_DIR / lock.stem).is_dir()
    )


def main(argv: list[str]) -> int:
    check = "--check" in argv[1:]
    stale = []
    for chart in locked_charts():
        path = chart / "Chart.yaml"
        text = path.read_text()
        wanted = f'appVersion: "{expected_app_version(chart)}"'
        new = _APP_VERSION.sub(wanted, text, count=1)
        if new == text:
            continue
        if check:
            stale.append(str(path.relative_to(ROOT)))
        else:
            path.write_text(new)
            print(f"wrote {path.relative_to(ROOT)}: {wanted}")
    if stale:
        print(
            "charts whose appVersion does not follow their lock "
            "(run python deploy/tools/image_tags.py): " + ", ".join(stale),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
