"""Issue 11 item 6: ``StartApproval`` is idempotent on ``(source_service, source_ref)``,
held by a unique index, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from approvals_testkit import SERVICE, ApprovalHarness, make_approval_harness, requisition
from documents.adapters import approval_repository
from documents.adapters.approval_tables import approvals as approval_rows
from documents.adapters.orm import platform
from documents.bootstrap import MIGRATIONS
from secretariat.documents.v1 import events_pb2
from secretariat_shared.db import Database
from secretariat_shared.migrations import upgrade
from secretariat_shared.test_databases import migrate_test_database

pytestmark = pytest.mark.integration


def _approvals_of(h: ApprovalHarness, source_ref: str) -> list[str]:
    with h.db.reading() as s:
        return list(
            s.scalars(
                select(approval_rows.c.id).where(
                    approval_rows.c.source_service == "facilities",
                    approval_rows.c.source_ref == source_ref,
                )
            )
        )


def test_issue11_concurrent_starts_of_one_source_give_one_approval(
    approvals: ApprovalHarness,
) -> None:
    """Six retries of one start at the same moment: one approval, one started event."""
    h = approvals
    barrier = threading.Barrier(6)

    def start(_: int) -> str:
        barrier.wait()
        cmd = requisition(requester_username="fin.clerk", source_ref="requisition:R-1")
        return h.engine.start(SERVICE, cmd).id

    with ThreadPoolExecutor(6) as pool:
        ids = set(pool.map(start, range(6)))
    assert len(ids) == 1
    assert _approvals_of(h, "requisition:R-1") == list(ids)
    started = h.events("documents.approval.started", events_pb2.ApprovalStarted)
    assert [e.approval.approval_id for e in started] == list(ids)


def test_issue11_a_start_that_loses_the_race_answers_the_winners_approval(
    approvals: ApprovalHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The winner commits between the loser's lookup and its insert: the unique
    index refuses the second row and the loser answers the first approval,
    having written no event, audit row or timer of its own."""
    h = approvals
    cmd = requisition(requester_username="fin.clerk", source_ref="requisition:R-2")
    winner = h.engine.start(SERVICE, cmd)
    with h.db.reading() as s:
        outbox_before = s.execute(select(func.count()).select_from(platform.outbox)).scalar_one()
        timers_before = s.execute(select(func.count()).select_from(platform.timers)).scalar_one()
    real_lookup = approval_repository.ApprovalRepository.by_source
    calls = {"n": 0}

    def lookup_too_early(self: Any, service: str, ref: str) -> Any:
        calls["n"] += 1
        return None if calls["n"] == 1 else real_lookup(self, service, ref)

    monkeypatch.setattr(approval_repository.ApprovalRepository, "by_source", lookup_too_early)
    again = h.engine.start(SERVICE, cmd)
    assert calls["n"] == 2
    assert again.id == winner.id
    assert _approvals_of(h, "requisition:R-2") == [winner.id]
    with h.db.reading() as s:
        assert s.execute(select(func.count()).select_from(platform.outbox)).scalar_one() == (
            outbox_before
        )
        assert s.execute(select(func.count()).select_from(platform.timers)).scalar_one() == (
            timers_before
        )


def _row(approval_id: str, ref: str, at: datetime, service: str = "facilities") -> dict[str, Any]:
    return {
        "id": approval_id,
        "template_key": "supply_requisition",
        "template_version": 1,
        "subject": "领用",
        "payload": {},
        "content": "",
        "urgent": False,
        "status": "in_progress",
        "requester": "fin.clerk",
        "department_code": "FIN",
        "source_service": service,
        "source_ref": ref,
        "revision": 1,
        "history": [],
        "seal_id": "",
        "created_at": at,
        "updated_at": at,
        "completed_at": None,
    }


def test_issue11_the_database_refuses_a_second_approval_for_one_source(
    database_url: str,
) -> None:
    """Approvals people start themselves (no source service) may repeat freely."""
    migrate_test_database(MIGRATIONS, database_url)
    db = Database(database_url)
    at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(approval_rows), [_row("a1", "R-9", at), _row("a2", "", at)])
            conn.execute(insert(approval_rows), [_row("a3", "", at), _row("a4", "R-9", at, "x")])
            conn.execute(
                insert(approval_rows), [_row("p1", "R-9", at, ""), _row("p2", "R-9", at, "")]
            )
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(insert(approval_rows).values(_row("a5", "R-9", at)))
    finally:
        db.dispose()


def test_issue11_the_migration_keeps_the_earliest_of_existing_duplicates(
    database_url: str,
) -> None:
    """Duplicates started before the index: the earliest keeps the source, each
    later one keeps its row under a ref made unique by its id, audited (X-04)."""
    upgrade(MIGRATIONS, database_url, "0005")
    db = Database(database_url)
    first = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    later = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    long_ref = "x" * 200
    try:
        with db.engine.begin() as conn:
            conn.execute(
                insert(approval_rows),
                [
                    _row("b-later", "R-1", later),
                    _row("a-first", "R-1", first),
                    _row("c-later", "R-1", later),
                    _row("long-1", long_ref, first),
                    _row("long-2", long_ref, later),
                    _row("own-1", "", first),
                    _row("own-2", "", first),
                    _row("person-1", "R-1", first, service=""),
                    _row("person-2", "R-1", later, service=""),
                ],
            )
        upgrade(MIGRATIONS, database_url)
        with db.engine.connect() as conn:
            refs = dict(conn.execute(select(approval_rows.c.id, approval_rows.c.source_ref)).all())
            audited = conn.execute(
                select(platform.audit_log.c.entity_id, platform.audit_log.c.before).where(
                    platform.audit_log.c.action == "deduplicate_approval_source"
                )
            ).all()
        assert refs["a-first"] == "R-1"
        assert refs["b-later"] == "R-1#duplicate-b-later"
        assert refs["c-later"] == "R-1#duplicate-c-later"
        assert refs["long-1"] == long_ref
        assert refs["long-2"].endswith("#duplicate-long-2")
        assert len(refs["long-2"]) == 200
        assert refs["own-1"] == refs["own-2"] == ""
        assert refs["person-1"] == refs["person-2"] == "R-1"
        assert sorted(e for e, _ in audited) == ["b-later", "c-later", "long-2"]
        assert all(before["source_ref"] in {"R-1", long_ref} for _, before in audited)
        harness = make_approval_harness(database_url, migrate=False)
        try:
            again = harness.engine.start(
                SERVICE, requisition(requester_username="fin.clerk", source_ref="R-1")
            )
            assert again.id == "a-first"
        finally:
            harness.db.dispose()
    finally:
        db.dispose()
