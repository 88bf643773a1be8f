"""The workbench application: sessions, language, menu and the filters templates use."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
from flask import Flask, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from web import labels
from web.directory import Names
from web.gateway import Gateway, Problem, Unauthorized
from web.i18n import LANGUAGES, current_language, install
from web.labels import N_
from web.schema_form import field_label
from web.settings import WebSettings

_USERNAME = re.compile(r"\b[a-z][a-z0-9_]*\.[a-z0-9_]+\b")
_HTTP_WORDS = {
    400: N_("The form was out of date. Please try again."),
    403: N_("Your roles do not open this page."),
    404: N_("There is no such page."),
}
PUBLIC_ENDPOINTS = {"auth.login", "auth.language", "static", "healthz"}


@dataclass
class Workbench:
    settings: WebSettings
    transport: httpx.BaseTransport | None
    names: Names

    def gateway(self, token: str | None, language: str) -> Gateway:
        from flask_babel import get_translations

        return Gateway(
            self.settings.gateway_url,
            token,
            language,
            self.transport,
            get_translations(),
            request.remote_addr,
        )


# Renew the gateway token when less than this is left (tokens last 15 minutes).
RENEW_BEFORE_SECONDS = 450


def workbench() -> Workbench:
    from flask import current_app

    found: Workbench = current_app.extensions["workbench"]
    return found


def gw() -> Gateway:
    """The signed-in person's gateway conversation for this request."""
    found: Gateway = g.gw
    return found


def me() -> dict[str, Any]:
    return dict(session.get("me") or {})


def has_role(*roles: str) -> bool:
    mine = set(me().get("roles", []))
    return bool(mine & set(roles)) or "admin" in mine


def is_head() -> bool:
    return bool(me().get("headed_departments"))


def menu() -> list[tuple[str, str]]:
    """The pages this person's roles open (issue 18: the menu shows only those)."""
    if not session.get("token"):
        return []
    items = [
        ("todos.index", gettext("My to-dos")),
        ("documents.index", gettext("Documents")),
        ("approvals.index", gettext("Approvals")),
        ("meetings.index", gettext("Meetings")),
        ("facilities.index", gettext("Facilities")),
        # Every employee searches and borrows archives, submits information, reads
        # their own results and career file; the tabs inside open by role.
        ("archives.index", gettext("Archives")),
        ("info.index", gettext("Information")),
        ("performance.index", gettext("Performance")),
        ("career.index", gettext("Career")),
    ]
    if is_head() or has_role("secretariat", "leader", "supervising_leader", "office_director"):
        items.append(("sla.index", gettext("SLA overview")))
    return items


def safe_next(target: str | None) -> str:
    """Only a path on this site (no open redirect)."""
    if not target:
        return url_for("todos.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("todos.index")
    return target


def local_time(value: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An API timestamp (UTC, ISO 8601) in the organisation's time zone."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return moment.strftime(fmt)
    zone = ZoneInfo(workbench().settings.timezone)
    return moment.astimezone(zone).strftime(fmt)


def money(fen: object) -> str:
    try:
        return f"¥{int(fen or 0) / 100:,.2f}"  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""


def create_app(
    settings: WebSettings | None = None, transport: httpx.BaseTransport | None = None
) -> Flask:
    settings = settings or WebSettings.from_env()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="workbench_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_REFRESH_EACH_REQUEST=True,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_minutes),
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
    )
    install(app, settings.timezone)
    app.extensions["workbench"] = Workbench(settings, transport, Names())

    from web.views import (
        approvals,
        archives,
        auth,
        career,
        documents,
        facilities,
        info,
        meetings,
        performance,
        sla,
        todos,
    )

    for module in (
        auth,
        todos,
        documents,
        approvals,
        meetings,
        facilities,
        sla,
        archives,
        info,
        performance,
        career,
    ):
        app.register_blueprint(module.bp)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.before_request
    def before() -> Response | None:
        g.lang = current_language()
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        token = session.get("token")
        if not token or float(session.get("expires_at", 0)) <= time.time():
            return _to_login(expired=bool(token))
        if request.method == "POST" and request.form.get("csrf_token") != session.get("csrf"):
            abort(400)
        g.gw = workbench().gateway(str(token), g.lang)
        if float(session["expires_at"]) - time.time() < RENEW_BEFORE_SECONDS:
            # An active person keeps their session: renew the token before it lapses.
            renewed = g.gw.refresh()
            session["token"] = renewed["access_token"]
            session["expires_at"] = time.time() + int(renewed.get("expires_in", 900)) - 10
            g.gw.close()
            g.gw = workbench().gateway(str(session["token"]), g.lang)
        person = me()
        workbench().names.ensure(g.gw, person.get("username"), person.get("department_code"))
        return None

    @app.teardown_request
    def close(_exc: BaseException | None) -> None:
        found = g.pop("gw", None)
        if found is not None:
            found.close()

    @app.errorhandler(Unauthorized)
    def unauthorized(_exc: Unauthorized) -> Response:
        return _to_login(expired=True)

    @app.errorhandler(Problem)
    def problem(exc: Problem) -> tuple[str, int]:
        status = exc.status if exc.status in (403, 404, 409, 422) else 502
        return render_template("error.html", problem=exc), status

    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(400)
    def http_error(exc: HTTPException) -> tuple[str, int]:
        code = exc.code or 500
        return render_template(
            "error.html",
            problem=Problem(code, detail=gettext(_HTTP_WORDS[code]) if code in _HTTP_WORDS else ""),
        ), code

    @app.context_processor
    def context() -> dict[str, Any]:
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(24)
        return {
            "menu": menu(),
            "me": me(),
            "languages": LANGUAGES,
            "lang": getattr(g, "lang", "zh-CN"),
            "csrf_token": session["csrf"],
            "label": labels.label,
            "has_role": has_role,
            "new_key": lambda: str(uuid.uuid4()),
            "field_label": field_label,
        }

    @app.template_filter("person")
    def person(username: str | None) -> str:
        return workbench().names.person(gw(), username) if "gw" in g else str(username or "")

    @app.template_filter("people")
    def people(usernames: list[str] | None) -> str:
        return "、".join(person(u) for u in usernames or [])

    @app.template_filter("dept")
    def dept(code: str | None) -> str:
        return workbench().names.department(gw(), code) if "gw" in g else str(code or "")

    app.add_template_filter(local_time, "localtime")

    @app.template_filter("mentions")
    def mentions(text: str | None) -> str:
        """Usernames inside free text (system comments) read as names."""
        if "gw" not in g:
            return str(text or "")
        names = workbench().names
        return _USERNAME.sub(lambda m: names.person(gw(), m.group(0)), str(text or ""))

    @app.template_filter("bilingual")
    def bilingual(text: str | None) -> str:
        return labels.template_name(str(text or ""), getattr(g, "lang", "zh-CN"))

    app.add_template_filter(money, "money")
    app.add_template_filter(labels.formula, "formula")

    @app.after_request
    def headers(reply: Response) -> Response:
        reply.headers.setdefault("X-Content-Type-Options", "nosniff")
        reply.headers.setdefault("X-Frame-Options", "DENY")
        reply.headers.setdefault("Referrer-Policy", "same-origin")
        reply.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
        )
        if session.get("token"):
            reply.headers.setdefault("Cache-Control", "no-store")
        return reply

    return app


def _to_login(expired: bool) -> Response:
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    if expired:
        flash(gettext("Your session has ended. Please sign in again."), "warning")
    if request.method == "GET":
        target = request.full_path
    else:  # back to the form's page (its input is lost: the token expired meanwhile)
        referrer = urlsplit(request.referrer or "")
        same_site = referrer.netloc == request.host
        target = (
            referrer.path + (f"?{referrer.query}" if referrer.query else "") if same_site else ""
        )
    return redirect(url_for("auth.login", next=safe_next(target.rstrip("?"))))
