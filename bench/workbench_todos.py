"""我的待办 for a person with 100 open items: page weight and server time (issue 18).

The workbench renders against the in-process fake of the gateway's HTTP API that
its tests use (``web/tests/web_fake_gateway.py``), so the time measured is the
workbench's own: one gateway round trip per list it reads, no network. Run by
hand; writes ``bench/results/<date>-workbench-todos.json``. Targets: under
200 KB (HTML and stylesheet) and under 300 ms server time at the median.

    .venv/bin/python bench/workbench_todos.py [--rounds 50]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "web" / "tests"))

from web.app import create_app  # noqa: E402
from web.settings import WebSettings  # noqa: E402
from web_fake_gateway import State, make_gateway  # noqa: E402

OPEN_ITEMS = 100


def _state() -> State:
    state = State()
    for i in range(OPEN_ITEMS):
        state.inbox.append(
            {
                "id": f"item-{i}",
                "recipient": "zhao.min",
                "kind": "document_step_assigned",
                "title": f"待拟办：SEC-2026-04-{i:03d} 关于做好年终总结工作的通知",
                "body": "文件的拟办环节已分派给您。",
                "subject_ref": f"documents/d{i}",
                "created_at": "2026-11-30T00:00:00Z",
                "read_at": None,
                "due_at": f"2026-12-{1 + i % 28:02d}T06:00:00Z",
            }
        )
    return state


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    transport = httpx.WSGITransport(app=make_gateway(_state()))
    settings = WebSettings(gateway_url="http://gateway.test", secret_key="bench-key")
    app = create_app(settings, transport=transport)
    client = app.test_client()
    login = client.post("/login", data={"username": "zhao.min", "password": "demo", "next": "/"})
    assert login.status_code == 302, login.text
    page = client.get("/")
    assert page.text.count('class="todo') >= OPEN_ITEMS, "the fake gateway's items did not show"
    timings: list[float] = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        page = client.get("/")
        timings.append((time.perf_counter() - started) * 1000)
    stylesheet = client.get("/static/web.css")
    weight = len(page.data) + len(stylesheet.data)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "open_items": OPEN_ITEMS,
        "rounds": args.rounds,
        "html_bytes": len(page.data),
        "stylesheet_bytes": len(stylesheet.data),
        "weight_kb": round(weight / 1024, 1),
        "weight_target_kb": 200,
        "server_ms_p50": round(statistics.median(timings), 1),
        "server_ms_p95": round(sorted(timings)[int(len(timings) * 0.95) - 1], 1),
        "server_ms_target": 300,
        "scripts": page.text.count("<script"),
    }
    out = ROOT / "bench" / "results" / f"{datetime.now(UTC).date()}-workbench-todos.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
