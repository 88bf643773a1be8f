"""信息 The information hub (SPEC I-01..I-06): intake by channel, the editors' triage on the
importance × urgency matrix and the three reviews, the daily bulletin, receipts and the
follow-up calls, my notification preferences and the effectiveness rates."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask_babel import gettext
from werkzeug.wrappers import Response

from web import labels
from web.app import gw, has_role, me, workbench
from web.gateway import Problem
from web.views.common import done, form_errors, idempotency

bp = Blueprint("info", __name__, url_prefix="/info")
LEAD = ("time", "place", "people", "event", "result")
FIGURE = ("label", "value", "unit", "source", "basis")
FIGURE_ROWS = 2
# I-03: the review each status waits for.
NEXT_STAGE = {"triaged": "screen", "screened": "verify", "verified": "distil"}


def editor() -> bool:
    """I-02/I-03: the secretariat triages and reviews."""
    return has_role("secretariat")


def reader_of_rates() -> bool:
    return has_role("secretariat", "leader", "supervising_leader", "office_director")


def _safe(fetch: Any) -> list[dict[str, Any]]:
    try:
        return list(fetch())
    except Problem:
        return []


def _tabs() -> dict[str, Any]:
    return {"editor": editor(), "rates_reader": reader_of_rates()}


@bp.get("/")
def index() -> str:
    status = request.args.get("status", "").strip()
    channel = request.args.get("channel", "").strip()
    items = _safe(
        lambda: gw().items("/api/v1/info/items", limit=200, status=status, channel=channel)
    )
    return render_template(
        "info/index.html",
        items=items,
        status=status,
        channel=channel,
        statuses=[(k, labels.label("info_status", k)) for k in labels.INFO_STATUSES],
        channels=[(k, labels.label("channel", k)) for k in labels.INFO_CHANNELS],
        **_tabs(),
    )


@bp.get("/queue")
def queue() -> str:
    """The editors' desk: items to triage, and the triaged ones on the matrix."""
    if not editor():
        abort(403)
    items = _safe(lambda: gw().items("/api/v1/info/items", limit=300))
    to_triage = [i for i in items if i.get("status") == "submitted"]
    matrix: dict[tuple[str, str], list[dict[str, Any]]] = {
        (imp, urg): [] for imp in labels.IMPORTANCE for urg in labels.URGENCY
    }
    for item in items:
        key = (str(item.get("importance") or ""), str(item.get("urgency") or ""))
        if item.get("status") in NEXT_STAGE and key in matrix:
            matrix[key].append(item)
    return render_template(
        "info/queue.html",
        to_triage=to_triage,
        matrix=matrix,
        next_stage=NEXT_STAGE,
        importance=[(k, labels.label("importance", k)) for k in labels.IMPORTANCE],
        urgency=[(k, labels.label("urgency", k)) for k in labels.URGENCY],
        **_tabs(),
    )


@bp.route("/new", methods=["GET", "POST"])
def new() -> str | Response:
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        body: dict[str, Any] = {
            "channel": form.get("channel", ""),
            "source": form.get("source", ""),
            "anonymous": form.get("anonymous") == "1",
            "title": form.get("title", "").strip(),
            "lead": {k: form.get(f"lead_{k}", "").strip() for k in LEAD},
            "body": form.get("body", "").strip(),
            "project": form.get("project", "").strip(),
            "figures": [],
        }
        for row in range(FIGURE_ROWS):
            figure = {k: form.get(f"figure-{row}-{k}", "").strip() for k in FIGURE}
            if any(figure.values()):
                body["figures"].append(figure)
        try:
            created = gw().post("/api/v1/info/items", body, headers=idempotency())
        except Problem as problem:
            errors = form_errors(problem)
            for name, message in list(errors.items()):
                if name.startswith("lead."):
                    errors["lead_" + name.removeprefix("lead.")] = message
                elif name.startswith("figures."):
                    errors["figure-" + "-".join(name.split(".")[1:])] = message
        else:
            done(gettext("Information submitted."))
            return redirect(url_for("info.item", item_id=created["id"]))
    return render_template(
        "info/new.html",
        errors=errors,
        channels=[(k, labels.label("channel", k)) for k in labels.INFO_CHANNELS],
        sources=[(k, labels.label("source", k)) for k in labels.INFO_SOURCES],
        lead=LEAD,
        figure_rows=FIGURE_ROWS,
        **_tabs(),
    )


@bp.get("/items/<item_id>")
def item(item_id: str, errors: dict[str, str] | None = None) -> str:
    found = gw().get(f"/api/v1/info/items/{item_id}")
    receipts = None
    if editor():
        try:
            receipts = gw().get(f"/api/v1/info/items/{item_id}/receipts")
        except Problem:
            receipts = None
    return render_template(
        "info/item.html",
        item=found,
        receipts=receipts,
        errors=errors or {},
        next_stage=NEXT_STAGE.get(str(found.get("status"))),
        importance=[(k, labels.label("importance", k)) for k in labels.IMPORTANCE],
        urgency=[(k, labels.label("urgency", k)) for k in labels.URGENCY],
        decisions=[(k, labels.label("decision", k)) for k in ("keep", "drop", "merge")],
        people=workbench().names.choices(gw()) if editor() else [],
        username=me().get("username"),
        **_tabs(),
    )


@bp.post("/items/<item_id>/triage")
def triage(item_id: str) -> str | Response:
    if not editor():
        abort(403)
    body = {k: request.form.get(k, "") for k in ("importance", "urgency")}
    try:
        gw().post(f"/api/v1/info/items/{item_id}/triage", body)
    except Problem as problem:
        return item(item_id, errors=form_errors(problem))
    done(gettext("Placed on the matrix."))
    return redirect(request.form.get("next") or url_for("info.item", item_id=item_id))


@bp.post("/items/<item_id>/reviews")
def review(item_id: str) -> str | Response:
    if not editor():
        abort(403)
    body = {
        k: request.form.get(k, "").strip()
        for k in ("stage", "decision", "merge_into", "note", "core_points")
    }
    try:
        gw().post(f"/api/v1/info/items/{item_id}/reviews", body)
    except Problem as problem:
        return item(item_id, errors=form_errors(problem))
    done(gettext("Review recorded."))
    return redirect(url_for("info.item", item_id=item_id))


@bp.post("/items/<item_id>/follow-ups/<username>/called")
def called(item_id: str, username: str) -> str | Response:
    if not editor():
        abort(403)
    try:
        gw().post(f"/api/v1/info/items/{item_id}/follow-ups/{username}/called", {})
    except Problem as problem:
        return item(item_id, errors=form_errors(problem))
    done(gettext("Call recorded."))
    return redirect(url_for("info.item", item_id=item_id) + "#receipts")


@bp.post("/items/<item_id>/action")
def set_action(item_id: str) -> str | Response:
    if not editor():
        abort(403)
    deadline = request.form.get("deadline", "").strip()
    body = {
        "owner": request.form.get("owner", ""),
        "deadline": f"{deadline}T18:00:00+08:00" if len(deadline) == 10 else deadline,
        "acceptance_criterion": request.form.get("acceptance_criterion", "").strip(),
    }
    try:
        gw().post(f"/api/v1/info/items/{item_id}/action", body)
    except Problem as problem:
        return item(item_id, errors=form_errors(problem))
    done(gettext("Action assigned."))
    return redirect(url_for("info.item", item_id=item_id))


@bp.post("/items/<item_id>/action/<any(start, acceptance):step>")
def action_step(item_id: str, step: str) -> str | Response:
    try:
        gw().post(f"/api/v1/info/items/{item_id}/action/{step}", {})
    except Problem as problem:
        return item(item_id, errors=form_errors(problem))
    done(gettext("Saved."))
    return redirect(url_for("info.item", item_id=item_id))


@bp.get("/bulletin")
def bulletin() -> str:
    day = request.args.get("date", "").strip() or date.today().isoformat()
    found: dict[str, Any] | None = None
    error = ""
    try:
        found = gw().get(f"/api/v1/info/bulletins/{day}")
    except Problem as problem:
        error = str(problem) if problem.status != 404 else gettext("No bulletin for that day.")
    return render_template("info/bulletin.html", day=day, bulletin=found, error=error, **_tabs())


@bp.get("/bulletin/<day>.<any(html, pdf):kind>")
def bulletin_file(day: str, kind: str) -> FlaskResponse:
    reply = gw().get_bytes(f"/api/v1/info/bulletins/{day}.{kind}")
    mimetype = "application/pdf" if kind == "pdf" else "text/html"
    headers = {"Cache-Control": "no-store"}
    if kind == "html":
        # The bulletin is the service's own document: shown sandboxed, no scripts.
        headers["Content-Security-Policy"] = (
            "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        )
    return FlaskResponse(reply.content, mimetype=mimetype, headers=headers)


@bp.route("/preferences", methods=["GET", "POST"])
def preferences() -> str | Response:
    errors: dict[str, str] = {}
    current: dict[str, Any] = {}
    try:
        current = gw().get("/api/v1/me/notification-preferences")
    except Problem:
        current = {}
    if request.method == "POST":
        kinds = []
        for kind in request.form.getlist("kind"):
            delivery = request.form.get(f"delivery-{kind}", "")
            if delivery:
                kinds.append({"kind": kind, "delivery": delivery})
        body = {
            "email": request.form.get("email", "").strip(),
            "default_delivery": request.form.get("default_delivery", ""),
            "kinds": kinds,
        }
        try:
            gw().put("/api/v1/me/notification-preferences", body)
        except Problem as problem:
            errors = form_errors(problem)
            current = {**current, **body}
        else:
            done(gettext("Preferences saved."))
            return redirect(url_for("info.preferences"))
    chosen = {k.get("kind"): k.get("delivery") for k in current.get("kinds") or []}
    known = sorted(set(chosen) | set(KNOWN_KINDS))
    return render_template(
        "info/preferences.html",
        prefs=current,
        chosen=chosen,
        kinds=[(k, labels.label("notice_kind", k)) for k in known],
        deliveries=[(k, labels.label("delivery", k)) for k in labels.DELIVERY],
        errors=errors,
        **_tabs(),
    )


KNOWN_KINDS = tuple(labels.NOTICE_KINDS)


@bp.get("/effectiveness")
def effectiveness() -> str:
    if not reader_of_rates():
        abort(403)
    month = request.args.get("month", "").strip() or date.today().strftime("%Y-%m")
    errors: dict[str, str] = {}
    found: dict[str, Any] = {"departments": [], "threshold": 0}
    try:
        found = gw().get("/api/v1/info/effectiveness", month=month)
    except Problem as problem:
        errors = form_errors(problem)
    return render_template(
        "info/effectiveness.html", month=month, rates=found, errors=errors, **_tabs()
    )
