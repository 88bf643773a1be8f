"""Build the descriptor set of protos/ as it was at a commit (for `buf breaking`).

python scripts/proto_image.py COMMIT OUT_FILE
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from google.api import annotations_pb2
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    commit, out = sys.argv[1], Path(sys.argv[2])
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "archive", commit, "protos"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        root = Path(folder) / "protos"
        files = sorted(str(p.relative_to(root)) for p in root.rglob("*.proto"))
        google_root = Path(annotations_pb2.__file__).resolve().parents[2]
        well_known = Path(protoc.__file__).resolve().parent / "_proto"
        return int(
            protoc.main(
                [
                    "protoc",
                    f"-I{root}",
                    f"-I{google_root}",
                    f"-I{well_known}",
                    "--include_imports",
                    "--include_source_info",
                    f"--descriptor_set_out={out}",
                    *files,
                ]
            )
        )


if __name__ == "__main__":
    sys.exit(main())
