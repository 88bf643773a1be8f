"""The roles a person can hold (SPEC X-01): the shared enumeration, re-exported
under the names the gateway has always used. Department head is not a role:
it is derived from ``Department.head_username``."""

from __future__ import annotations

from secretariat_shared.roles import (
    ROLES,
    ROLES_THAT_SUPERVISE,
    ROLES_WITHOUT_DEPARTMENT,
    Role,
)

EMPLOYEE = Role.EMPLOYEE
SECRETARIAT = Role.SECRETARIAT
FINANCE = Role.FINANCE
OFFICE_DIRECTOR = Role.OFFICE_DIRECTOR
SUPERVISING_LEADER = Role.SUPERVISING_LEADER
LEADER = Role.LEADER
HR = Role.HR
DISCIPLINE = Role.DISCIPLINE
COMMITTEE = Role.COMMITTEE
IT_SUPPORT = Role.IT_SUPPORT
CONFIDENTIAL_CLERK = Role.CONFIDENTIAL_CLERK
EMPLOYEE_REPRESENTATIVE = Role.EMPLOYEE_REPRESENTATIVE
ADMIN = Role.ADMIN

__all__ = [
    "ADMIN",
    "COMMITTEE",
    "CONFIDENTIAL_CLERK",
    "DISCIPLINE",
    "EMPLOYEE",
    "EMPLOYEE_REPRESENTATIVE",
    "FINANCE",
    "HR",
    "IT_SUPPORT",
    "LEADER",
    "OFFICE_DIRECTOR",
    "ROLES",
    "ROLES_THAT_SUPERVISE",
    "ROLES_WITHOUT_DEPARTMENT",
    "SECRETARIAT",
    "SUPERVISING_LEADER",
    "Role",
]
