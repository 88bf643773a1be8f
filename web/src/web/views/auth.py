"""Signing in and out, and the language switch.

The gateway offers no refresh: the access token lives in the HTTP-only session
cookie until it expires; then the person signs in again and returns to the page.
"""

from __future__ import annotations

import secrets
import time

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from web.app import safe_next, workbench
from web.gateway import Problem
from web.i18n import LANGUAGES

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    errors: dict[str, str] = {}
    username = request.form.get("username", "").strip()
    target = safe_next(request.values.get("next"))
    if request.method == "POST":
        if not username:
            errors["username"] = gettext("Enter your username.")
        if not request.form.get("password"):
            errors["password"] = gettext("Enter your password.")
        if not errors:
            client = workbench().gateway(None, g.lang)
            try:
                token = client.login(username, request.form["password"])
                client = workbench().gateway(token["access_token"], g.lang)
                person = client.get("/api/v1/me")
            except Problem as problem:
                if problem.status == 401:
                    errors["password"] = gettext("Wrong username or password.")
                else:
                    errors["_form"] = problem.detail or problem.title
            else:
                language = session.get("lang")
                session.clear()
                session.permanent = True
                session.update(
                    token=token["access_token"],
                    expires_at=time.time() + int(token.get("expires_in", 900)) - 10,
                    csrf=secrets.token_urlsafe(24),
                    me={
                        k: person.get(k)
                        for k in (
                            "username",
                            "name",
                            "department_code",
                            "roles",
                            "headed_departments",
                            "post",
                        )
                    },
                )
                if language:
                    session["lang"] = language
                return redirect(target)
            finally:
                client.close()
    return render_template("login.html", errors=errors, username=username, next=target)


@bp.post("/logout")
def logout() -> Response:
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language() -> Response:
    chosen = request.form.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(safe_next(request.form.get("next")))
