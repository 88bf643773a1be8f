"""Directory use cases (SPEC X-01): each runs in one transaction, validated by
the domain rules against the directory as that transaction sees it, and
audited (SPEC X-04). A change to a person or a department also writes a
``directory.person.changed`` / ``directory.department.changed`` event in
that transaction, so every process caching directory answers drops them
(issue 21, :mod:`gateway.service_layer.directory_events`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

from sqlalchemy.exc import IntegrityError

from directory.adapters.directory_repository import PeopleFilter, SqlDirectory
from directory.adapters.passwords import Passwords
from directory.domain.directory import (
    Department,
    DuplicateEntry,
    Person,
    PersonRecord,
    changed_department,
    changed_person,
    check_department,
    check_person,
)
from directory.domain.roles import ADMIN, ROLES
from directory.service_layer.directory_events import department_changed, person_changed
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.errors import Conflict, FieldError, NotFound, ValidationFailed


def _snapshot(item: Department | Person) -> dict[str, Any]:
    values = asdict(item)
    if "roles" in values:
        values["roles"] = list(values["roles"])
    return values


class DirectoryService:
    def __init__(
        self,
        db: Database,
        passwords: Passwords,
        clock: Clock,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        """``on_change`` runs after each committed change (e.g. to forget cached people)."""
        self._db = db
        self._passwords = passwords
        self._clock = clock
        self._on_change = on_change

    # Departments

    def get_department(self, code: str) -> Department:
        with self._db.reading() as session:
            department = SqlDirectory(session).department(code)
        if department is None:
            raise NotFound(f"department {code} not found")
        return department

    def list_departments(self, page: int, page_size: int) -> tuple[list[Department], int]:
        with self._db.reading() as session:
            return SqlDirectory(session).list_departments((page - 1) * page_size, page_size)

    def create_department(self, actor: str, department: Department) -> Department:
        now = self._clock.now()
        with self._db.write_session() as session:
            repo = SqlDirectory(session)
            check_department(department, repo, creating=True)
            repo.add_department(department, now)
            department_changed(session, None, department, now)
            repo.audit(
                at=now,
                actor=actor,
                action="department.created",
                entity_type="department",
                entity_id=department.code,
                before=None,
                after=_snapshot(department),
            )
            self._commit(session, FieldError("code", f"department {department.code} exists"))
        return department

    def update_department(self, actor: str, code: str, changes: Mapping[str, Any]) -> Department:
        now = self._clock.now()
        with self._db.write_session() as session:
            repo = SqlDirectory(session)
            current = repo.department(code)
            if current is None:
                raise NotFound(f"department {code} not found")
            changed = check_department(changed_department(current, changes), repo, creating=False)
            if changed != current:
                repo.update_department(changed, now)
                department_changed(session, current, changed, now)
                repo.audit(
                    at=now,
                    actor=actor,
                    action="department.changed",
                    entity_type="department",
                    entity_id=code,
                    before=_snapshot(current),
                    after=_snapshot(changed),
                )
                self._commit(session, None)
        return changed

    # People

    def get_person(self, username: str) -> PersonRecord:
        with self._db.reading() as session:
            record = SqlDirectory(session).record(username)
        if record is None:
            raise NotFound(f"person {username} not found")
        return record

    def list_people(
        self, where: PeopleFilter, page: int, page_size: int
    ) -> tuple[list[PersonRecord], int]:
        with self._db.reading() as session:
            return SqlDirectory(session).list_people(where, (page - 1) * page_size, page_size)

    def role_holders(self, role: str, department_code: str | None) -> list[PersonRecord]:
        """Active people holding ``role``, optionally only in one department."""
        if role not in ROLES:
            raise ValidationFailed(FieldError("role", f"unknown role {role}"))
        with self._db.reading() as session:
            return SqlDirectory(session).role_holders(role, department_code)

    def create_person(
        self,
        actor: str,
        person: Person,
        password: str | None,
        *,
        password_policy: bool = True,
    ) -> PersonRecord:
        """Add a person; ``password_policy=False`` only for the seed's documented passwords."""
        now = self._clock.now()
        # Hashed before the transaction so the slow hash does not hold the write lock.
        password_hash = self._passwords.hash(password) if password else ""
        with self._db.write_session() as session:
            repo = SqlDirectory(session)
            person = check_person(
                person, repo, creating=True, password=password, password_policy=password_policy
            )
            repo.add_person(person, password_hash, now)
            person_changed(session, None, person, now, imported=actor.startswith("system:"))
            repo.audit(
                at=now,
                actor=actor,
                action="person.created",
                entity_type="person",
                entity_id=person.username,
                before=None,
                after=_snapshot(person),
            )
            self._commit(session, FieldError("username", f"person {person.username} exists"))
        return PersonRecord(person, ())

    def update_person(
        self, actor: str, username: str, changes: Mapping[str, Any], password: str | None
    ) -> PersonRecord:
        now = self._clock.now()
        new_hash = self._passwords.hash(password) if password else None
        with self._db.write_session() as session:
            repo = SqlDirectory(session)
            current = repo.person(username)
            if current is None:
                raise NotFound(f"person {username} not found")
            changed = check_person(
                changed_person(current, changes),
                repo,
                creating=False,
                password=password,
                password_policy=True,
            )
            if _loses_administration(current, changed):
                _keep_an_administrator(repo, username)
            if changed != current or new_hash is not None:
                repo.update_person(changed, now, new_hash)
                if changed != current:
                    person_changed(session, current, changed, now)
                if _revokes_tokens(current, changed, new_hash is not None):
                    repo.revoke_tokens(username)
                after = _snapshot(changed)
                if new_hash is not None:
                    after["password_changed"] = True
                repo.audit(
                    at=now,
                    actor=actor,
                    action="person.changed",
                    entity_type="person",
                    entity_id=username,
                    before=_snapshot(current),
                    after=after,
                )
                self._commit(session, None)
            headed = repo.headed_departments(username)
        return PersonRecord(changed, headed)

    def _commit(self, session: Any, duplicate: FieldError | None) -> None:
        """Commit; a unique-key race lost to a concurrent writer is a duplicate."""
        try:
            session.commit()
            self._on_change()
        except IntegrityError as exc:
            session.rollback()
            if duplicate is not None:
                raise DuplicateEntry(duplicate) from exc
            raise


def _is_active_admin(person: Person) -> bool:
    return person.active and ADMIN in person.roles


def _loses_administration(current: Person, changed: Person) -> bool:
    return _is_active_admin(current) and not _is_active_admin(changed)


def _keep_an_administrator(repo: SqlDirectory, username: str) -> None:
    """Refuse to deactivate or demote the last active administrator (issue 13).

    The active administrators' rows stay locked until the transaction ends,
    so two administrators cannot demote each other at the same time.
    """
    if not [other for other in repo.active_admins() if other != username]:
        raise Conflict(
            f"{username} is the last active administrator: make someone else an administrator first"
        )


def _revokes_tokens(current: Person, changed: Person, password_changed: bool) -> bool:
    """A password change, a deactivation or a role change ends the sessions before it."""
    return (
        password_changed
        or (current.active and not changed.active)
        or set(current.roles) != set(changed.roles)
    )
