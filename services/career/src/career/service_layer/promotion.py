"""Ladders, tenure, eligibility and exceptional promotion (SPEC C-01), and
the performance results they are computed from (P-07)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from career.domain.ladders import (
    LADDERS,
    Criteria,
    Facts,
    Rung,
    evaluate,
    merged_rungs,
    next_rung,
    priority_years,
    tenure_years,
)
from career.service_layer.approvals import schedule_approval
from career.service_layer.common import Context, iso, new_id, parse_day
from career.service_layer.training import track_mandatory_hours
from secretariat.career.v1 import events_pb2 as career_events
from secretariat_shared.errors import FieldError, NotFound, ValidationFailed
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.identity import Identity
from secretariat_shared.uow import UnitOfWork

log = logging.getLogger(__name__)

PROMOTION_FLAGGED = "career.promotion.flagged"
TENURE_SOURCE = "career post record (the Directory keeps no post history)"
EXCEPTIONAL_TEMPLATE = "general"


def rung_dict(r: Rung) -> dict[str, Any]:
    return {
        "ladder": r.ladder,
        "rung": r.rung,
        "name": r.name,
        "level": r.level,
        "criteria": r.criteria.as_dict(),
        "updated_by": r.updated_by,
    }


class Promotions:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- ladders --------------------------------------------------------------

    def rungs(self) -> list[Rung]:
        with self.ctx.read() as records:
            stored = records.rungs.edited()
        return merged_rungs(
            [
                Rung(
                    s["ladder"],
                    s["rung"],
                    "",
                    0,
                    Criteria.from_dict(s["criteria"]),
                    s["updated_by"],
                )
                for s in stored
            ]
        )

    def ladders(self) -> list[dict[str, Any]]:
        rungs = self.rungs()
        return [
            {"key": key, "name": name, "rungs": [rung_dict(r) for r in rungs if r.ladder == key]}
            for key, name in LADDERS.items()
        ]

    def put_rung(
        self, actor: Identity, ladder: str, rung: str, criteria: Criteria
    ) -> dict[str, Any]:
        """C-01: the organisation edits a rung's criteria."""
        self.ctx.require_hr(actor)
        known = {(r.ladder, r.rung): r for r in self.rungs()}
        if (ladder, rung) not in known:
            raise NotFound(f"no rung {rung} on ladder {ladder}")
        with self.ctx.uow() as uow:
            before = known[(ladder, rung)].criteria.as_dict()
            self.ctx.records(uow).rungs.put(
                ladder,
                rung,
                {
                    "criteria": criteria.as_dict(),
                    "updated_by": actor.username,
                    "updated_at": uow.clock.now(),
                },
            )
            uow.audit(
                actor.username, "put_rung", "rung", f"{ladder}/{rung}", before, criteria.as_dict()
            )
            uow.commit()
        return rung_dict(next(r for r in self.rungs() if (r.ladder, r.rung) == (ladder, rung)))

    # -- posts ------------------------------------------------------------------

    def put_post(
        self, actor: Identity, username: str, ladder: str, rung: str, post: str, started_on: str
    ) -> dict[str, Any]:
        self.ctx.require_hr(actor)
        self.ctx.known(username)
        day = parse_day(started_on, "started_on")
        if day > self.ctx.today():
            raise ValidationFailed(FieldError("started_on", "cannot be in the future"))
        if not any(r.ladder == ladder and r.rung == rung for r in self.rungs()):
            raise ValidationFailed(FieldError("rung", f"no rung {rung} on ladder {ladder}"))
        values = {"ladder": ladder, "rung": rung, "post": post, "started_on": day.isoformat()}
        with self.ctx.uow() as uow:
            posts = self.ctx.records(uow).posts
            before = posts.of(username)
            posts.put(username, {**values, "updated_at": uow.clock.now()})
            track_mandatory_hours(uow, self.ctx, username, self.ctx.today().year)
            uow.audit(actor.username, "put_post", "post", username, before, values)
            uow.commit()
        return {"username": username, **values}

    # -- eligibility ----------------------------------------------------------------

    def facts(self, username: str, today: date | None = None) -> Facts:
        """What eligibility is computed from: the post record, performance's
        annual results, the Directory's team and the transfer assessment."""
        today = today or self.ctx.today()
        with self.ctx.read() as records:
            post = records.posts.of(username)
            results = records.annual_results.latest_first(username)
            assessment = records.transfer_assessments.of(username)
        latest = results[0] if results else None
        teamwork = next((r["teamwork"] for r in results if r["teamwork"] is not None), None)
        return Facts(
            tenure_years=tenure_years(date.fromisoformat(post["started_on"]), today)
            if post
            else None,
            latest_grade=latest["grade"] if latest else None,
            latest_teamwork=teamwork,
            team_size=len(self.ctx.directory.direct_reports(username)),
            transfer_assessment_passed=assessment["passed"] if assessment else None,
        )

    def priority(self, username: str) -> bool:
        with self.ctx.read() as records:
            return records.priority_flags.of(username) is not None

    def eligibility(self, actor: Identity, username: str, target_rung: str = "") -> dict[str, Any]:
        """C-01: computed, never typed; every criterion held or not."""
        self.ctx.check_read(actor, username)
        return self._eligibility(username, target_rung)

    def _eligibility(self, username: str, target_rung: str) -> dict[str, Any]:
        rungs = self.rungs()
        with self.ctx.read() as records:
            post = records.posts.of(username)
        ladder, current = (post["ladder"], post["rung"]) if post else ("", "")
        if target_rung:
            target = next((r for r in rungs if r.rung == target_rung), None)
            if target is None:
                raise ValidationFailed(FieldError("target_rung", f"no rung {target_rung}"))
        else:
            target = next_rung(rungs, ladder, current) if post else None
        checks = evaluate(target.criteria, self.facts(username)) if target else []
        return {
            "username": username,
            "ladder": ladder,
            "current_rung": current,
            "target_rung": target.rung if target else "",
            "eligible": bool(target) and bool(post) and all(c.held for c in checks),
            "criteria": [c.as_dict() for c in checks],
            "promotion_priority": self.priority(username),
            "tenure_source": TENURE_SOURCE if post else "no post recorded",
        }

    # -- exceptional promotion ----------------------------------------------------

    def propose(
        self, actor: Identity, username: str, target_rung: str, reasons: str
    ) -> dict[str, Any]:
        """C-01: exceptional promotion with written reasons, through an approval."""
        self.ctx.check_read(actor, username)
        if actor.username == username:
            raise ValidationFailed(FieldError("username", "nobody proposes themselves"))
        if len(reasons.strip()) < 20:
            raise ValidationFailed(
                FieldError("reasons", "write the reasons (at least 20 characters)")
            )
        found = self._eligibility(username, target_rung)
        promotion = {
            "id": new_id(),
            "username": username,
            "target_rung": target_rung,
            "reasons": reasons.strip(),
            "proposed_by": actor.username,
            "state": "pending",
            "approval_id": "",
            "criteria": found["criteria"],
        }
        with self.ctx.uow() as uow:
            now = uow.clock.now()
            self.ctx.records(uow).promotions.add_row({**promotion, "created_at": now})
            schedule_approval(
                uow,
                now,
                f"promotion:{promotion['id']}",
                EXCEPTIONAL_TEMPLATE,
                f"破格提拔：{username} → {target_rung}",
                actor.username,
                {
                    "description": promotion["reasons"],
                    "username": username,
                    "target_rung": target_rung,
                },
            )
            uow.audit(
                actor.username, "propose_promotion", "promotion", promotion["id"], None, promotion
            )
            uow.commit()
        return {**promotion, "created_at": iso(now)}

    def get_promotion(self, actor: Identity, promotion_id: str) -> dict[str, Any]:
        with self.ctx.read() as records:
            row = records.promotions.get(promotion_id)
        if row is None or not (
            row["proposed_by"] == actor.username or self.ctx.may_read(actor, row["username"])
        ):
            raise NotFound(f"no promotion {promotion_id}")
        return {**row, "created_at": iso(row["created_at"])}

    def promotion_decided(
        self, uow: UnitOfWork, local_id: str, approval_id: str, outcome: str
    ) -> None:
        records = self.ctx.records(uow)
        row = records.promotions.get(local_id)
        if row is None or row["state"] != "pending":
            return
        state = "approved" if outcome == "approved" else "rejected"
        records.promotions.decided(local_id, state, approval_id)
        if state == "approved":
            post = records.posts.of(row["username"])
            ladder = next((r.ladder for r in self.rungs() if r.rung == row["target_rung"]), "")
            records.posts.put(
                row["username"],
                {
                    "ladder": ladder,
                    "rung": row["target_rung"],
                    "post": post["post"] if post else "",
                    "started_on": self.ctx.today().isoformat(),
                    "updated_at": uow.clock.now(),
                },
            )
        uow.audit("approvals", f"promotion_{state}", "promotion", local_id, row["state"], state)
        self.ctx.notify(
            uow,
            [row["username"], row["proposed_by"]],
            "promotion_decided",
            f"破格提拔申请已{'批准' if state == 'approved' else '驳回'}",
            f"{row['username']} 晋升至 {row['target_rung']} 的破格提拔申请已{'批准' if state == 'approved' else '驳回'}。",
            f"promotions/{local_id}",
        )

    # -- performance results (consumed) ----------------------------------------------

    def on_annual_grade(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """P-07 -> C-01: keep the year's grade and teamwork; two consecutive
        excellent years flag promotion priority."""
        payload = event.payload_as(career_events.AnnualGradePublished)
        assert isinstance(payload, career_events.AnnualGradePublished)
        if not payload.username or not payload.year or not payload.grade:
            log.warning("annual grade event %s lacks username, year or grade", event.id)
            return
        records = self.ctx.records(uow)
        records.annual_results.put(
            payload.username,
            payload.year,
            {
                "grade": payload.grade,
                "teamwork": payload.teamwork_score if payload.teamwork_score else None,
                "received_at": uow.clock.now(),
            },
        )
        grades = {r["year"]: r["grade"] for r in records.annual_results.of_person(payload.username)}
        years = priority_years(grades)
        flag = records.priority_flags.of(payload.username)
        if not years:
            if flag is not None and flag["source"] == "career":
                # a corrected (appealed) grade withdraws the flag this service raised
                records.priority_flags.withdraw(payload.username)
            return
        if flag is not None and list(flag["years"]) == years:
            return
        self._flag(uow, payload.username, years, "career")
        uow.emit(
            PROMOTION_FLAGGED,
            payload.username,
            career_events.PromotionFlagged(username=payload.username, years=years),
        )

    def on_priority_flagged(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        payload = event.payload_as(career_events.PromotionPriorityFlagged)
        assert isinstance(payload, career_events.PromotionPriorityFlagged)
        if payload.username:
            self._flag(uow, payload.username, list(payload.years), "performance")

    def _flag(self, uow: UnitOfWork, username: str, years: list[int], source: str) -> None:
        self.ctx.records(uow).priority_flags.put(
            username,
            {"years": years, "source": source, "flagged_at": uow.clock.now()},
        )
        uow.audit(source, "flag_promotion_priority", "person", username, None, {"years": years})
        self.ctx.notify(
            uow,
            [username, *self.ctx.superiors(username)[:1]],
            "promotion_priority",
            "晋升优先：连续两年年度考核优秀",
            f"{username} 连续两年（{'、'.join(str(y) for y in years)}）年度考核优秀，列入晋升优先。",
            f"career/eligibility/{username}",
        )
