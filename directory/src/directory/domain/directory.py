"""The organisation directory's rules (SPEC X-01).

Every check returns all field errors at once so an administrator can fix a
form in one go. The rules read the rest of the directory through
:class:`DirectoryView`, which the repository implements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from directory.domain.password_policy import password_problems
from directory.domain.roles import ROLES, ROLES_THAT_SUPERVISE, ROLES_WITHOUT_DEPARTMENT
from secretariat_shared.errors import Conflict, FieldError, ValidationFailed

DEPARTMENT_CODE = re.compile(r"[A-Z0-9]{2,10}")
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MAX_NAME = 200
MAX_PASSWORD = 256
MAX_TEXT = 100
PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{2,37}[0-9]")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_EMAIL = 200


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    parent_code: str | None = None
    head_username: str | None = None
    supervising_leader_username: str | None = None


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    department_code: str | None = None
    roles: tuple[str, ...] = ()
    superior_username: str | None = None
    active: bool = True
    post: str | None = None
    grade: str | None = None
    phone: str | None = None
    """For the secretariat's follow-up calls (SPEC I-05)."""
    email: str | None = None
    """Where notices are e-mailed unless the person chose another address."""


@dataclass(frozen=True)
class PersonRecord:
    """A person with what the directory derives for them."""

    person: Person
    headed_departments: tuple[str, ...] = field(default_factory=tuple)
    token_version: int = 0
    supervised_departments: tuple[str, ...] = field(default_factory=tuple)
    """Departments this person is the supervising leader (分管领导) of (X-03)."""


class DirectoryView(Protocol):
    """Read access to the directory as it is now (inside the writing transaction)."""

    def department(self, code: str) -> Department | None: ...

    def person(self, username: str) -> Person | None: ...


class DuplicateEntry(Conflict):
    """A department code or username is taken (HTTP 409 with field errors)."""

    def __init__(self, error: FieldError) -> None:
        self.errors = [error]
        super().__init__(f"{error.field}: {error.message}")


DEPARTMENT_FIELDS = frozenset(
    {"name", "parent_code", "head_username", "supervising_leader_username"}
)
PERSON_FIELDS = frozenset(
    {
        "name",
        "department_code",
        "roles",
        "superior_username",
        "active",
        "post",
        "grade",
        "phone",
        "email",
    }
)


def normalise_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """Roles without duplicates, in the canonical order of :data:`ROLES`."""
    wanted = set(roles)
    known = tuple(role for role in ROLES if role in wanted)
    unknown = tuple(sorted(wanted.difference(ROLES)))
    return known + unknown


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _check_name(name: str, errors: list[FieldError]) -> None:
    if _blank(name):
        errors.append(FieldError("name", "must not be empty"))
    elif len(name) > MAX_NAME:
        errors.append(FieldError("name", f"must be at most {MAX_NAME} characters"))


def _would_cycle(start: str | None, target: str, step: Any) -> bool:
    """Whether following ``step`` from ``start`` reaches ``target``."""
    seen: set[str] = set()
    current = start
    while current is not None and current not in seen:
        if current == target:
            return True
        seen.add(current)
        current = step(current)
    return False


def check_department(candidate: Department, view: DirectoryView, *, creating: bool) -> Department:
    """Validate a new or changed department; raise on the first class of error.

    Raises :class:`DuplicateEntry` when creating a code that exists and
    :class:`ValidationFailed` listing every field error otherwise.
    """
    errors: list[FieldError] = []
    if not DEPARTMENT_CODE.fullmatch(candidate.code):
        errors.append(FieldError("code", "must be 2 to 10 uppercase letters or digits, e.g. HR"))
    elif creating and view.department(candidate.code) is not None:
        raise DuplicateEntry(FieldError("code", f"department {candidate.code} already exists"))
    _check_name(candidate.name, errors)

    parent = candidate.parent_code
    if parent is not None:
        if parent == candidate.code:
            errors.append(FieldError("parent_code", "a department cannot be its own parent"))
        elif view.department(parent) is None:
            errors.append(FieldError("parent_code", f"unknown department {parent}"))
        elif _would_cycle(parent, candidate.code, _parent_of(view)):
            errors.append(
                FieldError("parent_code", f"{parent} is below {candidate.code}: that makes a cycle")
            )

    head = candidate.head_username
    if head is not None:
        person = view.person(head)
        if person is None:
            errors.append(FieldError("head_username", f"unknown person {head}"))
        elif not person.active:
            errors.append(FieldError("head_username", f"{head} is not active"))

    leader = candidate.supervising_leader_username
    if leader is not None:
        person = view.person(leader)
        if person is None:
            errors.append(FieldError("supervising_leader_username", f"unknown person {leader}"))
        elif not person.active:
            errors.append(FieldError("supervising_leader_username", f"{leader} is not active"))
        elif not ROLES_THAT_SUPERVISE.intersection(person.roles):
            errors.append(
                FieldError(
                    "supervising_leader_username",
                    f"{leader} holds neither the supervising_leader nor the leader role",
                )
            )
    if errors:
        raise ValidationFailed(errors)
    return candidate


def _parent_of(view: DirectoryView) -> Any:
    def step(code: str) -> str | None:
        department = view.department(code)
        return department.parent_code if department else None

    return step


def _superior_of(view: DirectoryView) -> Any:
    def step(username: str) -> str | None:
        person = view.person(username)
        return person.superior_username if person else None

    return step


def check_person(
    candidate: Person,
    view: DirectoryView,
    *,
    creating: bool,
    password: str | None = None,
    password_policy: bool = False,
) -> Person:
    """Validate a new or changed person; return it with its roles normalised.

    ``password`` is the new password when one is being set (required when
    creating); it is checked here but never stored on :class:`Person`. With
    ``password_policy`` it must also meet :func:`password_problems` (every
    password an administrator sets; the seed's documented demo passwords do not).
    """
    errors: list[FieldError] = []
    if not USERNAME.fullmatch(candidate.username):
        errors.append(
            FieldError(
                "username",
                "must be 1 to 64 lowercase letters, digits, '.', '_' or '-', e.g. zhang.wei",
            )
        )
    elif creating and view.person(candidate.username) is not None:
        raise DuplicateEntry(FieldError("username", f"person {candidate.username} already exists"))
    _check_name(candidate.name, errors)

    if creating and password is None:
        errors.append(FieldError("password", "is required"))
    if password is not None:
        if password == "":
            errors.append(FieldError("password", "must not be empty"))
        elif len(password) > MAX_PASSWORD:
            errors.append(FieldError("password", f"must be at most {MAX_PASSWORD} characters"))
        elif password_policy:
            errors.extend(password_problems(candidate.username, password))

    roles = normalise_roles(candidate.roles)
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        errors.append(
            FieldError(
                "roles",
                f"unknown role(s) {', '.join(unknown)}; known roles: {', '.join(ROLES)}",
            )
        )
    if not roles:
        errors.append(FieldError("roles", "at least one role is required"))

    department = candidate.department_code
    if department is None:
        if not ROLES_WITHOUT_DEPARTMENT.intersection(roles):
            errors.append(
                FieldError(
                    "department_code",
                    "is required unless the person is a leader, supervising leader or admin",
                )
            )
    elif view.department(department) is None:
        errors.append(FieldError("department_code", f"unknown department {department}"))

    superior = candidate.superior_username
    if superior is not None:
        if superior == candidate.username:
            errors.append(FieldError("superior_username", "a person cannot be their own superior"))
        else:
            boss = view.person(superior)
            if boss is None:
                errors.append(FieldError("superior_username", f"unknown person {superior}"))
            elif not boss.active:
                errors.append(FieldError("superior_username", f"{superior} is not active"))
            elif _would_cycle(superior, candidate.username, _superior_of(view)):
                errors.append(
                    FieldError(
                        "superior_username",
                        f"{superior} reports to {candidate.username}: that makes a cycle",
                    )
                )

    for name in ("post", "grade"):
        value = getattr(candidate, name)
        if value is not None and len(value) > MAX_TEXT:
            errors.append(FieldError(name, f"must be at most {MAX_TEXT} characters"))
    if candidate.phone is not None and not PHONE.fullmatch(candidate.phone):
        errors.append(
            FieldError("phone", "must be a phone number: digits, spaces, '+', '-', '(' and ')'")
        )
    if candidate.email is not None and (
        len(candidate.email) > MAX_EMAIL or not EMAIL.fullmatch(candidate.email)
    ):
        errors.append(FieldError("email", "must be an e-mail address"))
    if errors:
        raise ValidationFailed(errors)
    return replace(candidate, roles=roles)


def changed_department(current: Department, changes: Mapping[str, Any]) -> Department:
    """``current`` with the given fields replaced (PATCH); unknown keys are ignored."""
    return replace(current, **{k: v for k, v in changes.items() if k in DEPARTMENT_FIELDS})


def changed_person(current: Person, changes: Mapping[str, Any]) -> Person:
    """``current`` with the given fields replaced (PATCH); unknown keys are ignored."""
    values = {k: v for k, v in changes.items() if k in PERSON_FIELDS}
    if "roles" in values:
        values["roles"] = tuple(values["roles"])
    return replace(current, **values)
