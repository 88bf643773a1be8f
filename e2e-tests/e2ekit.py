"""Helpers for end-to-end tests: a running system, a logged-in API client, polling,
a test organisation."""

from __future__ import annotations

import random
import string
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx

from directory.seed import DEMO_PASSWORD, DEMO_PEOPLE
from run_system import Ports, System
from secretariat_shared import testing

# People the tests create must meet the password policy (issue 13); the
# seeded demo people keep the documented demo password.
PERSON_PASSWORD = "e2e-person-password"
DEMO_USERNAMES = frozenset(person.username for person in DEMO_PEOPLE)


def password_of(username: str) -> str:
    """The password a test logs in with: the demo one for seeded people."""
    return DEMO_PASSWORD if username in DEMO_USERNAMES else PERSON_PASSWORD


T = TypeVar("T")
S = TypeVar("S", bound=System)


@contextmanager
def running_system(
    data_dir: Path,
    stack: str,
    factory: Callable[..., S],
    timeout: float = 120.0,
    **options: Any,
) -> Iterator[S]:
    """A system started on ``stack`` and stopped (its databases and vhost dropped) after.

    ``embedded``: SQLite files and the embedded bus under ``data_dir``.
    ``servers``: a throwaway database per process on SECRETARIAT_TEST_DATABASE_URL
    and a throwaway vhost on SECRETARIAT_TEST_AMQP_URL (whichever is set).
    ``factory`` (:class:`System` or a subclass) builds it from ``options``.
    """
    pg = amqp = None
    if stack == "servers":
        pg, admin_amqp = testing.pg_admin_url(), testing.amqp_admin_url()
        if admin_amqp:
            testing.check_amqp_reachable(admin_amqp)
            amqp = testing.create_throwaway_vhost(admin_amqp)
    elif stack != "embedded":
        raise ValueError(f"unknown stack {stack!r}")
    options.setdefault("database_prefix", f"sec_e2e_{uuid.uuid4().hex[:8]}")
    system = factory(
        data_dir, Ports.random(), testing=True, postgres_url=pg, amqp_url=amqp, **options
    )
    try:
        system.start(timeout=timeout)
        yield system
    finally:
        system.stop()
        if pg:
            for name in ("gateway", *system.services):
                testing.drop_database(pg, system.database_url(name))
        if amqp:
            testing.delete_vhost(amqp)


class Api:
    """A logged-in person talking to the gateway."""

    def __init__(self, base_url: str, username: str, password: str | None = None) -> None:
        self.base_url = base_url
        self.username = username
        self.password = password or password_of(username)
        self.client = httpx.Client(base_url=base_url, timeout=30)
        self.login()

    def login(self) -> None:
        reply = self.client.post(
            "/api/v1/auth/login", json={"username": self.username, "password": self.password}
        )
        assert reply.status_code == 200, reply.text
        self.client.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.get(path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return self.client.post(path, json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return self.client.patch(path, json=json, **kw)


def eventually(check: Callable[[], T], timeout: float = 20.0, interval: float = 0.2) -> T:
    """Poll until ``check`` returns a truthy value (events cross processes asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value {value!r}")
        time.sleep(interval)


class Reader(Protocol):
    """Anything that GETs from the gateway as someone: :class:`Api`, a test's own client."""

    def get(self, path: str, **kw: Any) -> httpx.Response: ...


def all_pages(api: Reader, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paged list, page by page (100 a page)."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        reply = api.get(path, params={**params, "page": page, "page_size": 100})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        items.extend(body["items"])
        if len(items) >= body["total"] or not body["items"]:
            return items
        page += 1


def document(dept: str, **kw: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title": "关于做好年终总结工作的通知",
        "type_code": "04",
        "department_code": dept,
        "security_class": "internal",
        "retention": "10y",
        "priority": "routine",
        "body": "各部门：请于12月20日前提交年度总结。",
    }
    body.update(kw)
    return body


def inbox_of(api: Api, kind: str | None = None) -> list[dict[str, object]]:
    reply = api.get("/api/v1/inbox", params={"page_size": 100})
    assert reply.status_code == 200, reply.text
    items: list[dict[str, object]] = reply.json()["items"]
    return [i for i in items if kind is None or i["kind"] == kind]


@dataclass
class Unit:
    code: str
    head: str
    clerk: str
    staff: str
    secretary: str


def new_unit(admin: object) -> Unit:
    code = "E" + "".join(random.choices(string.ascii_uppercase, k=6))
    low = code.lower()
    unit = Unit(code, f"{low}.head", f"{low}.clerk", f"{low}.staff", f"{low}.sec")
    reply = admin.post(  # type: ignore[attr-defined]
        "/api/v1/departments", json={"code": code, "name": f"测试部{code}"}
    )
    assert reply.status_code == 201, reply.text
    people = [
        (unit.head, "部门负责人", ["employee"]),
        (unit.clerk, "文书", ["employee"]),
        (unit.staff, "科员", ["employee"]),
        (unit.secretary, "秘书", ["employee", "secretariat"]),
    ]
    for username, name, roles in people:
        reply = admin.post(  # type: ignore[attr-defined]
            "/api/v1/people",
            json={
                "username": username,
                "name": name,
                "password": PERSON_PASSWORD,
                "department_code": code,
                "roles": roles,
            },
        )
        assert reply.status_code == 201, reply.text
    reply = admin.patch(f"/api/v1/departments/{code}", json={"head_username": unit.head})  # type: ignore[attr-defined]
    assert reply.status_code == 200, reply.text
    return unit


def system_now(admin: Api) -> datetime:
    """The system's clock (the testing clock another test may have moved), not the wall's."""
    reply = admin.post("/api/v1/testing/clock", json={"advance_seconds": 0})
    assert reply.status_code == 200, reply.text
    return datetime.fromisoformat(reply.json()["now"])
