"""The events a directory change emits (issue 21): written to the gateway's
outbox in the changing transaction, published by the Directory server's
relay, heard by every process that caches directory answers
(:mod:`secretariat_shared.directory_sync`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert

from directory.adapters.tables import outbox
from directory.domain.directory import Department, Person
from secretariat.directory.v1 import events_pb2
from secretariat_shared.directory_sync import DEPARTMENT_CHANGED, PERSON_CHANGED
from secretariat_shared.events import make_envelope

EVENT_SOURCE = "gateway"


def _write(session: Any, event_type: str, subject: str, payload: Any, now: datetime) -> None:
    envelope = make_envelope(event_type, EVENT_SOURCE, subject, payload, now)
    session.execute(
        insert(outbox).values(
            event_id=envelope.id,
            event_type=event_type,
            envelope=envelope.SerializeToString(),
            created_at=now,
            attempts=0,
        )
    )


def person_changed(
    session: Any, before: Person | None, after: Person, now: datetime, *, imported: bool = False
) -> None:
    """``directory.person.changed`` for a created or changed person; a person the seed
    or a bulk load creates is ``imported`` (existing staff, not a new hire: C-05)."""
    if before is None:
        change = "imported" if imported else "created"
    elif before.active and not after.active:
        change = "deactivated"
    else:
        change = "changed"
    people = [p for p in (before, after) if p is not None]
    payload = events_pb2.PersonChanged(
        username=after.username,
        change=change,
        roles=sorted({r for p in people for r in p.roles}),
        department_codes=sorted({p.department_code for p in people if p.department_code}),
    )
    _write(session, PERSON_CHANGED, f"person:{after.username}", payload, now)


def department_changed(
    session: Any, before: Department | None, after: Department, now: datetime
) -> None:
    """``directory.department.changed`` for a created or changed department."""
    departments = [d for d in (before, after) if d is not None]
    payload = events_pb2.DepartmentChanged(
        code=after.code,
        change="created" if before is None else "changed",
        usernames=sorted(
            {u for d in departments for u in (d.head_username, d.supervising_leader_username) if u}
        ),
    )
    _write(session, DEPARTMENT_CHANGED, f"department:{after.code}", payload, now)
