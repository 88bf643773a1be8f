"""绩效 Performance (SPEC P-01..P-09): my results with their formula, the weights used
and the facts behind them; my indicators; the 360 rating form for raters; appeals; the
cycles for HR and the committee."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from web import labels
from web.app import gw, has_role, me, workbench
from web.gateway import Gateway, Problem
from web.views.common import done, form_errors

bp = Blueprint("performance", __name__, url_prefix="/performance")
CYCLE_REF = "cycle:"


def hr() -> bool:
    """P-01, P-07: HR and the committee run the cycles."""
    return has_role("hr", "committee")


def _safe(fetch: Any) -> list[dict[str, Any]]:
    try:
        return list(fetch())
    except Problem:
        return []


def known_cycles(gateway: Gateway) -> list[dict[str, Any]]:
    """The cycles this person has heard of, newest first: every cycle when the API lists
    them, else the ones their notices name (``cycle:<id>``)."""
    listed = _safe(lambda: gateway.items("/api/v1/performance/cycles", limit=50))
    if listed:
        return listed
    ids: list[str] = []
    for notice in _safe(lambda: gateway.items("/api/v1/inbox", limit=300)):
        ref = str(notice.get("subject_ref") or "")
        if ref.startswith(CYCLE_REF) and ref[len(CYCLE_REF) :] not in ids:
            ids.append(ref[len(CYCLE_REF) :])
    cycles = []
    for ident in ids[:20]:
        try:
            cycles.append(gateway.get(f"/api/v1/performance/cycles/{ident}"))
        except Problem:
            continue
    return cycles


def _cycle_choices() -> list[tuple[str, str]]:
    return [(k, labels.label("cycle_kind", k)) for k in labels.CYCLE_KINDS]


@bp.get("/")
def index() -> str:
    username = str(me().get("username", ""))
    results = []
    cycles = known_cycles(gw())
    for cycle in cycles:
        if cycle.get("state") != "published":
            continue
        try:
            results.append(
                (cycle, gw().get(f"/api/v1/performance/cycles/{cycle['id']}/results/{username}"))
            )
        except Problem:
            continue
    period = request.args.get("period", "").strip() or date.today().strftime("%Y-%m")
    indicators: dict[str, Any] | None = None
    try:
        indicators = gw().get(f"/api/v1/performance/indicators/{username}", period=period)
    except Problem:
        indicators = None
    return render_template(
        "performance/index.html",
        results=results,
        cycles=cycles,
        indicators=indicators,
        period=period,
        hr=hr(),
    )


@bp.get("/cycles/<cycle_id>/results/<username>")
def result(cycle_id: str, username: str, errors: dict[str, str] | None = None) -> str:
    found = gw().get(f"/api/v1/performance/cycles/{cycle_id}/results/{username}")
    deadline = found.get("appeal_deadline")
    can_appeal = username == me().get("username") and bool(deadline) and _future(deadline)
    return render_template(
        "performance/result.html",
        result=found,
        errors=errors or {},
        can_appeal=can_appeal,
        hr=hr(),
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _future(value: str) -> bool:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return moment > datetime.now(UTC)


@bp.post("/cycles/<cycle_id>/results/<username>/appeal")
def appeal(cycle_id: str, username: str) -> str | Response:
    found = gw().get(f"/api/v1/performance/cycles/{cycle_id}/results/{username}")
    body = {
        "result_id": found.get("id", ""),
        "reason": request.form.get("reason", "").strip(),
        "disputed_fact_ids": request.form.getlist("disputed_fact_ids"),
    }
    try:
        filed = gw().post("/api/v1/performance/appeals", body)
    except Problem as problem:
        return result(cycle_id, username, errors=form_errors(problem))
    done(gettext("Appeal filed."))
    return redirect(url_for("performance.appeal_page", appeal_id=filed["id"]))


@bp.get("/appeals/<appeal_id>")
def appeal_page(appeal_id: str) -> str:
    found = gw().get(f"/api/v1/performance/appeals/{appeal_id}")
    return render_template("performance/appeal.html", appeal=found, hr=hr())


@bp.route("/cycles", methods=["GET", "POST"])
def cycles() -> str | Response:
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not hr():
            abort(403)
        body = {k: request.form.get(k, "").strip() for k in ("kind", "period")}
        try:
            created = gw().post("/api/v1/performance/cycles", body)
        except Problem as problem:
            errors = form_errors(problem)
        else:
            done(gettext("The cycle is open."))
            return redirect(url_for("performance.cycle", cycle_id=created["id"]))
    wanted = request.args.get("id", "").strip()
    if wanted:
        return redirect(url_for("performance.cycle", cycle_id=wanted))
    appeal_stats = None
    if hr():
        try:
            appeal_stats = gw().get(
                "/api/v1/performance/appeal-statistics", period=request.args.get("period") or None
            )
        except Problem:
            appeal_stats = None
    return render_template(
        "performance/cycles.html",
        cycles=known_cycles(gw()),
        errors=errors,
        kinds=_cycle_choices(),
        hr=hr(),
        appeal_stats=appeal_stats,
    )


@bp.get("/cycles/<cycle_id>")
def cycle(cycle_id: str, errors: dict[str, str] | None = None) -> str:
    found = gw().get(f"/api/v1/performance/cycles/{cycle_id}")
    username = str(me().get("username", ""))
    people = [(u, n) for u, n in workbench().names.choices(gw()) if u != username]
    return render_template(
        "performance/cycle.html",
        cycle=found,
        errors=errors or {},
        hr=hr(),
        people=people,
        groups=[(k, labels.label("rater_group", k)) for k in labels.RATER_GROUPS],
    )


@bp.post("/cycles/<cycle_id>/ratings")
def rate(cycle_id: str) -> str | Response:
    score_text = request.form.get("score", "").strip()
    score: Any = float(score_text) if _is_number(score_text) else score_text
    body = {
        "subject": request.form.get("subject", ""),
        "group": request.form.get("group", ""),
        "score": score,
        "comment": request.form.get("comment", "").strip(),
    }
    try:
        gw().post(f"/api/v1/performance/cycles/{cycle_id}/ratings", body)
    except Problem as problem:
        return cycle(cycle_id, errors=form_errors(problem))
    done(gettext("Rating recorded."))
    return redirect(url_for("performance.cycle", cycle_id=cycle_id))


@bp.post("/cycles/<cycle_id>/publish")
def publish(cycle_id: str) -> str | Response:
    if not hr():
        abort(403)
    try:
        gw().post(f"/api/v1/performance/cycles/{cycle_id}/publish", {})
    except Problem as problem:
        return cycle(cycle_id, errors=form_errors(problem))
    done(gettext("Results published."))
    return redirect(url_for("performance.cycle", cycle_id=cycle_id))
