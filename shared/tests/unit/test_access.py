"""SPEC X-03: who reads an item of each class, per viewer kind."""

from __future__ import annotations

import pytest

from secretariat_shared.access import (
    Item,
    SecurityClass,
    Viewer,
    may_read,
    not_found,
    reach,
    viewer_of,
)
from secretariat_shared.errors import NotFound
from secretariat_shared.identity import Identity
from secretariat_shared.roles import Role

HR_PLAN = "HR"

MEMBER = Viewer("liu.yang", "HR", roles=frozenset({Role.EMPLOYEE}))
HEAD = Viewer("chen.jing", "HR", headed_departments=frozenset({"HR"}))
OTHER_HEAD = Viewer("lin.feng", "IT", headed_departments=frozenset({"IT"}))
OTHER_MEMBER = Viewer("guo.tao", "IT")
SUPERVISOR = Viewer(
    "yang.fan",
    "",
    supervised_departments=frozenset({"HR", "FIN"}),
    roles=frozenset({"supervising_leader"}),
)
OTHER_SUPERVISOR = Viewer(
    "li.hua", "", supervised_departments=frozenset({"IT"}), roles=frozenset({"supervising_leader"})
)
TOP_LEADER = Viewer("wang.jian", "", roles=frozenset({Role.LEADER}))
CLERK = Viewer("qian.mi", "SEC", roles=frozenset({Role.CONFIDENTIAL_CLERK}))
SECRETARIAT = Viewer("sun.li", "SEC", roles=frozenset({Role.SECRETARIAT}))
SERVICE = Viewer("service:meetings", is_service=True)

EXPECTED = {
    # viewer: (public, internal, confidential, secret) for an HR item
    "member": (MEMBER, (True, True, False, False)),
    "head": (HEAD, (True, True, True, False)),
    "other department's head": (OTHER_HEAD, (True, False, False, False)),
    "other department's member": (OTHER_MEMBER, (True, False, False, False)),
    "supervising leader": (SUPERVISOR, (True, True, True, False)),
    "another department's supervising leader": (OTHER_SUPERVISOR, (True, False, False, False)),
    "top leader": (TOP_LEADER, (True, True, True, False)),
    "confidential clerk": (CLERK, (True, False, True, False)),
    "secretariat member": (SECRETARIAT, (True, False, False, False)),
    "service": (SERVICE, (True, True, True, True)),
}
CLASSES = (
    SecurityClass.PUBLIC,
    SecurityClass.INTERNAL,
    SecurityClass.CONFIDENTIAL,
    SecurityClass.SECRET,
)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
@pytest.mark.parametrize("index", range(4), ids=[c.value for c in CLASSES])
def test_x03_who_reads_each_class_by_viewer_kind(kind: str, index: int) -> None:
    viewer, expected = EXPECTED[kind]
    item = Item(CLASSES[index], HR_PLAN)
    assert may_read(viewer, item) is expected[index]


@pytest.mark.parametrize("kind", sorted(EXPECTED))
@pytest.mark.parametrize("index", range(4), ids=[c.value for c in CLASSES])
def test_x03_list_reach_agrees_with_may_read(kind: str, index: int) -> None:
    viewer, expected = EXPECTED[kind]
    assert reach(viewer).allows(CLASSES[index], HR_PLAN) is expected[index]


def test_x03_head_of_another_department_does_not_read_a_confidential_item() -> None:
    assert not may_read(OTHER_HEAD, Item(SecurityClass.CONFIDENTIAL, "HR"))


def test_x03_named_readers_read_every_class() -> None:
    for security_class in CLASSES:
        item = Item(security_class, "HR", named_readers=frozenset({"guo.tao"}))
        assert may_read(OTHER_MEMBER, item)


def test_x03_step_owner_reads_only_while_the_step_is_theirs() -> None:
    owning = Item(SecurityClass.SECRET, "HR", step_owners=frozenset({"sun.li"}))
    after = Item(SecurityClass.SECRET, "HR", step_owners=frozenset())
    assert may_read(SECRETARIAT, owning)
    assert not may_read(SECRETARIAT, after)


def test_x03_reader_roles_read_whatever_the_class() -> None:
    personal = Item(SecurityClass.CONFIDENTIAL, "IT", reader_roles=frozenset({Role.HR}))
    assert may_read(Viewer("liu.yang", "HR", roles=frozenset({Role.HR})), personal)
    assert not may_read(SECRETARIAT, personal)


def test_x03_confidential_clerk_does_not_read_secret_or_other_departments_internal() -> None:
    assert not may_read(CLERK, Item(SecurityClass.SECRET, "HR"))
    assert not may_read(CLERK, Item(SecurityClass.INTERNAL, "HR"))
    assert may_read(CLERK, Item(SecurityClass.INTERNAL, "SEC"))


def test_x03_denied_reads_like_missing() -> None:
    error = not_found("document", "d-1")
    assert isinstance(error, NotFound)
    assert str(error) == "document d-1 not found"


def test_x03_viewer_of_identity_carries_headships_supervision_and_roles() -> None:
    identity = Identity(
        username="yang.fan",
        roles=frozenset({"supervising_leader"}),
        supervised_departments=frozenset({"HR"}),
    )
    assert identity == Identity.from_claims(identity.claims())
    viewer = viewer_of(identity)
    assert viewer.supervised_departments == {"HR"}
    assert may_read(viewer, Item(SecurityClass.CONFIDENTIAL, "HR"))
