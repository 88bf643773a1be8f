"""Talent review (SPEC C-07) and succession (C-08).

The nine-box grid places results (from the year's annual grade) against
potential (the reviewers' assessment); names appear only for the people the
viewer may read (X-03), the rest as counts. Key posts rank successors by
readiness; a post without a successor ready within a year is flagged, and
successors are reminded to file a growth plan every quarter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from prometheus_client import Gauge

from career.adapters.records import TIMERS
from career.domain.calendar import next_quarter, quarter_bounds, quarter_of
from career.domain.succession import Successor, SuccessorIsHolder, flagged, ranked
from career.domain.talent import Dot, box, grid_svg, results_from_grade, tier
from career.service_layer.common import Context
from secretariat_shared.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

GROWTH_TIMER = "career.succession.growth_plan"
log = logging.getLogger(__name__)

UNREADY_KEY_POSTS = Gauge(
    "secretariat_career_key_posts_unready",
    "Key posts without a successor ready within a year (C-08), read from the database",
)
LEADER_ROLES = frozenset({Role.LEADER, Role.SUPERVISING_LEADER, Role.HR, Role.ADMIN})


def _placement(row: dict[str, Any], named: bool) -> dict[str, Any]:
    return {
        "year": row["year"],
        "username": row["username"] if named else "",
        "results": row["results"],
        "potential": row["potential"],
        "box": box(row["results"], row["potential"]),
        "tier": tier(row["results"], row["potential"]),
    }


class TalentReview:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def place(self, actor: Identity, year: int, username: str, potential: int) -> dict[str, Any]:
        self.ctx.require_hr(actor)
        self.ctx.known(username)
        if not 1 <= potential <= 3:
            raise ValidationFailed(FieldError("potential", "must be 1..3"))
        with self.ctx.uow() as uow:
            records = self.ctx.records(uow)
            result = records.annual_results.of(username, year)
            values = {
                "results": results_from_grade(result["grade"] if result else None),
                "potential": potential,
                "placed_by": actor.username,
                "placed_at": uow.clock.now(),
            }
            records.placements.put(year, username, values)
            uow.audit(
                actor.username,
                "place_talent",
                "placement",
                f"{year}/{username}",
                None,
                {"results": values["results"], "potential": potential},
            )
            uow.commit()
        return _placement({"year": year, "username": username, **values}, True)

    def review(self, actor: Identity, year: int) -> dict[str, Any]:
        with self.ctx.read() as records:
            found = records.placements.in_year(year)
        placements = [_placement(r, True) for r in found if self.ctx.may_read(actor, r["username"])]
        counts = {b: 0 for b in range(1, 10)}
        for r in found:
            counts[box(r["results"], r["potential"])] += 1
        boxes = [
            {"box": b, "results": (b - 1) % 3 + 1, "potential": 3 - (b - 1) // 3, "count": n}
            for b, n in counts.items()
        ]
        return {"year": year, "placements": placements, "boxes": boxes}

    def grid(self, actor: Identity, year: int) -> str:
        with self.ctx.read() as records:
            found = records.placements.in_year(year)
        dots = []
        for r in found:
            name = None
            if self.ctx.may_read(actor, r["username"]):
                person = self.ctx.directory.person(r["username"])
                name = person.name if person and person.name else r["username"]
            dots.append(Dot(box(r["results"], r["potential"]), name))
        return grid_svg(year, dots)

    # -- succession -----------------------------------------------------------------

    def _may_see_post(self, actor: Identity, row: dict[str, Any]) -> bool:
        return (
            bool(set(actor.roles) & LEADER_ROLES)
            or actor.username == row["holder"]
            or actor.username in self.ctx.superiors(row["holder"])
            or any(s["username"] == actor.username for s in row["successors"])
        )

    @staticmethod
    def _answer(row: dict[str, Any]) -> dict[str, Any]:
        successors = [Successor(s["username"], s["readiness"]) for s in row["successors"]]
        plans = row["growth_plans"]
        return {
            "post": row["post"],
            "title": row["title"],
            "holder": row["holder"],
            "successors": [
                {
                    "username": s.username,
                    "readiness": s.readiness,
                    "rank": i + 1,
                    "growth_plans": sorted(
                        p["quarter"] for p in plans if p["username"] == s.username
                    ),
                }
                for i, s in enumerate(successors)
            ],
            "flagged": flagged(successors),
        }

    def get_succession(self, actor: Identity, post: str) -> dict[str, Any]:
        with self.ctx.read() as records:
            row = records.successions.of(post)
        if row is None or not self._may_see_post(actor, row):
            raise NotFound(f"no key post {post}")
        return self._answer(row)

    def put_succession(
        self, actor: Identity, post: str, title: str, holder: str, successors: list[Successor]
    ) -> dict[str, Any]:
        """C-08: successors ranked by readiness; the holder cannot be one."""
        self.ctx.require_hr(actor)
        self.ctx.known(holder, "holder")
        for s in successors:
            if self.ctx.directory.person(s.username) is None:
                raise ValidationFailed(FieldError("successors", f"no person {s.username}"))
        try:
            ordered = ranked(holder, successors)
        except SuccessorIsHolder:
            raise ValidationFailed(
                FieldError("successors", f"{holder} holds the post and cannot be its successor")
            ) from None
        except ValueError as exc:
            raise ValidationFailed(FieldError("successors", str(exc))) from None
        with self.ctx.uow() as uow:
            successions = self.ctx.records(uow).successions
            before = successions.of(post)
            names = {s.username for s in ordered}
            plans = [
                p for p in (before["growth_plans"] if before else []) if p["username"] in names
            ]
            values = {
                "title": title.strip() or (before["title"] if before else post),
                "holder": holder,
                "successors": [{"username": s.username, "readiness": s.readiness} for s in ordered],
                "growth_plans": plans,
                "updated_at": uow.clock.now(),
            }
            successions.put(post, values)
            quarter = quarter_of(self.ctx.today())
            for s in ordered:
                self._schedule_growth(uow, post, s.username, quarter)
            uow.audit(
                actor.username,
                "put_succession",
                "key_post",
                post,
                None if before is None else before["successors"],
                values["successors"],
            )
            uow.commit()
        return self._answer({"post": post, **values})

    def _schedule_growth(self, uow: UnitOfWork, post: str, username: str, quarter: str) -> None:
        """A reminder two weeks before the quarter ends unless its plan is filed."""
        due = self.ctx.at_midnight(quarter_bounds(quarter)[1] - timedelta(days=14))
        if due <= uow.clock.now():
            quarter = next_quarter(quarter)
            due = self.ctx.at_midnight(quarter_bounds(quarter)[1] - timedelta(days=14))
        TIMERS.schedule(
            uow.session,
            GROWTH_TIMER,
            f"growth:{post}:{username}:{quarter}",
            due,
            {"post": post, "username": username, "quarter": quarter},
        )

    def unready_count(self) -> int:
        """C-08's dashboard panel: key posts without a ready successor."""
        with self.ctx.read() as records:
            found = records.successions.every()
        return sum(
            1
            for r in found
            if flagged([Successor(s["username"], s["readiness"]) for s in r["successors"]])
        )

    def list_successions(
        self, actor: Identity, flagged_only: bool, page: Page
    ) -> tuple[list[dict[str, Any]], int]:
        with self.ctx.read() as records:
            found = records.successions.by_post()
        visible = [self._answer(r) for r in found if self._may_see_post(actor, r)]
        if flagged_only:
            visible = [v for v in visible if v["flagged"]]
        return visible[page.offset : page.offset + page.limit], len(visible)

    def file_growth_plan(
        self, actor: Identity, post: str, quarter: str, plan: str
    ) -> dict[str, Any]:
        with self.ctx.uow() as uow:
            successions = self.ctx.records(uow).successions
            row = successions.of(post)
            if row is None or not self._may_see_post(actor, row):
                raise NotFound(f"no key post {post}")
            if not any(s["username"] == actor.username for s in row["successors"]):
                raise PermissionDenied("only a named successor files a growth plan")
            plans = [
                p
                for p in row["growth_plans"]
                if not (p["username"] == actor.username and p["quarter"] == quarter)
            ]
            plans.append({"username": actor.username, "quarter": quarter, "plan": plan.strip()})
            successions.plan_growth(post, plans)
            uow.audit(
                actor.username, "file_growth_plan", "key_post", post, None, {"quarter": quarter}
            )
            uow.commit()
        return self._answer({**row, "growth_plans": plans})

    def on_growth_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """C-08: a successor without this quarter's growth plan is reminded."""
        post, username, quarter = (
            firing.payload["post"],
            firing.payload["username"],
            firing.payload["quarter"],
        )
        row = self.ctx.records(uow).successions.of(post)
        ref = f"career/succession/{post}"
        if row is None or not any(s["username"] == username for s in row["successors"]):
            return
        self._schedule_growth(uow, post, username, next_quarter(quarter))
        if any(p["username"] == username and p["quarter"] == quarter for p in row["growth_plans"]):
            self.ctx.fired(uow, GROWTH_TIMER, ref, "met", [])
            return
        self.ctx.notify(
            uow,
            [username],
            "growth_plan_due",
            f"{quarter}成长计划待提交",
            f"您是关键岗位“{row['title']}”的继任者，请提交{quarter}的成长计划。",
            ref,
        )
        self.ctx.fired(uow, GROWTH_TIMER, ref, "reminded", [username])


def last_known(read: Callable[[], int]) -> Callable[[], float]:
    """A gauge reading that never breaks ``/metrics``: when the database cannot
    answer, the last value read stays and the failure is logged."""
    last = [0.0]

    def reading() -> float:
        try:
            last[0] = float(read())
        except Exception:
            log.warning("key posts without a ready successor: the database did not answer")
        return last[0]

    return reading
