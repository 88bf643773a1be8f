"""People's and departments' names for the usernames and codes the API answers with."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask_babel import gettext

from web.gateway import Gateway

_TTL_SECONDS = 60.0
_RECHECK_SECONDS = 10.0
"""How long a name still missing after a reload waits before it may force another."""


class Names:
    """A short-lived, process-wide copy of the directory (it is readable by every employee)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded_at = 0.0
        self.people: dict[str, dict[str, Any]] = {}
        self.departments: dict[str, dict[str, Any]] = {}
        self._forced: dict[str, float] = {}

    def refresh(self, gateway: Gateway, force: bool = False) -> None:
        with self._lock:
            if not force and time.monotonic() - self._loaded_at < _TTL_SECONDS:
                return
            people = gateway.items("/api/v1/people", limit=5000)
            departments = gateway.items("/api/v1/departments", limit=1000)
            self.people = {p["username"]: p for p in people}
            self.departments = {d["code"]: d for d in departments}
            self._loaded_at = time.monotonic()

    def _reload_for(self, gateway: Gateway, key: str) -> None:
        """Reload a copy that predates ``key`` (a person or department created
        since): once per key and :data:`_RECHECK_SECONDS`, so names that do
        not exist cannot make every page reload the directory. A guard on the
        copy's age instead kept a department created within 2 s of a reload
        out of the pickers for the whole TTL."""
        now = time.monotonic()
        with self._lock:
            if now - self._forced.get(key, -_RECHECK_SECONDS) < _RECHECK_SECONDS:
                return
            if len(self._forced) > 1000:
                self._forced.clear()
            self._forced[key] = now
        self.refresh(gateway, force=True)

    def ensure(self, gateway: Gateway, username: str | None, department: str | None) -> None:
        """Reload a copy that predates this person or their department (both just created)."""
        self.refresh(gateway)
        if username and username not in self.people:
            self._reload_for(gateway, f"person:{username}")
        if department and department not in self.departments:
            self._reload_for(gateway, f"department:{department}")

    def person(self, gateway: Gateway, username: str | None) -> str:
        if not username:
            return ""
        if username.startswith(("service:", "system")):
            return str(gettext("System"))
        self.refresh(gateway)
        if username not in self.people:
            self._reload_for(gateway, f"person:{username}")
        found = self.people.get(username)
        return str(found["name"]) if found else username

    def department(self, gateway: Gateway, code: str | None) -> str:
        if not code:
            return ""
        self.refresh(gateway)
        if code not in self.departments:
            self._reload_for(gateway, f"department:{code}")
        found = self.departments.get(code)
        return str(found["name"]) if found else code

    def choices(self, gateway: Gateway) -> list[tuple[str, str]]:
        """(username, "name · department") for people pickers, active people only."""
        self.refresh(gateway)
        out = []
        for username, person in sorted(
            self.people.items(), key=lambda kv: (kv[1].get("department_code") or "", kv[0])
        ):
            if not person.get("active", True) or username == "admin":
                continue
            dept = self.departments.get(person.get("department_code") or "", {}).get("name", "")
            out.append((username, f"{person['name']}" + (f" · {dept}" if dept else "")))
        return out
