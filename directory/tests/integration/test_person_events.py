"""C-05 with issue 21: a person the seed (or a bulk load) creates is announced as
``imported``, so career asks HR for a mentor only for real new hires."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.adapters.passwords import fast_passwords
from directory.adapters.tables import outbox
from directory.domain.directory import Person
from directory.domain.roles import EMPLOYEE
from directory.seed import SEEDER, seed_demo
from directory.service_layer.directory import DirectoryService
from secretariat.common.v1 import envelope_pb2
from secretariat.directory.v1 import events_pb2
from secretariat_shared.clock import ManualClock
from secretariat_shared.db import Database

pytestmark = pytest.mark.integration


def _changes(db: Database) -> dict[str, str]:
    found: dict[str, str] = {}
    with db.read_session() as session:
        for (raw,) in session.execute(select(outbox.c.envelope).order_by(outbox.c.id)):
            envelope = envelope_pb2.EventEnvelope.FromString(raw)
            if envelope.type != "directory.person.changed":
                continue
            change = events_pb2.PersonChanged()
            envelope.payload.Unpack(change)
            found[change.username] = change.change
    return found


def test_c05_seeded_people_are_imported_and_a_person_an_admin_adds_is_created(
    migrated_database_url: str,
) -> None:
    db = Database(migrated_database_url)
    try:
        directory = DirectoryService(db, fast_passwords(), ManualClock())
        seed_demo(directory, "demo")
        directory.create_person(
            "admin",
            Person(username="xin.ren", name="辛任", department_code="SEC", roles=(EMPLOYEE,)),
            "a-long-enough-password-9",
        )
        changes = _changes(db)
        assert changes["zhang.wei"] == "imported"
        assert changes["xin.ren"] == "created"
        assert SEEDER.startswith("system:")
    finally:
        db.dispose()
