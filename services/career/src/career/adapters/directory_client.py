"""The Directory (gateway, SPEC X-01) over gRPC, plus who reports to whom.

The Directory has no "reports of" call, so team size (C-01) is counted
from the people of every role whose superior is the person; the listing
is cached like the other answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from secretariat.directory.v1 import directory_pb2
from secretariat_shared.directory import GrpcDirectory
from secretariat_shared.directory_sync import DEPARTMENT, DirectoryChange
from secretariat_shared.roles import ROLES


class CareerGrpcDirectory(GrpcDirectory):
    def __init__(self, address: str, token: Callable[[], str], ttl: float = 30.0) -> None:
        super().__init__(address, token, ttl)
        self._superiors: tuple[float, dict[str, str]] = (0.0, {})

    def forget(self, change: DirectoryChange) -> None:
        super().forget(change)
        if change.kind != DEPARTMENT:
            self._superiors = (0.0, {})

    def _superior_map(self) -> dict[str, str]:
        expires, known = self._superiors
        if expires > time.monotonic():
            return known
        found: dict[str, str] = {}
        for role in ROLES:
            reply = self._call(
                self._stub.ListRoleHolders, directory_pb2.ListRoleHoldersRequest(role=role)
            )
            for p in [] if reply is None else reply.people:
                if p.active:
                    found[p.username] = p.superior_username
        self._superiors = (time.monotonic() + self._ttl, found)
        return found

    def direct_reports(self, username: str) -> list[str]:
        return sorted(u for u, boss in self._superior_map().items() if boss == username)
