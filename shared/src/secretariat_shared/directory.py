"""The gateway's Directory (SPEC X-01) as services see it, and its gRPC client.

Every service resolves heads, superiors and role holders the same way, so
the port and the client live here.

Answers are cached per process: the directory changes rarely and every
registration looks up a department head. How stale a cached answer may be
(issue 21): a change to a person or a department reaches every process
within about a second as ``directory.person.changed`` /
``directory.department.changed``, and :meth:`GrpcDirectory.forget` drops
the entries it touches (:mod:`secretariat_shared.directory_sync`, a
broadcast subscription per process, which the service kit starts). When that
event is missed (the listener was disconnected: it then drops everything on
reconnect; or no listener runs in the process), ``ttl`` (30 s) is the bound.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import grpc

from secretariat.directory.v1 import directory_pb2, directory_pb2_grpc
from secretariat_shared import directory_sync
from secretariat_shared.channels import open_channel
from secretariat_shared.directory_sync import DEPARTMENT, PERSON, DirectoryChange
from secretariat_shared.grpc_server import identity_metadata


@dataclass(frozen=True)
class DepartmentInfo:
    code: str
    name: str
    head_username: str
    supervising_leader_username: str


@dataclass(frozen=True)
class PersonInfo:
    username: str
    name: str
    department_code: str
    superior_username: str
    phone: str = ""
    """For follow-up calls (I-05); empty when the directory has none."""
    email: str = ""
    """Where notices are e-mailed by default; empty when the directory has none."""


class Directory(Protocol):
    """The organisation directory (SPEC X-01), owned by the gateway."""

    def department(self, code: str) -> DepartmentInfo | None: ...

    def person(self, username: str) -> PersonInfo | None: ...

    def role_holders(self, role: str) -> list[str]: ...


class GrpcDirectory:
    def __init__(self, address: str, token: Callable[[], str], ttl: float = 30.0) -> None:
        self._channel = open_channel(address)
        self._stub = directory_pb2_grpc.DirectoryStub(self._channel)
        self._token = token
        self._ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._generation = 0
        directory_sync.register(self)

    def forget(self, change: DirectoryChange) -> None:
        """Drop the answers a directory change may have made wrong."""
        with self._lock:
            self._generation += 1
            if change.kind == PERSON:
                stale = {("person", change.key), *(("role", r) for r in change.roles)}
            elif change.kind == DEPARTMENT:
                stale = {("dept", change.key), *(("person", u) for u in change.people)}
            else:
                self._cache.clear()
                return
            for key in stale:
                self._cache.pop(key, None)

    def _cached(self, key: tuple[str, str], load: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
            generation = self._generation
        value = load()
        with self._lock:
            # A change heard while loading may have come after the answer was read.
            if generation == self._generation:
                self._cache[key] = (now + self._ttl, value)
        return value

    def _call(self, method: Callable[..., Any], request: Any) -> Any:
        try:
            return method(request, metadata=identity_metadata(self._token()), timeout=5)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise

    def department(self, code: str) -> DepartmentInfo | None:
        def load() -> DepartmentInfo | None:
            d = self._call(self._stub.GetDepartment, directory_pb2.GetDepartmentRequest(code=code))
            if d is None:
                return None
            return DepartmentInfo(
                code=d.code,
                name=d.name,
                head_username=d.head_username,
                supervising_leader_username=d.supervising_leader_username,
            )

        result: DepartmentInfo | None = self._cached(("dept", code), load)
        return result

    def person(self, username: str) -> PersonInfo | None:
        def load() -> PersonInfo | None:
            p = self._call(self._stub.GetPerson, directory_pb2.GetPersonRequest(username=username))
            if p is None or not p.active:
                return None
            return PersonInfo(
                username=p.username,
                name=p.name,
                department_code=p.department_code,
                superior_username=p.superior_username,
                phone=p.phone,
                email=p.email,
            )

        result: PersonInfo | None = self._cached(("person", username), load)
        return result

    def role_holders(self, role: str) -> list[str]:
        def load() -> list[str]:
            r = self._call(
                self._stub.ListRoleHolders, directory_pb2.ListRoleHoldersRequest(role=role)
            )
            return [] if r is None else sorted(p.username for p in r.people if p.active)

        result: list[str] = self._cached(("role", role), load)
        return result

    def close(self) -> None:
        self._channel.close()
