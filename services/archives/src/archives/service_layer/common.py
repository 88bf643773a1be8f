"""What every archives use case shares: the context, notices, views."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import select

from archives.adapters import orm
from archives.adapters.vault import Vault
from archives.domain.access import ReadScope, read_scope
from archives.service_layer.ports import Approvals, Directory, Documents
from secretariat.common.v1 import notice_pb2
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.identity import Identity
from secretariat_shared.timers import TimerStore
from secretariat_shared.uow import UnitOfWork

SERVICE = "archives"
NOTIFICATION = "archives.notification.requested"
ARCHIVIST_ROLE = "secretariat"
SUPERVISOR_ROLES = ("supervising_leader", "leader")
START_APPROVAL_TIMER = "archives.start_approval"


@dataclass
class Context:
    uow_factory: Callable[[], UnitOfWork]
    db: Database
    clock: Clock
    directory: Directory
    approvals: Approvals
    documents: Documents
    vault: Vault
    timezone: str = "Asia/Shanghai"
    climate_clear_after: timedelta = timedelta(minutes=30)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    def timers(self) -> TimerStore:
        return TimerStore(orm.platform)

    def archivists(self) -> list[str]:
        return self.directory.role_holders(ARCHIVIST_ROLE)

    def scope_of(self, viewer: Identity) -> ReadScope:
        """X-03 scope of a person; supervised departments come from the Directory."""
        supervised: list[str] = []
        if viewer.has_role(*SUPERVISOR_ROLES):
            with self.db.reading() as session:
                codes = session.execute(select(orm.records.c.department_code).distinct()).scalars()
                for code in list(codes):
                    info = self.directory.department(code)
                    if info is not None and info.supervising_leader_username == viewer.username:
                        supervised.append(code)
        return read_scope(
            viewer.username,
            viewer.department_code,
            viewer.roles,
            viewer.headed_departments,
            supervised,
        )


def new_id() -> str:
    return str(uuid.uuid4())


def notify(
    uow: UnitOfWork,
    recipients: Iterable[str],
    kind: str,
    title: str,
    body: str,
    subject_ref: str,
    due_at: datetime | None = None,
) -> None:
    """An inbox notice (X-06), through the outbox."""
    people = [p for p in dict.fromkeys(recipients) if p]
    if not people:
        return
    notice = notice_pb2.Notice(
        recipients=people, kind=kind, title=title, body=body, subject_ref=subject_ref
    )
    if due_at is not None:
        stamp = Timestamp()
        stamp.FromDatetime(due_at)
        notice.due_at.CopyFrom(stamp)
    uow.emit(NOTIFICATION, subject_ref, notice)


def row_dict(row: Any) -> dict[str, Any]:
    return dict(row._mapping)
