"""The whole system as processes, driven only through the gateway's HTTP API.

Runs on the embedded defaults (SQLite, embedded bus) and, when
SECRETARIAT_TEST_DATABASE_URL / SECRETARIAT_TEST_AMQP_URL are set, again on
a throwaway PostgreSQL database per service and a throwaway RabbitMQ vhost.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2ekit import Api, password_of, running_system  # noqa: E402
from run_system import System  # noqa: E402
from secretariat_shared import testing  # noqa: E402

T = TypeVar("T")
ADMIN_PASSWORD = "e2e-admin-password"


def _modes() -> list[str]:
    modes = ["embedded"]
    if testing.pg_admin_url() or testing.amqp_admin_url():
        modes.append("servers")
    return modes


# Modules whose tests change the shared system for every test after them: they run
# at the end of their stack's turn, in this order. The calendar test moves the clock
# into 2027 and loads that year's holidays; the fuzz leaves random data behind (and
# would upset the calendar test's fresh-year expectations if it went first).
LAST = ("test_calendar.py", "test_fuzz.py")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that start systems of their own first, while no shared system
    is up; then each stack's tests together (pytest's grouping by the session
    fixture's parameter is kept), the :data:`LAST` modules at the end of each."""
    modes = _modes()

    def rank(item: pytest.Item) -> tuple[int, int]:
        callspec = getattr(item, "callspec", None)
        stack = callspec.params.get("system") if callspec is not None else None
        if stack not in modes:
            return (-1, 0)
        module = item.path.name
        return (modes.index(stack), LAST.index(module) + 1 if module in LAST else 0)

    items.sort(key=rank)


@pytest.fixture(scope="session", params=_modes())
def system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    """One system per stack for the whole session: each test makes its own
    department and people (:func:`e2ekit.new_unit`), so tests need no fresh system."""
    with running_system(
        tmp_path_factory.mktemp(f"system-{request.param}"),
        request.param,
        System,
        admin_password=ADMIN_PASSWORD,
    ) as running:
        yield running


@pytest.fixture
def login(system: System) -> Callable[..., Api]:
    def make(username: str, password: str | None = None) -> Api:
        return Api(system.http_url, username, password or password_of(username))

    return make


@pytest.fixture
def admin(login: Callable[..., Api]) -> Api:
    return login("admin", ADMIN_PASSWORD)
