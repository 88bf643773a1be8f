"""Facilities (SPEC F-01..F-06): requisitions with the scan-to-collect code, stock levels,
repairs, trips and expenses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask_babel import gettext
from werkzeug.wrappers import Response

from web import labels
from web.app import gw, has_role, me
from web.gateway import Problem
from web.views.common import done, form_errors, idempotency, integer

bp = Blueprint("facilities", __name__, url_prefix="/facilities")
LINE_ROWS = 4


def _safe(fetch: Any) -> list[dict[str, Any]]:
    try:
        return list(fetch())
    except Problem:
        return []


def _rows_errors(errors: dict[str, str], prefix: str) -> dict[str, str]:
    """``lines.0.quantity`` → the form's ``line-0-quantity``."""
    for name, message in list(errors.items()):
        if name.startswith("lines."):
            errors[prefix + "-" + "-".join(name.split(".")[1:])] = message
        elif name == "lines":
            errors.setdefault(f"{prefix}-0-item_code", message)
    return errors


@bp.get("/")
def index() -> str:
    view = "all" if request.args.get("view") == "all" else "mine"
    requisitions = _safe(
        lambda: gw().unpaged(
            "/api/v1/supplies/requisitions", mine="true" if view == "mine" else None
        )
    )
    return render_template("facilities/index.html", requisitions=requisitions, view=view)


@bp.route("/requisitions/new", methods=["GET", "POST"])
def new_requisition() -> str | Response:
    errors: dict[str, str] = {}
    if request.method == "POST":
        lines = []
        for row in range(LINE_ROWS):
            code = request.form.get(f"line-{row}-item_code", "")
            quantity = request.form.get(f"line-{row}-quantity", "").strip()
            if code or quantity:
                lines.append({"item_code": code, "quantity": integer(quantity)})
        body = {"purpose": request.form.get("purpose", "").strip(), "lines": lines}
        try:
            created = gw().post("/api/v1/supplies/requisitions", body, headers=idempotency())
        except Problem as problem:
            errors = _rows_errors(form_errors(problem), "line")
        else:
            done(gettext("Requisition submitted for approval."))
            return redirect(url_for("facilities.requisition", requisition_id=created["id"]))
    items = [
        i for i in _safe(lambda: gw().unpaged("/api/v1/supplies/items")) if i.get("active", True)
    ]
    stock = {s["item_code"]: s for s in _safe(lambda: gw().unpaged("/api/v1/supplies/stock"))}
    options = [
        (
            i["code"],
            f"{i['name']}（{i['unit']}，{gettext('in stock')} {stock.get(i['code'], {}).get('on_hand', 0)}）",
        )
        for i in items
    ]
    return render_template(
        "facilities/new_requisition.html", errors=errors, options=options, rows=LINE_ROWS
    )


@bp.get("/requisitions/<requisition_id>")
def requisition(requisition_id: str, errors: dict[str, str] | None = None) -> str:
    found = gw().get(f"/api/v1/supplies/requisitions/{requisition_id}")
    code = None
    if found.get("state") == "approved":
        try:
            code = gw().get(f"/api/v1/supplies/requisitions/{requisition_id}/code")
        except Problem:
            code = None
    can_sign = found.get("state") == "pending_approval" and me().get("username") in (
        found.get("signers") or []
    )
    return render_template(
        "facilities/requisition.html",
        requisition=found,
        code=code,
        can_sign=can_sign,
        errors=errors or {},
    )


@bp.post("/requisitions/<requisition_id>/sign")
def sign_requisition(requisition_id: str) -> str | Response:
    """SPEC F-01 level 1: the department head signs (approves or rejects) here."""
    body = {
        "action": request.form.get("action", ""),
        "comment": request.form.get("comment", "").strip(),
    }
    try:
        gw().post(f"/api/v1/supplies/requisitions/{requisition_id}/signature", body)
    except Problem as problem:
        return requisition(requisition_id, errors=form_errors(problem))
    done(gettext("Your decision is recorded."))
    return redirect(url_for("facilities.requisition", requisition_id=requisition_id))


@bp.get("/requisitions/<requisition_id>/code.png")
def code_image(requisition_id: str) -> FlaskResponse:
    reply = gw().get_bytes(f"/api/v1/supplies/requisitions/{requisition_id}/code.png")
    return FlaskResponse(reply.content, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.route("/stock", methods=["GET", "POST"])
def stock() -> str | Response:
    errors: dict[str, str] = {}
    issued = None
    if request.method == "POST":
        try:
            issued = gw().post(
                "/api/v1/supplies/issues/scan", {"code": request.form.get("code", "").strip()}
            )
        except Problem as problem:
            errors = form_errors(problem)
        else:
            done(gettext("Issued. The requisition is collected."))
    levels = _safe(lambda: gw().unpaged("/api/v1/supplies/stock"))
    return render_template(
        "facilities/stock.html",
        levels=levels,
        errors=errors,
        issued=issued,
        can_issue=has_role("secretariat", "office_director"),
    )


@bp.route("/demand-lists", methods=["GET", "POST"])
def demand_lists() -> str | Response:
    """F-01: the storekeeper (secretariat) consolidates the month's signed requisitions
    into one demand list; finance reviews it against each department's budget and the
    office director approves it, both from 我的待办; then the codes are issued."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        body = {"month": request.form.get("month", "").strip()}
        try:
            gw().post("/api/v1/supplies/demand-lists", body, headers=idempotency())
        except Problem as problem:
            errors = form_errors(problem)
        else:
            done(
                gettext(
                    "The demand list is consolidated and sent to finance and the office director."
                )
            )
            return redirect(url_for("facilities.demand_lists"))
    lists = _safe(lambda: gw().get("/api/v1/supplies/demand-lists", page_size=100)["items"])
    return render_template(
        "facilities/demand_lists.html",
        lists=lists,
        errors=errors,
        can_consolidate=has_role("secretariat"),
    )


@bp.get("/repairs")
def repairs() -> str:
    return render_template(
        "facilities/repairs.html", repairs=_safe(lambda: gw().unpaged("/api/v1/repairs"))
    )


@bp.route("/repairs/new", methods=["GET", "POST"])
def new_repair() -> str | Response:
    errors: dict[str, str] = {}
    if request.method == "POST":
        body = {
            k: request.form.get(k, "").strip()
            for k in ("title", "description", "location", "severity")
        }
        try:
            created = gw().post("/api/v1/repairs", body, headers=idempotency())
        except Problem as problem:
            errors = form_errors(problem)
        else:
            done(gettext("The fault is reported."))
            return redirect(url_for("facilities.repair", repair_id=created["id"]))
    severities = [(k, labels.label("severity", k)) for k in labels.SEVERITY]
    return render_template("facilities/new_repair.html", errors=errors, severities=severities)


@bp.get("/repairs/<repair_id>")
def repair(repair_id: str, errors: dict[str, str] | None = None) -> str:
    found = gw().get(f"/api/v1/repairs/{repair_id}")
    return render_template(
        "facilities/repair.html",
        repair=found,
        errors=errors or {},
        username=me().get("username"),
        it_support=has_role("it_support"),
    )


@bp.post("/repairs/<repair_id>/<any(response, resolution, acceptance, reopening):step>")
def repair_step(repair_id: str, step: str) -> str | Response:
    body: dict[str, Any] = {}
    if step == "response":
        body = {"note": request.form.get("note", "")}
    elif step == "resolution":
        body = {"result": request.form.get("result", "").strip()}
    elif step == "reopening":
        body = {"reason": request.form.get("reason", "").strip()}
    try:
        gw().post(f"/api/v1/repairs/{repair_id}/{step}", body)
    except Problem as problem:
        return repair(repair_id, errors=form_errors(problem))
    done(gettext("Saved."))
    return redirect(url_for("facilities.repair", repair_id=repair_id))


@bp.get("/trips")
def trips() -> str:
    return render_template(
        "facilities/trips.html",
        trips=_safe(lambda: gw().unpaged("/api/v1/trips", mine="true")),
        expenses=_safe(lambda: gw().unpaged("/api/v1/expenses", mine="true")),
    )


@bp.route("/trips/new", methods=["GET", "POST"])
def new_trip() -> str | Response:
    errors: dict[str, str] = {}
    if request.method == "POST":
        body: dict[str, Any] = {
            k: request.form.get(k, "").strip()
            for k in ("destination", "purpose", "start_date", "end_date")
        }
        for flag in ("needs_flight", "needs_hotel", "needs_visa"):
            body[flag] = request.form.get(flag) == "1"
        cost = request.form.get("estimated_cost", "").strip()
        if cost:
            body["estimated_cost_fen"] = _fen(cost)
        try:
            gw().post("/api/v1/trips", body, headers=idempotency())
        except Problem as problem:
            errors = form_errors(problem)
            if "estimated_cost_fen" in errors:
                errors["estimated_cost"] = errors["estimated_cost_fen"]
        else:
            done(gettext("Trip requested."))
            return redirect(url_for("facilities.trips"))
    return render_template("facilities/new_trip.html", errors=errors)


@bp.route("/expenses/new", methods=["GET", "POST"])
def new_expense() -> str | Response:
    errors: dict[str, str] = {}
    if request.method == "POST":
        lines = []
        for row in range(LINE_ROWS):
            amount = request.form.get(f"expense-{row}-amount", "").strip()
            if amount or request.form.get(f"expense-{row}-receipt"):
                lines.append(
                    {
                        "category": request.form.get(f"expense-{row}-category", ""),
                        "description": request.form.get(f"expense-{row}-description", ""),
                        "amount_fen": _fen(amount),
                        "receipt": request.form.get(f"expense-{row}-receipt", ""),
                    }
                )
        body: dict[str, Any] = {"lines": lines}
        if request.form.get("trip_id"):
            body["trip_id"] = request.form["trip_id"]
        try:
            gw().post("/api/v1/expenses", body, headers=idempotency())
        except Problem as problem:
            errors = form_errors(problem)
            for name, message in list(errors.items()):
                if name.startswith("lines."):
                    parts = name.split(".")
                    column = {"amount_fen": "amount"}.get(parts[-1], parts[-1])
                    errors[f"expense-{parts[1]}-{column}"] = message
        else:
            done(gettext("Expense claim submitted."))
            return redirect(url_for("facilities.trips"))
    trips = [
        t
        for t in _safe(lambda: gw().unpaged("/api/v1/trips", mine="true"))
        if t["state"] == "approved"
    ]
    return render_template(
        "facilities/new_expense.html",
        errors=errors,
        rows=LINE_ROWS,
        trips=[(t["id"], f"{t['destination']} {t['start_date']}") for t in trips],
        categories=[(k, labels.label("expense", k)) for k in labels.EXPENSE_CATEGORIES],
    )


def _fen(yuan: str) -> Any:
    """Yuan typed by a person → the API's fen; text that is no amount goes through as is."""
    try:
        return round(float(yuan) * 100)
    except ValueError:
        return yuan
