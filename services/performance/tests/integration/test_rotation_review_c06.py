"""SPEC C-06 with P-05: a finished rotation gets a 360 review in performance."""

from __future__ import annotations

import pytest
from performance_testkit import ALICE, BOB, HEAD, OUTSIDER, Harness, person
from sqlalchemy import func, select

from performance.adapters import orm
from performance.service_layer.rotation_reviews import (
    NOTICE_CLOSED,
    NOTICE_REQUESTED,
    ROTATION_COMPLETED,
)
from secretariat.career.v1 import events_pb2 as career
from secretariat_shared.errors import NotFound, PermissionDenied, PreconditionFailed

pytestmark = pytest.mark.integration

FIN_HEAD = person("fin.head", "FIN")


def rotation_done(h: Harness, rotation_id: str = "rot-1", event_id: str | None = None) -> str:
    event = h.deliver(
        ROTATION_COMPLETED,
        career.RotationCompleted(
            rotation_id=rotation_id, username="ops.alice", to_department="FIN", post="预算专员"
        ),
        event_id,
    )
    return event.id


def reviews(h: Harness) -> int:
    with h.db.reading() as s:
        return int(s.execute(select(func.count()).select_from(orm.rotation_reviews)).scalar_one())


def test_c06_a_finished_rotation_opens_a_360_review_and_notifies_the_raters(
    harness: Harness,
) -> None:
    rotation_done(harness)

    review = harness.rotation_reviews.get(ALICE, "rot-1")
    assert review.state == "open"
    assert {(r["username"], r["group"]) for r in review.raters} == {
        ("ops.head", "superior"),
        ("fin.head", "recipient"),
    }
    asked = harness.notices(NOTICE_REQUESTED)
    assert sorted(r for n in asked for r in n.recipients) == ["fin.head", "ops.head"]
    assert all("ops.alice" in n.title and n.HasField("due_at") for n in asked)
    assert all(n.subject_ref == "rotation_review:rot-1" for n in asked)
    with pytest.raises(NotFound):
        harness.rotation_reviews.get(BOB, "rot-1")


def test_c06_ratings_give_the_renormalised_360_score_when_the_window_closes(
    harness: Harness,
) -> None:
    rotation_done(harness)
    harness.rotation_reviews.submit_rating(HEAD, "rot-1", 80, "适应快")
    harness.rotation_reviews.submit_rating(OUTSIDER, "rot-1", 70, "")
    with pytest.raises(PermissionDenied):
        harness.rotation_reviews.submit_rating(BOB, "rot-1", 90, "")
    assert harness.rotation_reviews.get(ALICE, "rot-1").state == "open"

    harness.advance(days=9)

    review = harness.rotation_reviews.get(ALICE, "rot-1")
    assert review.state == "closed"
    assert review.score == pytest.approx((0.5 * 80 + 0.3 * 70) / 0.8)
    assert "renormalised: no ratings from recipient" in review.formula
    assert [n.recipients for n in harness.notices(NOTICE_CLOSED)] == [["ops.alice", "ops.head"]]
    with pytest.raises(PreconditionFailed):
        harness.rotation_reviews.submit_rating(FIN_HEAD, "rot-1", 90, "")


def test_c06_the_review_closes_as_soon_as_every_invited_rater_answered(harness: Harness) -> None:
    rotation_done(harness)
    harness.rotation_reviews.submit_rating(HEAD, "rot-1", 80, "")
    harness.rotation_reviews.submit_rating(FIN_HEAD, "rot-1", 90, "")

    review = harness.rotation_reviews.get(ALICE, "rot-1")
    assert review.state == "closed"
    assert review.score == pytest.approx((0.5 * 80 + 0.2 * 90) / 0.7, abs=0.01)
    harness.advance(days=9)
    assert len(harness.notices(NOTICE_CLOSED)) == 1


def test_c06_a_duplicate_event_opens_nothing_more(harness: Harness) -> None:
    event_id = rotation_done(harness)
    rotation_done(harness, event_id=event_id)
    rotation_done(harness)

    assert reviews(harness) == 1
    assert len(harness.notices(NOTICE_REQUESTED)) == 2
