"""档案 Archives (SPEC A-01..A-05): search with highlighted matches, the record with its
copy, loans; for archivists (the secretariat) check-out and return, records past their
retention, storeroom climate alerts and the year's stock-take."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask_babel import gettext
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from web import labels
from web.app import gw, has_role, workbench
from web.gateway import Problem
from web.views.common import done, form_errors, idempotency, integer

bp = Blueprint("archives", __name__, url_prefix="/archives")
SEARCH_FIELDS = ("q", "number", "department_code", "type_code", "security_class")
PAGE_SIZE = 20
_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def archivist() -> bool:
    """A-03..A-05: the secretariat keeps the archive."""
    return has_role("secretariat")


def _safe(fetch: Any) -> list[dict[str, Any]]:
    try:
        return list(fetch())
    except Problem:
        return []


def marked(text: str | None) -> Markup:
    """The service's highlight (the title HTML-escaped, matched words in <mark>) made
    safe again here: every piece is unescaped and escaped anew, only <mark> survives."""
    out = []
    for index, piece in enumerate(_MARK.split(str(text or ""))):
        plain = escape(html.unescape(piece))
        out.append(Markup("<mark>%s</mark>") % plain if index % 2 else plain)
    return Markup("").join(out)


@bp.app_template_filter("marked")
def _marked_filter(text: str | None) -> Markup:
    return marked(text)


def _choices() -> dict[str, list[tuple[str, str]]]:
    names = workbench().names
    names.refresh(gw())
    return {
        "types": [(code, f"{code} {labels.label('type', code)}") for code in labels.DOCUMENT_TYPES],
        "classes": [(c, labels.label("security", c)) for c in labels.SECURITY_CLASSES],
        "departments": [(c, d["name"]) for c, d in sorted(names.departments.items())],
    }


@bp.get("/")
def index() -> str:
    query = {k: request.args.get(k, "").strip() for k in SEARCH_FIELDS}
    query["date_from"] = request.args.get("date_from", "").strip()
    query["date_to"] = request.args.get("date_to", "").strip()
    page_text = request.args.get("page", "1")
    page = max(1, int(page_text)) if page_text.isdigit() else 1
    errors: dict[str, str] = {}
    result: dict[str, Any] = {"items": [], "total": 0}
    try:
        result = gw().get("/api/v1/archives/records", page=page, page_size=PAGE_SIZE, **query)
    except Problem as problem:
        errors = form_errors(problem)
    return render_template(
        "archives/index.html",
        result=result,
        query=query,
        page=page,
        page_size=PAGE_SIZE,
        errors=errors,
        choices=_choices(),
        archivist=archivist(),
    )


@bp.get("/records/<record_id>")
def record(record_id: str, errors: dict[str, str] | None = None) -> str:
    found = gw().get(f"/api/v1/archives/records/{record_id}")
    loans = (
        _safe(lambda: gw().items(f"/api/v1/archives/records/{record_id}/loans", limit=50))
        if archivist()
        else []
    )
    default_due = (date.today() + timedelta(days=14)).isoformat()
    return render_template(
        "archives/record.html",
        record=found,
        loans=loans,
        errors=errors or {},
        default_due=default_due,
        archivist=archivist(),
    )


@bp.get("/records/<record_id>/copy")
def copy(record_id: str) -> FlaskResponse:
    reply = gw().get_bytes(f"/api/v1/archives/records/{record_id}/copy")
    headers = {"Cache-Control": "no-store"}
    for name in ("Content-Disposition", "X-Content-SHA256"):
        if reply.headers.get(name):
            headers[name] = reply.headers[name]
    return FlaskResponse(
        reply.content,
        mimetype=reply.headers.get("Content-Type", "application/octet-stream"),
        headers=headers,
    )


@bp.post("/records/<record_id>/loans")
def apply_loan(record_id: str) -> str | Response:
    body = {
        "record_id": record_id,
        "purpose": request.form.get("purpose", "").strip(),
        "due_date": request.form.get("due_date", "").strip(),
    }
    try:
        gw().post("/api/v1/archives/loans", body, headers=idempotency())
    except Problem as problem:
        return record(record_id, errors=form_errors(problem))
    done(gettext("Loan requested. It goes to approval."))
    return redirect(url_for("archives.loans"))


@bp.get("/loans")
def loans() -> str:
    borrower = request.args.get("borrower", "").strip() if archivist() else ""
    mine = _safe(lambda: gw().items("/api/v1/archives/loans", limit=200, borrower=borrower or None))
    names = workbench().names
    return render_template(
        "archives/loans.html",
        loans=mine,
        borrower=borrower,
        archivist=archivist(),
        people=names.choices(gw()) if archivist() else [],
    )


@bp.post("/loans/<loan_id>/<any(checkout, return):action>")
def loan_action(loan_id: str, action: str) -> Response:
    if not archivist():
        abort(403)
    try:
        loan = gw().post(
            f"/api/v1/archives/loans/{loan_id}/{action}",
            {"note": request.form.get("note", "").strip()},
        )
    except Problem as problem:
        flash(str(problem), "danger")
        return redirect(request.referrer or url_for("archives.loans"))
    done(gettext("Checked out.") if action == "checkout" else gettext("Returned."))
    return redirect(url_for("archives.record", record_id=loan.get("record_id", "")))


@bp.get("/expiring")
def expiring() -> str:
    if not archivist():
        abort(403)
    as_of = request.args.get("as_of", "").strip()
    records = _safe(lambda: gw().items("/api/v1/archives/expiring", limit=300, as_of=as_of))
    return render_template("archives/expiring.html", records=records, as_of=as_of)


@bp.get("/climate")
def climate() -> str:
    if not archivist():
        abort(403)
    storeroom = request.args.get("storeroom", "").strip()
    open_only = request.args.get("open_only", "1") == "1"
    alerts = _safe(
        lambda: gw().items(
            "/api/v1/archives/climate/alerts",
            limit=300,
            storeroom=storeroom or None,
            open_only="true" if open_only else None,
        )
    )
    rooms: dict[str, list[dict[str, Any]]] = {}
    for alert in alerts:
        rooms.setdefault(str(alert.get("storeroom", "")), []).append(alert)
    return render_template(
        "archives/climate.html",
        rooms=rooms,
        storeroom=storeroom,
        open_only=open_only,
        errors={},
    )


@bp.post("/climate")
def record_reading() -> str | Response:
    if not archivist():
        abort(403)
    reading: dict[str, Any] = {"storeroom": request.form.get("storeroom", "").strip()}
    for field in ("temperature_c", "humidity_pct"):
        text = request.form.get(field, "").strip()
        try:
            reading[field] = float(text)
        except ValueError:
            reading[field] = text
    try:
        summary = gw().post("/api/v1/archives/climate/readings", {"readings": [reading]})
    except Problem as problem:
        errors = {
            name.removeprefix("readings.0."): message
            for name, message in form_errors(problem).items()
        }
        return render_template(
            "archives/climate.html", rooms={}, storeroom="", open_only=True, errors=errors
        )
    raised = int(summary.get("alerts_raised", 0) or 0)
    done(
        gettext("Reading recorded; an alert was raised.")
        if raised
        else gettext("Reading recorded.")
    )
    return redirect(url_for("archives.climate", storeroom=reading["storeroom"]))


@bp.route("/stocktakes", methods=["GET", "POST"])
def stocktakes() -> str | Response:
    if not archivist():
        abort(403)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            campaign = gw().post(
                "/api/v1/archives/stocktakes", {"year": integer(request.form.get("year"))}
            )
        except Problem as problem:
            errors = form_errors(problem)
        else:
            done(gettext("The stock-take campaign is open."))
            return redirect(url_for("archives.stocktake", stocktake_id=campaign["id"]))
    wanted = request.args.get("id", "").strip()
    if wanted:
        return redirect(url_for("archives.stocktake", stocktake_id=wanted))
    return render_template("archives/stocktakes.html", errors=errors, year=date.today().year)


@bp.route("/stocktakes/<stocktake_id>", methods=["GET", "POST"])
def stocktake(stocktake_id: str) -> str | Response:
    if not archivist():
        abort(403)
    errors: dict[str, str] = {}
    if request.method == "POST":
        body = {
            "label": request.form.get("label", "").strip(),
            "result": request.form.get("result", "").strip(),
            "note": request.form.get("note", "").strip(),
        }
        try:
            item = gw().post(f"/api/v1/archives/stocktakes/{stocktake_id}/checks", body)
        except Problem as problem:
            errors = form_errors(problem)
        else:
            done(
                gettext("%(number)s checked: %(result)s")
                % {
                    "number": item.get("record_number", ""),
                    "result": labels.label("check", item.get("result")),
                }
            )
            return redirect(url_for("archives.stocktake", stocktake_id=stocktake_id))
    campaign = gw().get(f"/api/v1/archives/stocktakes/{stocktake_id}")
    results = [(k, labels.label("check", k)) for k in ("present", "missing", "damaged")]
    return render_template(
        "archives/stocktake.html", campaign=campaign, errors=errors, results=results
    )


@bp.get("/stocktakes/<stocktake_id>/labels.png")
def stocktake_labels(stocktake_id: str) -> FlaskResponse:
    if not archivist():
        abort(403)
    reply = gw().get_bytes(f"/api/v1/archives/stocktakes/{stocktake_id}/labels.png")
    return FlaskResponse(reply.content, mimetype="image/png", headers={"Cache-Control": "no-store"})
