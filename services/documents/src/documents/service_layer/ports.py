"""What the use cases need from outside the service."""

from __future__ import annotations

from secretariat_shared.directory import DepartmentInfo as DepartmentInfo
from secretariat_shared.directory import Directory as Directory
from secretariat_shared.directory import PersonInfo as PersonInfo
