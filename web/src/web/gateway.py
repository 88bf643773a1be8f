"""The only way the workbench reaches the system: the gateway's public HTTP API."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from babel.support import NullTranslations

from web.field_messages import localise

MAX_PAGE = 100


class Unauthorized(Exception):
    """The gateway no longer accepts the session's token (expired or revoked)."""


@dataclass
class Problem(Exception):
    """An RFC 9457 problem the gateway answered with; ``errors`` maps field → message."""

    status: int
    title: str = ""
    detail: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail or self.title or f"HTTP {self.status}"


def _problem(reply: httpx.Response) -> Problem:
    try:
        body = reply.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    errors: dict[str, str] = {}
    for entry in body.get("errors") or []:
        if isinstance(entry, dict) and entry.get("field"):
            name = re.sub(r"\[(\d+)\]", r".\1", str(entry["field"]))  # lines[0].x → lines.0.x
            errors[name] = (errors[name] + "；" if name in errors else "") + str(
                entry.get("message", "")
            )
    return Problem(
        status=reply.status_code,
        title=str(body.get("title", "")),
        detail=str(body.get("detail", "")),
        errors=errors,
    )


class Gateway:
    """One person's conversation with the gateway, in their language."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        language: str = "zh-CN",
        transport: httpx.BaseTransport | None = None,
        translations: NullTranslations | None = None,
        client_address: str | None = None,
    ) -> None:
        self.language = language
        self.translations = translations
        headers = {"Accept-Language": language, "Accept": "application/json"}
        if client_address:
            # The person's address, for the gateway's login throttling when it trusts
            # the workbench as a proxy (SECRETARIAT_TRUSTED_PROXY_HOPS).
            headers["X-Forwarded-For"] = client_address
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(
            base_url=base_url, headers=headers, timeout=30, transport=transport
        )

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        reply = self._client.request(method, path, **kw)
        if reply.status_code == 401:
            raise Unauthorized(path)
        if reply.status_code >= 400:
            raise self._localised(_problem(reply))
        return reply

    def _localised(self, problem: Problem) -> Problem:
        if self.language != "en" and self.translations is not None:
            problem.errors = {
                name: localise(message, self.translations)
                for name, message in problem.errors.items()
            }
        return problem

    def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return self.request("GET", path, params=clean).json()

    def get_bytes(self, path: str) -> httpx.Response:
        return self.request("GET", path)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        reply = self.request("POST", path, json=json if json is not None else {}, **kw)
        return reply.json() if reply.content else {}

    def upload(self, path: str, name: str, data: bytes) -> Any:
        return self.request("POST", path, files={"file": (name, data)}).json()

    def put(self, path: str, json: Any) -> Any:
        return self.request("PUT", path, json=json).json()

    def patch(self, path: str, json: Any) -> Any:
        return self.request("PATCH", path, json=json).json()

    def items(self, path: str, limit: int = 500, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paged list (page_size at most 100), up to ``limit``."""
        found: list[dict[str, Any]] = []
        page = 1
        while len(found) < limit:
            try:
                body = self.get(path, page=page, page_size=MAX_PAGE, **params)
            except Problem as problem:
                if problem.status == 422 and {"page", "page_size"} & set(problem.errors):
                    return self.unpaged(path, **params)[:limit]
                raise
            batch = body.get("items", []) if isinstance(body, dict) else list(body)
            found.extend(batch)
            total = body.get("total") if isinstance(body, dict) else None
            if not batch or total is None or len(found) >= int(total):
                break
            page += 1
        return found[:limit]

    def unpaged(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """The items of a list answer that takes no paging parameters."""
        body = self.get(path, **params)
        return list(body.get("items", []) if isinstance(body, dict) else body)

    def refresh(self) -> dict[str, Any]:
        """A new access token for this client's (still valid) one."""
        reply = self.request("POST", "/api/v1/auth/refresh")
        result: dict[str, Any] = reply.json()
        return result

    def login(self, username: str, password: str) -> dict[str, Any]:
        reply = self._client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        if reply.status_code >= 400:
            raise _problem(reply)
        result: dict[str, Any] = reply.json()
        return result
