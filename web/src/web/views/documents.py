"""Documents: register (D-01..D-03), search, one document with its colour label (D-04),
steps and audit trail; 拟办 and circulation (D-05)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from web import labels
from web.app import gw, has_role, me, workbench
from web.gateway import Problem
from web.views.common import done, form_errors, idempotency

bp = Blueprint("documents", __name__, url_prefix="/documents")
SEARCH_FIELDS = ("q", "number", "department_code", "type_code", "from", "to")


def _choices() -> dict[str, list[tuple[str, str]]]:
    names = workbench().names
    names.refresh(gw())
    return {
        "types": [(code, f"{code} {labels.label('type', code)}") for code in labels.DOCUMENT_TYPES],
        "classes": [(c, labels.label("security", c)) for c in labels.SECURITY_CLASSES],
        "retention": [(c, labels.label("retention", c)) for c in labels.RETENTION],
        "priority": [(c, labels.label("priority", c)) for c in labels.PRIORITY],
        "departments": [(c, d["name"]) for c, d in sorted(names.departments.items())],
        "people": names.choices(gw()),
    }


@bp.get("/")
def index() -> str:
    query = {k: request.args.get(k, "").strip() for k in SEARCH_FIELDS}
    page = max(1, int(request.args.get("page", "1") or 1))
    result = gw().get("/api/v1/documents", page=page, page_size=20, **query)
    return render_template(
        "documents/index.html", result=result, query=query, page=page, choices=_choices()
    )


@bp.route("/new", methods=["GET", "POST"])
def new() -> str | Response:
    values: dict[str, Any] = {
        "department_code": me().get("department_code") or "",
        "security_class": "internal",
        "retention": "10y",
        "priority": "routine",
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {
            k: request.form.get(k, "").strip()
            for k in (
                "title",
                "type_code",
                "department_code",
                "security_class",
                "retention",
                "priority",
                "body",
                "handler_username",
            )
        }
        values["readers"] = request.form.getlist("readers")
        body = {k: v for k, v in values.items() if v not in ("", [])}
        body.setdefault("title", "")
        try:
            created = gw().post("/api/v1/documents", body, headers=idempotency())
        except Problem as problem:
            errors = form_errors(problem)
        else:
            done(gettext("Registered as %(number)s.", number=created["number"]))
            return redirect(url_for("documents.detail", document_id=created["id"]))
    return render_template("documents/new.html", values=values, errors=errors, choices=_choices())


@bp.get("/<document_id>")
def detail(document_id: str, errors: dict[str, str] | None = None) -> str:
    document = gw().get(f"/api/v1/documents/{document_id}")
    audit: list[dict[str, Any]] | None = None
    if has_role("secretariat", "discipline"):
        try:
            audit = gw().items(f"/api/v1/documents/{document_id}/audit", limit=200)
        except Problem:
            audit = None
    username = me().get("username")
    mine = next(
        (
            s
            for s in document.get("steps", [])
            if s["state"] == "open"
            and username in s.get("owners", [])
            and username not in s.get("done_by", [])
        ),
        None,
    )
    return render_template(
        "documents/detail.html",
        document=document,
        audit=audit,
        my_step=mine,
        errors=errors or {},
        choices=_choices() if mine else {},
    )


@bp.post("/<document_id>/steps/<step_id>")
def complete(document_id: str, step_id: str) -> str | Response:
    body: dict[str, Any] = {"comment": request.form.get("comment", "").strip()}
    circulate = request.form.getlist("circulate_to")
    if circulate:
        body["circulate_to"] = circulate
    try:
        gw().post(f"/api/v1/documents/{document_id}/steps/{step_id}/complete", body)
    except Problem as problem:
        return detail(document_id, errors=form_errors(problem))
    _mark_read(f"documents/{document_id}")
    done(gettext("The step is done."))
    return redirect(url_for("documents.detail", document_id=document_id))


def _mark_read(subject_ref: str) -> None:
    """The inbox items about a finished step leave 我的待办."""
    try:
        for item in gw().items("/api/v1/inbox", limit=300, unread_only="true"):
            if item.get("subject_ref") == subject_ref:
                gw().post(f"/api/v1/inbox/{item['id']}/read")
    except Problem:
        pass
