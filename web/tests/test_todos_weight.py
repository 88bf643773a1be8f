"""Issue 18 "done when": 我的待办 for a person with 100 open items weighs under 200 KB
(HTML plus its stylesheet; no script, no web font). The server time is measured and
printed (`-s`), a benchmark rather than a timed assertion."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from web_fake_gateway import State

pytestmark = pytest.mark.unit


def test_todos_with_100_open_items_weigh_under_200_kb(
    signed_in: Callable[[str], FlaskClient], gateway_state: State
) -> None:
    for i in range(100):
        gateway_state.inbox.append(
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
    client = signed_in("zhao.min")
    client.get("/")  # warm the directory cache as a running server has it
    started = time.perf_counter()
    page = client.get("/")
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert page.status_code == 200
    assert page.text.count('class="todo') >= 100
    stylesheet = client.get("/static/web.css")
    weight = len(page.data) + len(stylesheet.data)
    print(f"\n我的待办, 100 items: {weight / 1024:.1f} KB, {elapsed_ms:.0f} ms server time")
    assert weight < 200 * 1024
    assert "<script" not in page.text
