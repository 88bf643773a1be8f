"""The roles a person can hold (SPEC X-01, X-03), one enumeration for every service
and the directory. Department head and supervising leader of a department are
not roles: the directory derives them from ``Department.head_username`` and
``Department.supervising_leader_username``.

A ``Role`` is a ``str``: ``Role.SECRETARIAT == "secretariat"``, so it goes into
tokens, protobuf fields and SQL as its value.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
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
    CONFIDENTIAL_CLERK = "confidential_clerk"
    EMPLOYEE_REPRESENTATIVE = "employee_representative"
    """职工代表: sits on the appraisal appeal panel (SPEC P-10)."""
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The Chinese name of the role, as users know it."""
        return LABELS[self]


LABELS: dict[Role, str] = {
    Role.EMPLOYEE: "员工",
    Role.SECRETARIAT: "秘书处",
    Role.FINANCE: "财务",
    Role.OFFICE_DIRECTOR: "办公室主任",
    Role.SUPERVISING_LEADER: "分管领导",
    Role.LEADER: "领导层",
    Role.HR: "人力资源",
    Role.DISCIPLINE: "纪检",
    Role.COMMITTEE: "考核委员会",
    Role.IT_SUPPORT: "信息技术支持",
    Role.CONFIDENTIAL_CLERK: "机要员",
    Role.EMPLOYEE_REPRESENTATIVE: "职工代表",
    Role.ADMIN: "系统管理员",
}

ROLES: tuple[str, ...] = tuple(role.value for role in Role)

TOP_LEADERSHIP = frozenset({Role.LEADER})
"""X-03 领导层: reads internal and confidential items of every department."""

OVERSIGHT_ROLES = frozenset({Role.SECRETARIAT, Role.DISCIPLINE, Role.ADMIN})
"""Who oversees every approval and reads the audit trail (X-03, X-04): they see
that an item exists in lists, never the content of one they may not read."""

ROLES_WITHOUT_DEPARTMENT = frozenset({Role.LEADER, Role.SUPERVISING_LEADER, Role.ADMIN})
"""People holding one of these may stand outside every department."""

ROLES_THAT_SUPERVISE = frozenset({Role.SUPERVISING_LEADER, Role.LEADER})
"""Who may be named the leader in charge (分管领导) of a department."""
