"""People's and departments' names for the usernames and codes the API answers with."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask_babel import gettext

from web.gateway import Gateway

_TTL_SECONDS = 60.0


class Names:
    """A short-lived, process-wide copy of the directory (it is readable by every employee)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded_at = 0.0
        self.people: dict[str, dict[str, Any]] = {}
        self.departments: dict[str, dict[str, Any]] = {}

    def refresh(self, gateway: Gateway, force: bool = False) -> None:
        with self._lock:
            if not force and time.monotonic() - self._loaded_at < _TTL_SECONDS:
                return
            people = gateway.items("/api/v1/people", limit=5000)
            departments = gateway.items("/api/v1/departments", limit=1000)
            self.people = {p["username"]: p for p in people}
            self.departments = {d["code"]: d for d in departments}
            self._loaded_at = time.monotonic()

    def ensure(self, gateway: Gateway, username: str | None, department: str | None) -> None:
        """Reload a copy that predates this person or their department (both just created)."""
        self.refresh(gateway)
        stale = (username and username not in self.people) or (
            department and department not in self.departments
        )
        if stale and time.monotonic() - self._loaded_at > 2:
            self.refresh(gateway, force=True)

    def person(self, gateway: Gateway, username: str | None) -> str:
        if not username:
            return ""
        if username.startswith(("service:", "system")):
            return str(gettext("System"))
        self.refresh(gateway)
        if username not in self.people:
            self.refresh(gateway, force=time.monotonic() - self._loaded_at > 2)
        found = self.people.get(username)
        return str(found["name"]) if found else username

    def department(self, gateway: Gateway, code: str | None) -> str:
        if not code:
            return ""
        self.refresh(gateway)
        if code not in self.departments:
            self.refresh(gateway, force=time.monotonic() - self._loaded_at > 2)
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
