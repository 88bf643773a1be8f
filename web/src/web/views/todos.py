"""我的待办 and opening an inbox item."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template
from werkzeug.wrappers import Response

from web import labels
from web.app import gw, me
from web.gateway import Problem
from web.todos import collect, subject_url

bp = Blueprint("todos", __name__)


@bp.get("/")
def index() -> str:
    todos = collect(gw(), me())
    processes: dict[str, str] = {}
    if any(t.kind == "approval" for t in todos):
        try:
            processes = {
                t["key"]: labels.template_name(t.get("name", ""), g.lang)
                for t in gw().unpaged("/api/v1/approval-templates")
            }
        except Problem:
            processes = {}
    return render_template("todos.html", todos=todos, processes=processes)


@bp.get("/inbox/<item_id>/open")
def open_item(item_id: str) -> Response | str:
    """Mark the item read and go to what it is about (one click to the item)."""
    items = gw().items("/api/v1/inbox", limit=300)
    item = next((i for i in items if i["id"] == item_id), None)
    if item is None:
        raise Problem(404)
    target = subject_url(str(item.get("subject_ref") or ""))
    if target is None or not str(item.get("kind", "")).startswith("document_step"):
        gw().post(f"/api/v1/inbox/{item_id}/read")
    if target is None:
        return render_template("notice.html", item=item)
    return redirect(target)
