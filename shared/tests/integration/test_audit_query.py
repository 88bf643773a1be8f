"""SPEC X-04: the one audit-trail search every service uses, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import ColumnElement, MetaData, Table, insert

from secretariat.common.v1 import audit_pb2
from secretariat_shared.access import Viewer
from secretariat_shared.audit_query import AuditSearch, search_audit, search_audit_rpc
from secretariat_shared.db import Database
from secretariat_shared.errors import PermissionDenied, ValidationFailed
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page
from secretariat_shared.tables import PlatformTables

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SECRETARIAT = Identity("sec.clerk", roles=frozenset({"employee", "secretariat"}))
DISCIPLINE = Identity("dis.wu", roles=frozenset({"employee", "discipline"}))
EMPLOYEE = Identity("he.ping", roles=frozenset({"employee"}))
HIDDEN = "m-secret"


def hide_secret_for_discipline(table: Table, viewer: Viewer) -> ColumnElement[bool] | None:
    """A service's redaction: the discipline office may not read meeting m-secret."""
    if "secretariat" in viewer.roles:
        return None
    return table.c.entity_id != HIDDEN


@pytest.fixture
def trail(database_url: str) -> Iterator[tuple[Database, Table]]:
    metadata = MetaData()
    platform = PlatformTables(metadata)
    db = Database(database_url)
    metadata.create_all(db.engine)
    rows = [
        ("sec.clerk", "schedule", "meeting", "m-1", T0),
        ("sec.clerk", "schedule", "meeting", HIDDEN, T0 + timedelta(hours=1)),
        ("he.ping", "update", "meeting", HIDDEN, T0 + timedelta(days=1)),
        ("he.ping", "create_room", "room", "r-1", T0 + timedelta(days=2)),
        ("system", "cancel", "meeting", "m-1", T0 + timedelta(days=3)),
    ]
    with db.engine.begin() as conn:
        conn.execute(
            insert(platform.audit_log),
            [
                {
                    "at": at,
                    "actor": actor,
                    "action": action,
                    "entity_type": kind,
                    "entity_id": entity,
                    "before": None,
                    "after": {"topic": "周例会"} if entity == HIDDEN else {"n": 1},
                }
                for actor, action, kind, entity, at in rows
            ],
        )
    yield db, platform.audit_log
    db.dispose()


def test_x04_filters_by_entity_actor_type_and_time_range_with_paging(
    trail: tuple[Database, Table],
) -> None:
    db, table = trail
    rows, total = search_audit(db, table, SECRETARIAT, AuditSearch(entity_id="m-1"))
    assert total == 2
    assert [r.action for r in rows] == ["schedule", "cancel"]
    _, total = search_audit(db, table, SECRETARIAT, AuditSearch(actor="he.ping"))
    assert total == 2
    rows, _ = search_audit(db, table, SECRETARIAT, AuditSearch(entity_type="room"))
    assert [r.entity_id for r in rows] == ["r-1"]
    window = AuditSearch(at_from=T0 + timedelta(hours=1), at_to=T0 + timedelta(days=2))
    rows, total = search_audit(db, table, SECRETARIAT, window)
    assert total == 3
    assert [r.action for r in rows] == ["schedule", "update", "create_room"]
    page2, total = search_audit(db, table, SECRETARIAT, AuditSearch(page=Page(2, 2)))
    assert total == 5
    assert [r.action for r in page2] == ["update", "create_room"]


def test_x04_x03_the_redaction_leaves_out_the_item_from_page_and_total(
    trail: tuple[Database, Table],
) -> None:
    db, table = trail
    rows, total = search_audit(db, table, DISCIPLINE, AuditSearch(), hide_secret_for_discipline)
    assert total == 3
    assert HIDDEN not in {r.entity_id for r in rows}
    assert all("周例会" not in str(r.after) for r in rows)
    _, total = search_audit(
        db, table, DISCIPLINE, AuditSearch(entity_id=HIDDEN), hide_secret_for_discipline
    )
    assert total == 0
    _, total = search_audit(db, table, SECRETARIAT, AuditSearch(), hide_secret_for_discipline)
    assert total == 5


def test_x04_only_the_secretariat_and_the_discipline_office_search(
    trail: tuple[Database, Table],
) -> None:
    db, table = trail
    for caller in (EMPLOYEE, Identity("service:meetings", kind="service")):
        with pytest.raises(PermissionDenied):
            search_audit(db, table, caller, AuditSearch())
    with pytest.raises(ValidationFailed) as bad:
        search_audit(db, table, DISCIPLINE, AuditSearch(at_from=T0, at_to=T0 - timedelta(1)))
    assert bad.value.errors[0].field == "to"


def test_x04_the_rpc_answers_records_with_json_text(trail: tuple[Database, Table]) -> None:
    db, table = trail
    request = audit_pb2.AuditSearchRequest(entity_type="room", page_size=5)
    answer = search_audit_rpc(db, table, SECRETARIAT, request)
    assert (answer.total, answer.page, answer.page_size) == (1, 1, 5)
    record = answer.items[0]
    assert record.actor == "he.ping"
    assert record.after_json == '{"n": 1}'
    assert record.before_json == ""
    assert record.at.ToDatetime(tzinfo=UTC) == T0 + timedelta(days=2)
    with pytest.raises(ValidationFailed):
        search_audit_rpc(db, table, SECRETARIAT, audit_pb2.AuditSearchRequest(page_size=500))
