"""SPEC X-03 for appraisals: the person, their superior chain, HR and the committee."""

from __future__ import annotations

import pytest

from performance.domain.access import may_read_appraisal

pytestmark = pytest.mark.unit


def test_x03_the_person_and_their_superior_chain_read_the_result() -> None:
    chain = ["ops.head", "leader.li"]
    assert may_read_appraisal("ops.alice", ["employee"], "ops.alice", chain)
    assert may_read_appraisal("leader.li", ["leader"], "ops.alice", chain)


def test_x03_hr_and_the_committee_read_every_result() -> None:
    assert may_read_appraisal("chen.jing", ["hr"], "ops.alice", [])
    assert may_read_appraisal("x", ["committee"], "ops.alice", [])


def test_x03_a_colleague_or_secretariat_does_not() -> None:
    assert not may_read_appraisal("ops.bob", ["employee"], "ops.alice", ["ops.head"])
    assert not may_read_appraisal("sec.clerk", ["secretariat"], "ops.alice", ["ops.head"])
