"""What the use cases need from outside the service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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


class Directory(Protocol):
    """The organisation directory (SPEC X-01), owned by the gateway."""

    def department(self, code: str) -> DepartmentInfo | None: ...

    def person(self, username: str) -> PersonInfo | None: ...

    def role_holders(self, role: str) -> list[str]: ...
