"""Issue 19: the platform keeps its promises when the broker, a process or the database fails.

The gateway, the Directory, documents (the owner of registrations, SPEC
D-01) and infohub (which turns each ``documents.step.assigned`` event into
one notice in the assignee's inbox, X-06) run as processes, every service
reaching RabbitMQ and its PostgreSQL database through a cuttable link
(``links.py``). Under a load of registrations through the gateway:

1. the broker is cut for 20 s;
2. infohub (a consumer) and documents (the owner) are killed with SIGKILL
   and restarted;
3. documents' database link is cut for a few seconds.

After each: every acknowledged registration is in the register, the
department's numbers have no gap (D-01), and every registration's event
had its effect exactly once (one inbox notice per document). During the
database cut, requests fail cleanly with a problem answer within the
deadline, and documents serves again afterwards without a restart.

It needs PostgreSQL and RabbitMQ (SECRETARIAT_TEST_DATABASE_URL and
SECRETARIAT_TEST_AMQP_URL, as ``.ci/run`` sets them): a link to SQLite
or to the embedded file transport cannot be cut, so without them the
tests fail saying so. See docs/operations/faults.md.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import NamedTuple

import pytest

from e2ekit import PERSON_PASSWORD, Api, Unit, new_unit, running_system
from faultkit import (
    CLIENT_TIMEOUT,
    FaultySystem,
    Load,
    check_effects_once,
    check_register,
    register_load,
)
from links import Network
from secretariat_shared import testing

pytestmark = pytest.mark.faults

ADMIN_PASSWORD = "fault-admin-password"
SERVICES = ("documents", "infohub")
BROKER_CUT_SECONDS = 20.0
DATABASE_CUT_SECONDS = 5.0


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultySystem]:
    if not (testing.pg_admin_url() and testing.amqp_admin_url()):
        pytest.fail(
            "the fault tier needs PostgreSQL and RabbitMQ: set SECRETARIAT_TEST_DATABASE_URL "
            "and SECRETARIAT_TEST_AMQP_URL (as .ci/run does); the links it cuts do not exist "
            "on SQLite and the embedded transport"
        )
    network = Network()
    try:
        with running_system(
            tmp_path_factory.mktemp("system-faults"),
            "servers",
            FaultySystem,
            network=network,
            demo=False,
            admin_password=ADMIN_PASSWORD,
            gateway_workers=2,
            services=SERVICES,
            web=False,
        ) as system:
            yield system
    finally:
        network.close()


class Department(NamedTuple):
    unit: Unit
    clerk: Api
    head: Api


@pytest.fixture
def department(system: FaultySystem) -> Department:
    """A new department, its clerk and its head: its numbers start at 1 for each scenario."""
    admin = Api(system.http_url, "admin", ADMIN_PASSWORD)
    unit = new_unit(admin)
    return Department(
        unit,
        Api(system.http_url, unit.clerk, PERSON_PASSWORD),
        Api(system.http_url, unit.head, PERSON_PASSWORD),
    )


def _report(name: str, load: Load, took: float) -> None:
    print(
        f"\n{name}: {len(load.acknowledged)} acknowledged in {took:.1f}s, "
        f"failed attempts {dict(load.failed)}"
    )


def test_broker_cut_for_20s_loses_and_doubles_nothing(
    system: FaultySystem, department: Department
) -> None:
    unit, clerk, head = department
    cut: dict[str, float] = {}

    def cut_the_broker() -> None:
        with system.broker.down():
            cut["from"] = time.monotonic()
            time.sleep(BROKER_CUT_SECONDS)
            cut["to"] = time.monotonic()

    started = time.monotonic()
    load = register_load(clerk, unit, 100, cut_the_broker, fault_after=15)
    _report("broker cut", load, time.monotonic() - started)
    # Registering does not wait for the broker (the outbox, ENGINEERING rule 4).
    assert any(cut["from"] < at < cut["to"] for at in load.acked_at)
    assert load.failures == 0, load.failed
    assert system.broker.refused > 0, "nobody noticed the cut"
    registered = check_register(clerk, unit, load)
    check_effects_once(system, head, registered)


def test_consumer_and_owner_killed_and_restarted(
    system: FaultySystem, department: Department
) -> None:
    unit, clerk, head = department

    def kill_and_restart() -> None:
        system.kill_process("infohub")
        system.kill_process("documents")
        time.sleep(1.0)
        system.start_process("documents")
        system.start_process("infohub")
        system.wait_ready(90)

    started = time.monotonic()
    load = register_load(clerk, unit, 60, kill_and_restart, fault_after=25)
    _report("kill -9", load, time.monotonic() - started)
    assert not load.not_problems, load.not_problems
    assert load.hangs == 0
    registered = check_register(clerk, unit, load)
    check_effects_once(system, head, registered)


def test_database_cut_fails_cleanly_and_recovers(
    system: FaultySystem, department: Department
) -> None:
    unit, clerk, head = department
    link = system.db_link("documents")

    def cut_the_database() -> None:
        with link.down():
            time.sleep(DATABASE_CUT_SECONDS)

    started = time.monotonic()
    load = register_load(clerk, unit, 60, cut_the_database, fault_after=20)
    _report("database cut", load, time.monotonic() - started)
    # During the cut registrations failed, each with a problem answer within the deadline.
    assert load.failures > 0, "no request met the cut"
    assert load.hangs == 0, f"{load.hangs} request(s) unanswered within {CLIENT_TIMEOUT}s"
    assert not load.not_problems, load.not_problems
    # 503 "try again later" (the database is unavailable), not 500 (a fault in the code).
    assert set(load.failed) <= {503, 504}, load.failed
    registered = check_register(clerk, unit, load)
    check_effects_once(system, head, registered)
    # The same processes serve on: no restart was needed.
    assert system.processes["documents"].poll() is None
    reply = clerk.get("/api/v1/documents", params={"department_code": unit.code})
    assert reply.status_code == 200, reply.text
