"""The roles a person can hold (SPEC X-01). Department head is not a role:
it is derived from ``Department.head_username``."""

from __future__ import annotations

EMPLOYEE = "employee"
SECRETARIAT = "secretariat"
FINANCE = "finance"
OFFICE_DIRECTOR = "office_director"
SUPERVISING_LEADER = "supervising_leader"
LEADER = "leader"
HR = "hr"
DISCIPLINE = "discipline"
COMMITTEE = "committee"
IT_SUPPORT = "it_support"
ADMIN = "admin"

ROLES: tuple[str, ...] = (
    EMPLOYEE,
    SECRETARIAT,
    FINANCE,
    OFFICE_DIRECTOR,
    SUPERVISING_LEADER,
    LEADER,
    HR,
    DISCIPLINE,
    COMMITTEE,
    IT_SUPPORT,
    ADMIN,
)

# People holding one of these may stand outside every department.
ROLES_WITHOUT_DEPARTMENT = frozenset({LEADER, SUPERVISING_LEADER, ADMIN})

# Who may be named the leader in charge (分管领导) of a department.
ROLES_THAT_SUPERVISE = frozenset({SUPERVISING_LEADER, LEADER})
