"""The 360 review after a rotation (SPEC C-06 with P-05).

Career publishes ``career.rotation.completed`` once the rotation's report is
filed; performance opens one review of the rotated person per rotation (the
rotation id is the review's id, so a redelivered or repeated event opens
nothing more). The raters and their 360 groups follow from who they are:

- superior: the person's own superior (X-01: else their department's head);
- service recipient: the head of the host department, whose work the
  rotated person served;
- peers: colleagues of the host department (the directory cannot list a
  department's members, so peers are not invited by name; any colleague of
  the host department may rate while the window is open).

The invited raters are notified with the due time: :data:`RATING_DAYS` working
days. The review closes when every invited rater answered or the window's
timer fires; the score is P-05's, renormalised over the groups that answered.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from performance.adapters.rotation_repositories import RotationRatings
from performance.adapters.rotation_repositories import RotationReviews as ReviewRows
from performance.domain.access import may_read_appraisal
from performance.domain.rating360 import GROUP_LABELS, score_360, validate_score
from performance.service_layer.context import Context
from secretariat.career.v1 import events_pb2 as career
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.identity import Identity
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

ROTATION_COMPLETED = "career.rotation.completed"
CLOSE_TIMER = "rotation_review.ratings_close"
RATING_DAYS = 5
NOTICE_REQUESTED = "performance_rotation_review_requested"
NOTICE_CLOSED = "performance_rotation_review_closed"


def _subject_ref(rotation_id: str) -> str:
    return f"rotation_review:{rotation_id}"


class RotationReviews:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # --- opening (the event) ---------------------------------------------------

    def on_rotation_completed(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        done = event.payload_as(career.RotationCompleted)
        assert isinstance(done, career.RotationCompleted)
        if not done.rotation_id or not done.username:
            return
        reviews = ReviewRows(uow.session)
        if reviews.exists(done.rotation_id):
            return
        raters = self._raters(done.username, done.to_department)
        now = self.ctx.now()
        closes_at = self.ctx.calendar.add_working_days(now, RATING_DAYS)
        reviews.add_row(
            dict(
                id=done.rotation_id,
                username=done.username,
                department_code=done.to_department,
                post=done.post,
                state="open",
                raters=raters,
                source_event_id=event.id,
                opened_at=now,
                closes_at=closes_at,
                closed_at=None,
                score=None,
                formula="",
                groups=[],
            )
        )
        self.ctx.timers.schedule(
            uow.session,
            CLOSE_TIMER,
            f"rotation_review:{done.rotation_id}:close",
            closes_at,
            {"rotation_id": done.rotation_id},
        )
        name = self._name(done.username)
        dept = self.ctx.directory.department(done.to_department)
        host = dept.name if dept else done.to_department
        for group in sorted({r["group"] for r in raters}):
            self.ctx.notify(
                uow,
                [r["username"] for r in raters if r["group"] == group],
                NOTICE_REQUESTED,
                f"请为{name}的轮岗作 360 评价（{GROUP_LABELS[group]}）",
                f"{name}在{host}的轮岗（{done.post or '—'}）已结束，"
                f"请于 {self.ctx.local(closes_at)} 前评分（0–100）。",
                _subject_ref(done.rotation_id),
                closes_at,
            )
        uow.audit(
            "performance",
            "rotation_review.opened",
            "rotation_review",
            done.rotation_id,
            after={"username": done.username, "raters": raters},
        )

    def _raters(self, username: str, host_department: str) -> list[dict[str, str]]:
        raters: list[dict[str, str]] = []
        chain = self.ctx.superior_chain(username)
        if chain:
            raters.append({"username": chain[0], "group": "superior"})
        dept = self.ctx.directory.department(host_department)
        head = dept.head_username if dept else ""
        if head and head != username and head not in {r["username"] for r in raters}:
            raters.append({"username": head, "group": "recipient"})
        return raters

    def _name(self, username: str) -> str:
        person = self.ctx.directory.person(username)
        return person.name if person and person.name else username

    # --- rating ------------------------------------------------------------------

    def submit_rating(
        self, actor: Identity, rotation_id: str, score: float, comment: str
    ) -> dict[str, Any]:
        problem = validate_score(score)
        if problem:
            raise ValidationFailed(FieldError("score", problem))
        now = self.ctx.now()
        with self.ctx.uow_factory() as uow:
            review = self._get(uow.session, rotation_id)
            if review is None:
                raise NotFound(f"rotation review {rotation_id} not found")
            if actor.username == review.username:
                raise ValidationFailed(FieldError("subject", "you cannot rate yourself"))
            group = self._group_of(review, actor.username)
            if group is None:
                raise PermissionDenied(
                    f"only {review.username}'s superior and the host department rate this rotation"
                )
            if review.state != "open":
                raise PreconditionFailed(
                    f"the rating window closed at {self.ctx.local(review.closed_at)}"
                )
            ratings = RotationRatings(uow.session)
            if ratings.rated_by(rotation_id, actor.username):
                raise Conflict(f"you have already rated {review.username} for this rotation")
            rating_id = str(uuid.uuid4())
            ratings.add_row(
                dict(
                    id=rating_id,
                    rotation_id=rotation_id,
                    rater=actor.username,
                    group=group,
                    score=float(score),
                    comment=comment.strip(),
                    created_at=now,
                )
            )
            answered = {r.rater for r in self._ratings(uow.session, rotation_id)}
            if all(r["username"] in answered for r in review.raters):
                self._close(uow, review, "all_answered")
            uow.commit()
        return {"id": rating_id, "rotation_id": rotation_id, "group": group, "score": float(score)}

    def _group_of(self, review: Any, rater: str) -> str | None:
        invited: dict[str, str] = {r["username"]: r["group"] for r in review.raters}
        if rater in invited:
            return invited[rater]
        if review.department_code and self.ctx.department_of(rater) == review.department_code:
            return "peer"
        return None

    # --- closing -------------------------------------------------------------------

    def on_ratings_close(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        review = self._get(uow.session, firing.payload["rotation_id"])
        if review is None or review.state != "open":
            return
        self._close(uow, review, "window_closed")

    def _close(self, uow: UnitOfWork, review: Any, why: str) -> None:
        now = self.ctx.now()
        rows = self._ratings(uow.session, review.id)
        score = score_360((r.group, r.score) for r in rows)
        ReviewRows(uow.session).change(
            review.id,
            {
                "state": "closed",
                "closed_at": now,
                "score": score.value,
                "formula": score.formula,
                "groups": [
                    {**asdict(g), "mean": g.shown_mean, "folded": g.folded} for g in score.groups
                ],
            },
        )
        if why == "all_answered":
            self.ctx.timers.cancel(uow.session, f"rotation_review:{review.id}:close", now)
        name = self._name(review.username)
        shown = "—（无人评分）" if score.value is None else f"{score.value:.2f}"
        chain = self.ctx.superior_chain(review.username)
        self.ctx.notify(
            uow,
            [review.username, *chain[:1]],
            NOTICE_CLOSED,
            f"{name}的轮岗 360 评价已完成",
            f"共 {len(rows)} 条评分，360 得分 {shown}。",
            _subject_ref(review.id),
        )
        uow.audit(
            "performance",
            "rotation_review.closed",
            "rotation_review",
            review.id,
            after={
                "score": score.value,
                "formula": score.formula,
                "ratings": len(rows),
                "why": why,
            },
        )

    # --- reading --------------------------------------------------------------------

    def get(self, actor: Identity, rotation_id: str) -> Any:
        """X-03: the person, their superior chain, HR and the committee; else NOT_FOUND."""
        with self.ctx.db.reading() as session:
            review = self._get(session, rotation_id)
        if review is None or not may_read_appraisal(
            actor.username, actor.roles, review.username, self.ctx.superior_chain(review.username)
        ):
            raise NotFound(f"rotation review {rotation_id} not found")
        return review

    @staticmethod
    def _get(session: Any, rotation_id: str) -> Any:
        return ReviewRows(session).get(rotation_id)

    @staticmethod
    def _ratings(session: Any, rotation_id: str) -> list[Any]:
        return RotationRatings(session).of_rotation(rotation_id)
