"""Transcoded requests served without Flask's machinery (issue 20).

Flask's request and app contexts, its URL matching of the catch-all route,
its dispatch, hooks and signals were a quarter of the gateway's CPU per
transcoded read. :class:`FastPath` wraps Flask's WSGI app and serves the
ordinary transcoded request (a plain method on a path under ``/api/`` that no
gateway-own route begins) itself, with the same functions Flask's path uses:
:meth:`Transcoder.serve`, :func:`error_response`, :func:`secure` and
:func:`observe`. Everything else (the gateway's own routes, HEAD and OPTIONS,
odd paths) goes to Flask, and so does everything when tracing is on, which
instruments Flask.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import Flask
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.wrappers import Request

from gateway.api.errors import error_response
from gateway.api.metrics import observe
from gateway.api.security_headers import secure
from gateway.api.transcoder import Seen, Transcoder
from gateway.problems import ProblemError

FAST_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
API_PREFIX = "/api/"
# Flask's catch-all rule: the route the metrics name when no service route matched.
CATCH_ALL = "/api/<path:rest>"


def fast_request_class(max_content_length: int) -> type[Request]:
    """Werkzeug's request with Flask's body limit (MAX_CONTENT_LENGTH: 413 past it)."""

    class FastRequest(Request):
        pass

    FastRequest.max_content_length = max_content_length
    return FastRequest


def own_paths(app: Flask) -> tuple[frozenset[str], tuple[str, ...]]:
    """The gateway-own routes under ``/api/``: the paths of those without variables
    (matched exactly; one ending in a slash also without it, which Flask redirects),
    and what the others' paths begin with."""
    rules = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in ("transcode", "static") and rule.rule.startswith(API_PREFIX)
    ]
    exact = frozenset(
        path for rule in rules if "<" not in rule for path in (rule, rule.rstrip("/"))
    )
    prefixes = tuple(sorted({rule.split("<", 1)[0] for rule in rules if "<" in rule}))
    return exact, prefixes


def transcode(
    transcoder: Transcoder,
    request: Request,
    language: str,
    seen: Seen,
    own_methods: Callable[[str], set[str]],
) -> Any:
    """Serve a transcoded request; on both paths a 404 for a path that is a
    gateway-own route asked with another method is a 405 naming its methods."""
    try:
        return transcoder.serve(request, language, seen)
    except ProblemError as exc:
        own = own_methods(request.path) if exc.problem.status == 404 else set()
        if own:
            raise MethodNotAllowed(valid_methods=sorted(own)) from exc
        raise


class FastPath:
    """WSGI middleware in front of Flask's ``wsgi_app`` (and inside ProxyFix)."""

    def __init__(
        self,
        flask_app: WSGIApplication,
        transcoder: Transcoder,
        own: tuple[frozenset[str], tuple[str, ...]],
        own_methods: Callable[[str], set[str]],
        max_content_length: int,
    ) -> None:
        self._flask = flask_app
        self._transcoder = transcoder
        self._own_exact, self._own_prefixes = own
        self._own_methods = own_methods
        self._request_class = fast_request_class(max_content_length)

    def takes(self, method: str, path: str) -> bool:
        """Whether the request is an ordinary transcoded one (Flask would give it to
        its catch-all route)."""
        return (
            method in FAST_METHODS
            and path.startswith(API_PREFIX)
            and len(path) > len(API_PREFIX)
            and "//" not in path
            and not path.endswith("/")
            and path not in self._own_exact
            and not path.startswith(self._own_prefixes)
        )

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not self.takes(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")):
            return self._flask(environ, start_response)
        started = time.perf_counter()
        request = self._request_class(environ)
        transcoder = self._transcoder
        language = transcoder.language(request)
        seen = Seen()
        try:
            response = transcode(transcoder, request, language, seen, self._own_methods)
        except Exception as exc:  # every error leaves as problem+json (rule 11)
            response = error_response(exc, language)
        path = request.path
        secure(response, path, "Authorization" in request.headers)
        observe(
            request.method,
            seen.route_template or CATCH_ALL,
            response.status_code,
            time.perf_counter() - started,
            seen.username,
        )
        request.close()
        app_iter: Iterable[bytes] = response(environ, start_response)
        return app_iter


def install_fast_path(app: Flask, transcoder: Transcoder, own_methods: Any) -> None:
    """Put :class:`FastPath` in front of Flask's WSGI app (call after every route
    is registered, and before ProxyFix wraps it)."""
    app.wsgi_app = FastPath(  # type: ignore[method-assign]
        app.wsgi_app,
        transcoder,
        own_paths(app),
        own_methods,
        app.config["MAX_CONTENT_LENGTH"],
    )
