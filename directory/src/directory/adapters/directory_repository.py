"""Departments and people in the gateway's database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, insert, or_, select, true, update
from sqlalchemy.orm import Session

from directory.adapters.tables import departments, directory_audit, people
from directory.domain.directory import Department, Person, PersonRecord
from directory.domain.roles import ADMIN


def _department(row: Row[Any]) -> Department:
    return Department(
        code=row.code,
        name=row.name,
        parent_code=row.parent_code,
        head_username=row.head_username,
        supervising_leader_username=row.supervising_leader_username,
    )


def _person(row: Row[Any]) -> Person:
    return Person(
        username=row.username,
        name=row.name,
        department_code=row.department_code,
        roles=tuple(row.roles or ()),
        superior_username=row.superior_username,
        active=bool(row.active),
        post=row.post,
        grade=row.grade,
        phone=row.phone,
        email=row.email,
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class PeopleFilter:
    department_code: str | None = None
    role: str | None = None
    q: str | None = None
    active: bool | None = None


class SqlDirectory:
    """Repository over one session; implements :class:`directory.domain.directory.DirectoryView`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def department(self, code: str) -> Department | None:
        row = self.session.execute(select(departments).where(departments.c.code == code)).first()
        return _department(row) if row else None

    def person(self, username: str) -> Person | None:
        row = self.session.execute(select(people).where(people.c.username == username)).first()
        return _person(row) if row else None

    def password_hash(self, username: str) -> str | None:
        value = self.session.execute(
            select(people.c.password_hash).where(people.c.username == username)
        ).scalar()
        return str(value) if value is not None else None

    def headed_departments(self, username: str) -> tuple[str, ...]:
        codes = self.session.execute(
            select(departments.c.code)
            .where(departments.c.head_username == username)
            .order_by(departments.c.code)
        ).scalars()
        return tuple(codes)

    def supervised_departments(self, username: str) -> tuple[str, ...]:
        codes = self.session.execute(
            select(departments.c.code)
            .where(departments.c.supervising_leader_username == username)
            .order_by(departments.c.code)
        ).scalars()
        return tuple(codes)

    def record(self, username: str) -> PersonRecord | None:
        row = self.session.execute(select(people).where(people.c.username == username)).first()
        if row is None:
            return None
        return PersonRecord(
            _person(row),
            self.headed_departments(username),
            int(row.token_version or 0),
            supervised_departments=self.supervised_departments(username),
        )

    def revoke_tokens(self, username: str) -> None:
        """Make every access token issued to ``username`` so far invalid."""
        self.session.execute(
            update(people)
            .where(people.c.username == username)
            .values(token_version=people.c.token_version + 1)
        )

    def active_admins(self) -> list[str]:
        """Usernames of active administrators, rows locked until the transaction ends."""
        rows = self.session.execute(
            select(people.c.username, people.c.roles)
            .where(people.c.active == true())
            .with_for_update()
        )
        return [row.username for row in rows if ADMIN in (row.roles or ())]

    def list_departments(self, offset: int, limit: int) -> tuple[list[Department], int]:
        total = self.session.execute(select(func.count()).select_from(departments)).scalar_one()
        rows = self.session.execute(
            select(departments).order_by(departments.c.code).offset(offset).limit(limit)
        )
        return [_department(row) for row in rows], int(total)

    def list_people(
        self, where: PeopleFilter, offset: int, limit: int
    ) -> tuple[list[PersonRecord], int]:
        conditions: list[Any] = []
        if where.department_code is not None:
            conditions.append(people.c.department_code == where.department_code)
        if where.active is not None:
            conditions.append(people.c.active == where.active)
        if where.q:
            pattern = f"%{_escape_like(where.q)}%"
            conditions.append(
                or_(
                    people.c.username.like(pattern, escape="\\"),
                    people.c.name.like(pattern, escape="\\"),
                )
            )
        query = select(people).where(and_(true(), *conditions)).order_by(people.c.username)
        if where.role is not None:
            # Roles are a JSON list: filter in Python so SQLite and PostgreSQL agree.
            matching = [
                _person(row) for row in self.session.execute(query) if where.role in row.roles
            ]
            total = len(matching)
            page = matching[offset : offset + limit]
        else:
            total = int(
                self.session.execute(
                    select(func.count()).select_from(people).where(and_(true(), *conditions))
                ).scalar_one()
            )
            page = [_person(row) for row in self.session.execute(query.offset(offset).limit(limit))]
        heads = self._heads_of([p.username for p in page])
        return [PersonRecord(p, heads.get(p.username, ())) for p in page], total

    def _heads_of(self, usernames: list[str]) -> dict[str, tuple[str, ...]]:
        if not usernames:
            return {}
        found: dict[str, list[str]] = {}
        rows = self.session.execute(
            select(departments.c.head_username, departments.c.code)
            .where(departments.c.head_username.in_(usernames))
            .order_by(departments.c.code)
        )
        for head, code in rows:
            found.setdefault(head, []).append(code)
        return {username: tuple(codes) for username, codes in found.items()}

    def role_holders(self, role: str, department_code: str | None) -> list[PersonRecord]:
        records, _ = self.list_people(
            PeopleFilter(department_code=department_code, role=role, active=True), 0, 1_000_000
        )
        return records

    def add_department(self, department: Department, now: datetime) -> None:
        self.session.execute(
            insert(departments).values(
                **_department_values(department), created_at=now, updated_at=now
            )
        )

    def update_department(self, department: Department, now: datetime) -> None:
        self.session.execute(
            update(departments)
            .where(departments.c.code == department.code)
            .values(**_department_values(department), updated_at=now)
        )

    def add_person(self, person: Person, password_hash: str, now: datetime) -> None:
        self.session.execute(
            insert(people).values(
                **_person_values(person),
                password_hash=password_hash,
                created_at=now,
                updated_at=now,
            )
        )

    def update_person(self, person: Person, now: datetime, password_hash: str | None) -> None:
        values: dict[str, Any] = {**_person_values(person), "updated_at": now}
        if password_hash is not None:
            values["password_hash"] = password_hash
        self.session.execute(
            update(people).where(people.c.username == person.username).values(**values)
        )

    def set_password_hash(self, username: str, password_hash: str) -> None:
        self.session.execute(
            update(people).where(people.c.username == username).values(password_hash=password_hash)
        )

    def audit(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        entity_type: str,
        entity_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        self.session.execute(
            insert(directory_audit).values(
                at=at,
                actor=actor,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                before=before,
                after=after,
            )
        )

    def audit_entries(self, entity_type: str, entity_id: str) -> Sequence[Row[Any]]:
        return self.session.execute(
            select(directory_audit)
            .where(
                directory_audit.c.entity_type == entity_type,
                directory_audit.c.entity_id == entity_id,
            )
            .order_by(directory_audit.c.id)
        ).all()


def _department_values(department: Department) -> dict[str, Any]:
    return {
        "code": department.code,
        "name": department.name,
        "parent_code": department.parent_code,
        "head_username": department.head_username,
        "supervising_leader_username": department.supervising_leader_username,
    }


def _person_values(person: Person) -> dict[str, Any]:
    return {
        "username": person.username,
        "name": person.name,
        "department_code": person.department_code,
        "roles": list(person.roles),
        "superior_username": person.superior_username,
        "active": person.active,
        "post": person.post,
        "grade": person.grade,
        "phone": person.phone,
        "email": person.email,
    }
