"""What every archives use case shares: the context, notices, views."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from archives.adapters.orm import platform
from archives.adapters.vault import Vault
from archives.service_layer.ports import Approvals, Directory, Documents
from secretariat_shared.access import Viewer, viewer_of
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.identity import Identity
from secretariat_shared.notices import Notifier
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerStore
from secretariat_shared.uow import UnitOfWork

SERVICE = "archives"
# The archivists (A-01..A-06) are the secretariat, who also own the D-05 archive step.
ARCHIVIST_ROLE = Role.SECRETARIAT.value
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
        return TimerStore(platform)

    def archivists(self) -> list[str]:
        return self.directory.role_holders(ARCHIVIST_ROLE)

    def scope_of(self, viewer: Identity) -> Viewer:
        """The X-03 viewer behind an identity (headships and supervised
        departments ride in the gateway-signed token)."""
        return viewer_of(viewer)


def new_id() -> str:
    return str(uuid.uuid4())


notify = Notifier(SERVICE)
"""An inbox notice (X-06), through the outbox, by the one recipient rule."""


def row_dict(row: Any) -> dict[str, Any]:
    return dict(row._mapping)
