"""SPEC X-04 with X-03: the information hub's audit trail, searched by the
secretariat and the discipline office, says nothing of an information item the
viewer may not read nor of another person's inbox item."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from infohub.adapters.audit_trail import InfohubAuditTrail
from infohub.adapters.orm import inbox_items, info_deliveries, info_items, platform
from infohub.bootstrap import MIGRATIONS
from secretariat.common.v1 import audit_pb2
from secretariat_shared.db import Database
from secretariat_shared.errors import PermissionDenied
from secretariat_shared.identity import Identity
from secretariat_shared.test_databases import migrate_test_database

pytestmark = pytest.mark.integration

AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SECRETARIAT = Identity("sec.clerk", roles=frozenset({"employee", "secretariat"}))
DISCIPLINE = Identity("dis.wu", department_code="OFF", roles=frozenset({"employee", "discipline"}))


def _item(item_id: str, created_by: str) -> dict[str, object]:
    return {
        "id": item_id,
        "status": "submitted",
        "channel": "internal",
        "submitted_at": AT,
        "simhash": "0",
        "created_by": created_by,
        "action_owner": "",
        "data": {},
    }


def _inbox(item_id: str, recipient: str) -> dict[str, object]:
    return {
        "id": item_id,
        "recipient": recipient,
        "kind": "approval_step_opened",
        "title": "待审批：病假",
        "body": "",
        "subject_ref": "approvals/1",
        "created_at": AT,
        "source_event_id": item_id,
    }


def _audit(actor: str, action: str, kind: str, entity: str) -> dict[str, object]:
    return {"at": AT, "actor": actor, "action": action, "entity_type": kind, "entity_id": entity}


def test_x04_x03_info_items_and_inbox_items_only_for_who_may_read_them(
    database_url: str,
) -> None:
    migrate_test_database(MIGRATIONS, database_url)
    db = Database(database_url)
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(info_items), [_item("i-hidden", "hr.clerk"), _item("i-sent", "")])
            conn.execute(
                insert(info_deliveries),
                [{"item_id": "i-sent", "recipient": "dis.wu", "department_code": "OFF",
                  "delivered_at": AT}],
            )  # fmt: skip
            conn.execute(insert(inbox_items), [_inbox("n-mine", "dis.wu"), _inbox("n-hr", "hr.x")])
            conn.execute(
                insert(platform.audit_log),
                [
                    _audit("hr.clerk", "submit_info", "info_item", "i-hidden"),
                    _audit("sec.clerk", "submit_info", "info_item", "i-sent"),
                    _audit("dis.wu", "read_notice", "inbox_item", "n-mine"),
                    _audit("hr.x", "read_notice", "inbox_item", "n-hr"),
                    _audit("sec.clerk", "set_project_officers", "project", "p-1"),
                ],
            )
        trail = InfohubAuditTrail(db)

        def seen(who: Identity) -> list[str]:
            answer = trail.search(who, audit_pb2.AuditSearchRequest(page_size=50))
            assert answer.total == len(answer.items)
            return [e.entity_id for e in answer.items]

        assert seen(DISCIPLINE) == ["i-sent", "n-mine", "p-1"]
        assert seen(SECRETARIAT) == ["i-hidden", "i-sent", "p-1"]
        with pytest.raises(PermissionDenied):
            trail.search(
                Identity("hr.x", roles=frozenset({"employee"})), audit_pb2.AuditSearchRequest()
            )
    finally:
        db.dispose()
