"""职业发展 Career (SPEC C-01..C-07): ladders and my eligibility criterion by criterion,
vacancies and applying, my career file, courses and completions, mentoring sessions; for
HR and leaders the talent review's nine-box grid and the succession plans."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask_babel import gettext
from werkzeug.wrappers import Response

from web import labels
from web.app import gw, has_role, me, workbench
from web.gateway import Gateway, Problem
from web.views.common import done, form_errors, idempotency

bp = Blueprint("career", __name__, url_prefix="/career")
MENTORSHIP_REF = "mentorships/"


def hr() -> bool:
    return has_role("hr")


def talent_reader() -> bool:
    """C-06/C-07: HR and the leaders read the talent review and the succession plans."""
    return has_role("hr", "leader", "supervising_leader")


def _safe(fetch: Any) -> list[dict[str, Any]]:
    try:
        return list(fetch())
    except Problem:
        return []


def _username() -> str:
    return str(me().get("username", ""))


def _tabs() -> dict[str, Any]:
    return {"hr": hr(), "talent": talent_reader()}


_CRITERION = re.compile(r"^(?P<label>.*?): required (?P<required>.*), has (?P<actual>.*)$")


def criterion(message: str) -> str:
    """``任现职满2年: required 2 years, has unknown`` read in the person's language."""
    found = _CRITERION.match(message)
    if not found:
        return message

    def word(value: str) -> str:
        years = re.fullmatch(r"([\d.]+) years?", value)
        if years:
            return str(gettext("%(n)s years", n=years.group(1)))
        if value in labels.GRADES:
            return labels.label("grade", value)
        words = {"unknown": str(gettext("not recorded")), "passed": str(gettext("passed"))}
        return words.get(value, value)

    return str(
        gettext(
            "%(criterion)s: required %(required)s, mine %(actual)s",
            criterion=found.group("label"),
            required=word(found.group("required")),
            actual=word(found.group("actual")),
        )
    )


def _lines(text: str) -> list[str]:
    """One entry per line or per 、/，/, separated item."""
    for mark in ("、", "，", ","):
        text = text.replace(mark, "\n")
    return [line.strip() for line in text.splitlines() if line.strip()]


@bp.get("/")
def index() -> str:
    ladders = _safe(lambda: gw().items("/api/v1/career/ladders", limit=50))
    target = request.args.get("target_rung", "").strip()
    eligibility: dict[str, Any] | None = None
    try:
        eligibility = gw().get(
            f"/api/v1/career/eligibility/{_username()}", target_rung=target or None
        )
    except Problem:
        eligibility = None
    return render_template(
        "career/index.html", ladders=ladders, eligibility=eligibility, target=target, **_tabs()
    )


@bp.get("/vacancies")
def vacancies() -> str:
    found = _safe(lambda: gw().items("/api/v1/career/vacancies", limit=100))
    return render_template(
        "career/vacancies.html", vacancies=found, errors={}, failing={}, **_tabs()
    )


@bp.post("/vacancies/<vacancy_id>/applications")
def apply(vacancy_id: str) -> str | Response:
    try:
        application = gw().post(
            f"/api/v1/career/vacancies/{vacancy_id}/applications",
            {"statement": request.form.get("statement", "").strip()},
            headers=idempotency(),
        )
    except Problem as problem:
        found_errors = form_errors(problem)
        failing = [
            criterion(message)
            for name, message in found_errors.items()
            if name.startswith("eligibility")
        ]
        if failing:  # C-02: each failing criterion is named, not the whole detail again
            found_errors.pop("_form", None)
        errors = {f"{vacancy_id}-{k}": v for k, v in found_errors.items()}
        found = _safe(lambda: gw().items("/api/v1/career/vacancies", limit=100))
        return render_template(
            "career/vacancies.html",
            vacancies=found,
            errors=errors,
            failing={vacancy_id: failing},
            **_tabs(),
        )
    done(gettext("Application sent."))
    return redirect(url_for("career.application", application_id=application["id"]))


@bp.get("/applications/<application_id>")
def application(application_id: str) -> str:
    found = gw().get(f"/api/v1/career/applications/{application_id}")
    return render_template("career/application.html", application=found, **_tabs())


@bp.route("/file", methods=["GET", "POST"])
def career_file() -> str | Response:
    username = request.args.get("username", "").strip() or _username()
    errors: dict[str, str] = {}
    if request.method == "POST":
        body = {
            "interests": _lines(request.form.get("interests", "")),
            "skills": _lines(request.form.get("skills", "")),
            "goals": _lines(request.form.get("goals", "")),
        }
        try:
            gw().put(f"/api/v1/career/files/{username}", body)
        except Problem as problem:
            errors = form_errors(problem)
        else:
            done(gettext("Career file saved."))
            return redirect(url_for("career.career_file", username=username))
    found: dict[str, Any] = {}
    try:
        found = gw().get(f"/api/v1/career/files/{username}")
    except Problem as problem:
        if problem.status != 404:
            raise
    return render_template(
        "career/file.html", file=found, username=username, errors=errors, **_tabs()
    )


@bp.route("/training", methods=["GET", "POST"])
def training() -> str | Response:
    year = request.args.get("year", "").strip() or str(date.today().year)
    errors: dict[str, str] = {}
    created = request.args.get("course", "")
    if request.method == "POST":
        if not hr():
            abort(403)
        what = request.form.get("form")
        try:
            if what == "course":
                course = gw().post(
                    "/api/v1/career/courses",
                    {
                        "title": request.form.get("title", "").strip(),
                        "kind": request.form.get("kind", ""),
                        "hours": _number(request.form.get("hours")),
                        "certificate": request.form.get("certificate", "").strip(),
                    },
                )
                done(gettext("Course created."))
                return redirect(url_for("career.training", course=course["id"]))
            course_id = request.form.get("course_id", "").strip()
            gw().post(
                f"/api/v1/career/courses/{course_id}/completions",
                {
                    "username": request.form.get("username", ""),
                    "hours": _number(request.form.get("completion_hours")),
                    "certificate": request.form.get("completion_certificate", "").strip(),
                },
            )
        except Problem as problem:
            errors = form_errors(problem)
            if "hours" in errors and what != "course":
                errors["completion_hours"] = errors.pop("hours")
        else:
            done(gettext("Completion recorded."))
            return redirect(url_for("career.training"))
    hours: dict[str, Any] | None = None
    try:
        hours = gw().get(f"/api/v1/career/training/{_username()}", year=year)
    except Problem:
        hours = None
    return render_template(
        "career/training.html",
        hours=hours,
        year=year,
        errors=errors,
        created=created,
        kinds=[(k, labels.label("course_kind", k)) for k in labels.COURSE_KINDS],
        people=workbench().names.choices(gw()) if hr() else [],
        **_tabs(),
    )


def _number(text: str | None) -> Any:
    value = (text or "").strip()
    try:
        return float(value)
    except ValueError:
        return value or None


def my_mentorships(gateway: Gateway) -> list[dict[str, Any]]:
    """The mentorships this person's notices name (``mentorships/<id>``)."""
    ids: list[str] = []
    for notice in _safe(lambda: gateway.items("/api/v1/inbox", limit=300)):
        ref = str(notice.get("subject_ref") or "")
        if ref.startswith(MENTORSHIP_REF) and ref[len(MENTORSHIP_REF) :] not in ids:
            ids.append(ref[len(MENTORSHIP_REF) :])
    found = []
    for ident in ids[:20]:
        try:
            found.append(gateway.get(f"/api/v1/career/mentorships/{ident}"))
        except Problem:
            continue
    return found


@bp.get("/mentoring")
def mentoring(errors: dict[str, str] | None = None) -> str:
    return render_template(
        "career/mentoring.html",
        mentorships=my_mentorships(gw()),
        username=_username(),
        errors=errors or {},
        today=date.today().isoformat(),
        **_tabs(),
    )


@bp.post("/mentoring/<mentorship_id>/<any(sessions, feedback):what>")
def mentoring_post(mentorship_id: str, what: str) -> str | Response:
    if what == "sessions":
        body: dict[str, Any] = {
            "held_on": request.form.get("held_on", "").strip(),
            "hours": _number(request.form.get("hours")),
            "note": request.form.get("note", "").strip(),
        }
    else:
        body = {"score": _number(request.form.get("score"))}
        if isinstance(body["score"], float):
            body["score"] = int(body["score"])
    try:
        gw().post(f"/api/v1/career/mentorships/{mentorship_id}/{what}", body)
    except Problem as problem:
        return mentoring(
            errors={f"{mentorship_id}-{k}": v for k, v in form_errors(problem).items()}
        )
    done(gettext("Saved."))
    return redirect(url_for("career.mentoring"))


@bp.get("/talent")
def talent() -> str:
    if not talent_reader():
        abort(403)
    year = request.args.get("year", "").strip() or str(date.today().year)
    review: dict[str, Any] | None = None
    try:
        review = gw().get(f"/api/v1/career/talent-review/{year}")
    except Problem:
        review = None
    successions = _safe(lambda: gw().items("/api/v1/career/succession", limit=100))
    return render_template(
        "career/talent.html", review=review, year=year, successions=successions, **_tabs()
    )


@bp.get("/talent/<int:year>.svg")
def talent_grid(year: int) -> FlaskResponse:
    if not talent_reader():
        abort(403)
    reply = gw().get_bytes(f"/api/v1/career/talent-review/{year}.svg")
    return FlaskResponse(
        reply.content,
        mimetype="image/svg+xml",
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )
