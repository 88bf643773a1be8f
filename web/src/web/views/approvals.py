"""Approvals (SPEC D-06..D-10): start any template from its JSON Schema form; approve,
reject, return or delegate; history; absences; the sealed file and its verification."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    Response as FlaskResponse,
)
from flask_babel import gettext
from werkzeug.wrappers import Response

from web import labels
from web.app import gw, me, workbench
from web.gateway import Problem
from web.schema_form import fields_for, form_values, payload_errors, payload_from
from web.views.common import done, form_errors, idempotency

bp = Blueprint("approvals", __name__, url_prefix="/approvals")


def _templates() -> list[dict[str, Any]]:
    found = gw().unpaged("/api/v1/approval-templates")
    for template in found:
        template["label"] = labels.template_name(template.get("name", ""), g.lang)
    return sorted(found, key=lambda t: t["key"])


@bp.get("/")
def index() -> str:
    view = request.args.get("view", "inbox")
    if view == "mine":
        approvals = gw().items("/api/v1/approvals", limit=100, mine="true")
    elif view == "all":
        approvals = gw().items("/api/v1/approvals", limit=100)
    else:
        view = "inbox"
        approvals = gw().items("/api/v1/approvals/inbox", limit=100)
    names = {t["key"]: t["label"] for t in _templates()}
    return render_template(
        "approvals/index.html", approvals=approvals, view=view, names=names, templates=_templates()
    )


@bp.route("/start/<key>", methods=["GET", "POST"])
def start(key: str) -> str | Response:
    template = gw().get(f"/api/v1/approval-templates/{key}")
    template["label"] = labels.template_name(template.get("name", ""), g.lang)
    schema = template.get("form_schema") or {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        body = {
            "template": key,
            "subject": request.form.get("subject", "").strip(),
            "urgent": request.form.get("urgent") == "1",
            "content": request.form.get("content", "").strip(),
            "payload": payload_from(schema, request.form),
        }
        try:
            created = gw().post("/api/v1/approvals", body, headers=idempotency())
        except Problem as problem:
            errors = payload_errors(form_errors(problem))
        else:
            done(gettext("Submitted for approval."))
            return redirect(url_for("approvals.detail", approval_id=created["id"]))
    return render_template(
        "approvals/start.html",
        template=template,
        fields=fields_for(schema),
        errors=errors,
        values=request.form,
        resubmit=False,
    )


@bp.route("/<approval_id>/resubmit", methods=["GET", "POST"])
def resubmit(approval_id: str) -> str | Response:
    """A returned request, edited and sent again (D-06)."""
    approval = gw().get(f"/api/v1/approvals/{approval_id}")
    template = gw().get(f"/api/v1/approval-templates/{approval['template']}")
    template["label"] = labels.template_name(template.get("name", ""), g.lang)
    schema = template.get("form_schema") or {}
    errors: dict[str, str] = {}
    values: Any = request.form
    if request.method == "POST":
        body = {
            "subject": request.form.get("subject", "").strip(),
            "payload": payload_from(schema, request.form),
            "comment": request.form.get("comment", "").strip(),
        }
        try:
            gw().post(f"/api/v1/approvals/{approval_id}/resubmit", body)
        except Problem as problem:
            errors = payload_errors(form_errors(problem))
        else:
            done(gettext("Submitted for approval."))
            return redirect(url_for("approvals.detail", approval_id=approval_id))
    else:
        values = {
            "subject": approval.get("subject", ""),
            **form_values(schema, approval.get("payload") or {}),
        }
    return render_template(
        "approvals/start.html",
        template=template,
        fields=fields_for(schema),
        errors=errors,
        values=values,
        resubmit=True,
    )


@bp.get("/<approval_id>")
def detail(approval_id: str, errors: dict[str, str] | None = None) -> str:
    approval = gw().get(f"/api/v1/approvals/{approval_id}")
    names = {t["key"]: t["label"] for t in _templates()}
    step = approval.get("current_step") or {}
    username = me().get("username")
    can_decide = approval.get("status") == "in_progress" and username in step.get("approvers", [])
    return render_template(
        "approvals/detail.html",
        approval=approval,
        template_name=names.get(approval["template"], approval["template"]),
        can_decide=can_decide and username not in step.get("approved_by", []),
        errors=errors or {},
        people=workbench().names.choices(gw()),
    )


@bp.post("/<approval_id>/decide")
def decide(approval_id: str) -> str | Response:
    body = {
        "action": request.form.get("action", ""),
        "comment": request.form.get("comment", "").strip(),
    }
    if body["action"] == "delegate":
        body["delegate_to"] = request.form.get("delegate_to", "")
    try:
        gw().post(f"/api/v1/approvals/{approval_id}/decisions", body)
    except Problem as problem:
        return detail(approval_id, errors=form_errors(problem))
    done(gettext("Your decision is recorded."))
    if request.form.get("back") == "todos":
        return redirect(url_for("todos.index"))
    return redirect(url_for("approvals.detail", approval_id=approval_id))


@bp.post("/<approval_id>/withdraw")
def withdraw(approval_id: str) -> Response:
    gw().post(
        f"/api/v1/approvals/{approval_id}/withdraw", {"comment": request.form.get("comment", "")}
    )
    done(gettext("Withdrawn."))
    return redirect(url_for("approvals.detail", approval_id=approval_id))


@bp.get("/<approval_id>/seal")
def seal(approval_id: str) -> FlaskResponse:
    reply = gw().get_bytes(f"/api/v1/approvals/{approval_id}/seal")
    headers = {
        k: v
        for k, v in reply.headers.items()
        if k.lower() in ("content-type", "content-disposition")
    }
    return FlaskResponse(reply.content, headers=headers)


@bp.route("/seals/verify", methods=["GET", "POST"])
def verify() -> str:
    result = None
    errors: dict[str, str] = {}
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        if not data:
            errors["file"] = gettext("Choose the sealed file.")
        else:
            try:
                result = gw().upload("/api/v1/seals/verify", upload.filename or "file", data)  # type: ignore[union-attr]
            except Problem as problem:
                errors = form_errors(problem)
    return render_template("approvals/verify.html", result=result, errors=errors)


@bp.route("/absences", methods=["GET", "POST"])
def absences() -> str | Response:
    errors: dict[str, str] = {}
    values = {k: request.form.get(k, "") for k in ("start", "end", "delegate_username")}
    if request.method == "POST":
        try:
            gw().post("/api/v1/me/absences", values)
        except Problem as problem:
            errors = form_errors(problem)
        else:
            done(gettext("Your absence is recorded."))
            return redirect(url_for("approvals.absences"))
    return render_template(
        "approvals/absences.html",
        absences=gw().unpaged("/api/v1/me/absences"),
        values=values,
        errors=errors,
        people=workbench().names.choices(gw()),
    )
