"""SPEC X-01/X-03: one role enumeration for the directory and every service."""

from __future__ import annotations

from secretariat_shared.roles import LABELS, ROLES, Role


def test_x01_every_role_has_a_chinese_label_and_is_a_plain_string() -> None:
    assert set(LABELS) == set(Role)
    assert Role.CONFIDENTIAL_CLERK.label == "机要员"
    assert Role.SECRETARIAT == "secretariat"
    assert "confidential_clerk" in ROLES


def test_x01_the_directory_knows_the_same_roles() -> None:
    from directory.domain.roles import ROLES as DIRECTORY_ROLES

    assert DIRECTORY_ROLES == ROLES
