"""The admin account and the demo organisation.

``python -m gateway.seed`` (the gateway owns the database) migrates, then
calls :func:`ensure_admin` and, with SECRETARIAT_DEMO=1, :func:`seed_demo`.
Every step is idempotent and never overwrites what an administrator changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from directory.domain.directory import Department, Person
from directory.domain.roles import (
    ADMIN,
    COMMITTEE,
    CONFIDENTIAL_CLERK,
    DISCIPLINE,
    EMPLOYEE,
    EMPLOYEE_REPRESENTATIVE,
    FINANCE,
    HR,
    IT_SUPPORT,
    LEADER,
    OFFICE_DIRECTOR,
    SECRETARIAT,
    SUPERVISING_LEADER,
)
from directory.domain.service_accounts import ServiceAccount
from directory.service_layer.directory import DirectoryService
from directory.service_layer.service_accounts import ServiceAccounts
from secretariat_shared.errors import NotFound

log = logging.getLogger(__name__)

ADMIN_USERNAME = "admin"
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo password
SEEDER = "system:seed"


@dataclass(frozen=True)
class DemoPerson:
    username: str
    name: str
    department_code: str | None
    roles: tuple[str, ...]
    superior: str | None
    post: str
    description: str


@dataclass(frozen=True)
class DemoDepartment:
    code: str
    name: str
    head: str
    supervising_leader: str


DEMO_DEPARTMENTS: tuple[DemoDepartment, ...] = (
    DemoDepartment("SEC", "秘书处", "zhao.min", "li.hua"),
    DemoDepartment("HR", "人力资源部", "chen.jing", "yang.fan"),
    DemoDepartment("FIN", "财务部", "huang.lei", "yang.fan"),
    DemoDepartment("OFF", "办公室", "zheng.qiang", "li.hua"),
    DemoDepartment("IT", "信息技术部", "lin.feng", "li.hua"),
)

# In creation order: superiors before the people who report to them.
DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("wang.jian", "王建", None, (LEADER,), None, "总经理", "top leader (领导层)"),
    DemoPerson(
        "li.hua",
        "李华",
        None,
        (SUPERVISING_LEADER,),
        "wang.jian",
        "副总经理",
        "supervising leader (分管领导) of SEC, OFF, IT",
    ),
    DemoPerson(
        "yang.fan",
        "杨帆",
        None,
        (SUPERVISING_LEADER,),
        "wang.jian",
        "副总经理",
        "supervising leader (分管领导) of HR, FIN",
    ),
    DemoPerson(
        "zhao.min",
        "赵敏",
        "SEC",
        (EMPLOYEE, SECRETARIAT),
        "li.hua",
        "秘书长",
        "head of 秘书处 SEC, secretariat",
    ),
    DemoPerson(
        "chen.jing",
        "陈静",
        "HR",
        (EMPLOYEE, HR, COMMITTEE),
        "yang.fan",
        "人力资源部经理",
        "head of 人力资源部 HR, HR, performance committee",
    ),
    DemoPerson(
        "huang.lei",
        "黄磊",
        "FIN",
        (EMPLOYEE, FINANCE),
        "yang.fan",
        "财务部经理",
        "head of 财务部 FIN, finance",
    ),
    DemoPerson(
        "zheng.qiang",
        "郑强",
        "OFF",
        (EMPLOYEE, OFFICE_DIRECTOR),
        "li.hua",
        "办公室主任",
        "office director (办公室主任), head of 办公室 OFF",
    ),
    DemoPerson(
        "lin.feng",
        "林峰",
        "IT",
        (EMPLOYEE, IT_SUPPORT),
        "li.hua",
        "信息技术部经理",
        "head of 信息技术部 IT, IT support",
    ),
    DemoPerson(
        "sun.li", "孙丽", "SEC", (EMPLOYEE, SECRETARIAT), "zhao.min", "秘书", "secretariat staff"
    ),
    DemoPerson("zhang.wei", "张伟", "SEC", (EMPLOYEE,), "zhao.min", "文员", "employee in SEC"),
    DemoPerson(
        "qian.mi",
        "钱蜜",
        "SEC",
        (EMPLOYEE, CONFIDENTIAL_CLERK),
        "zhao.min",
        "机要员",
        "confidential clerk (机要员): archives confidential and secret documents",
    ),
    DemoPerson("liu.yang", "刘洋", "HR", (EMPLOYEE, HR), "chen.jing", "人事专员", "HR staff"),
    DemoPerson("wu.fang", "吴芳", "FIN", (EMPLOYEE, FINANCE), "huang.lei", "会计", "finance staff"),
    DemoPerson(
        "ma.lin",
        "马琳",
        "OFF",
        (EMPLOYEE, DISCIPLINE),
        "zheng.qiang",
        "纪检专员",
        "discipline officer (纪检)",
    ),
    DemoPerson("he.ping", "何平", "OFF", (EMPLOYEE,), "zheng.qiang", "行政专员", "employee in OFF"),
    DemoPerson(
        "guo.tao", "郭涛", "IT", (EMPLOYEE, IT_SUPPORT), "lin.feng", "运维工程师", "IT support"
    ),
    DemoPerson(
        "zhou.ming",
        "周明",
        "IT",
        (EMPLOYEE, EMPLOYEE_REPRESENTATIVE),
        "lin.feng",
        "职工代表",
        "employee representative (职工代表): sits on the appraisal appeal panel",
    ),
)

DEMO_MAIL_DOMAIN = "secretariat.example"


def demo_phone(person: DemoPerson) -> str:
    """A made-up office number per demo person (010-6552 33NN), for I-05 follow-up calls."""
    return f"010-6552 33{DEMO_PEOPLE.index(person) + 1:02d}"


DEMO_LOGINS: list[tuple[str, str]] = [
    (person.username, f"{person.name} — {person.description}") for person in DEMO_PEOPLE
]


def _exists(lookup: Callable[[str], object], key: str) -> bool:
    try:
        lookup(key)
    except NotFound:
        return False
    return True


def ensure_admin(directory: DirectoryService, password: str) -> bool:
    """Create the ``admin`` account if it is missing; True when it was created.

    An empty password means no admin is wanted: nothing is created.
    """
    if not password or _exists(directory.get_person, ADMIN_USERNAME):
        return False
    directory.create_person(
        SEEDER,
        Person(username=ADMIN_USERNAME, name="系统管理员", roles=(ADMIN,)),
        password,
        password_policy=False,  # the operator's choice, e.g. "admin" in demo mode
    )
    log.info("created the admin account")
    return True


def seed_demo(directory: DirectoryService, password: str = DEMO_PASSWORD) -> int:
    """Create what is missing of the demo organisation; return how many items were created."""
    created = 0
    for department in DEMO_DEPARTMENTS:
        if not _exists(directory.get_department, department.code):
            directory.create_department(
                SEEDER, Department(code=department.code, name=department.name)
            )
            created += 1
    for person in DEMO_PEOPLE:
        if not _exists(directory.get_person, person.username):
            directory.create_person(
                SEEDER,
                Person(
                    username=person.username,
                    name=person.name,
                    department_code=person.department_code,
                    roles=person.roles,
                    superior_username=person.superior,
                    post=person.post,
                    phone=demo_phone(person),
                    email=f"{person.username}@{DEMO_MAIL_DOMAIN}",
                ),
                password or DEMO_PASSWORD,
                password_policy=False,
            )
            created += 1
    for department in DEMO_DEPARTMENTS:
        current = directory.get_department(department.code)
        changes: dict[str, str] = {}
        if current.head_username is None:
            changes["head_username"] = department.head
        if current.supervising_leader_username is None:
            changes["supervising_leader_username"] = department.supervising_leader
        if changes:
            directory.update_department(SEEDER, department.code, changes)
    if created:
        log.info("seeded the demo organisation (%d items)", created)
    return created


# Issue 19, docs/grpc.md: an internal system of the demo that lists and reads
# documents over gRPC (public ones only: it has no department and no role, X-03).
DEMO_CLIENT = ServiceAccount(
    client_id="demo-reader",
    name="演示对接程序",
    allowed_methods=(
        "secretariat.documents.v1.DocumentRegistry/ListDocuments",
        "secretariat.documents.v1.DocumentRegistry/GetDocument",
    ),
    created_by=SEEDER,
)
DEMO_CLIENT_SECRET = "demo-reader-secret"  # noqa: S105 - the documented demo secret


def seed_demo_client(accounts: ServiceAccounts) -> bool:
    """Create the demo service account if it is missing; True when it was created."""
    if _exists(accounts.get, DEMO_CLIENT.client_id):
        return False
    accounts.create(SEEDER, DEMO_CLIENT, DEMO_CLIENT_SECRET)
    log.info("created the demo service account %s", DEMO_CLIENT.client_id)
    return True
