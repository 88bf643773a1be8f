"""The Performance gRPC API (and through the gateway, the HTTP API): protobuf in,
use case, protobuf out. Errors are domain errors the interceptor maps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc

from performance.domain.facts import Fact
from performance.domain.grading import Rules
from performance.domain.indicators import Indicator
from performance.domain.titles import TitleRule
from performance.service_layer.appeals import Appeals
from performance.service_layer.appraisal import Appraisals, ResultView
from performance.service_layer.followups import FollowUps
from performance.service_layer.rotation_reviews import RotationReviews
from secretariat.performance.v1 import performance_pb2 as pb
from secretariat.performance.v1 import performance_pb2_grpc
from secretariat_shared.grpc_server import current_identity

Context = grpc.ServicerContext


def _set_ts(target: Any, moment: datetime | None) -> None:
    if moment is not None:
        target.FromDatetime(moment.astimezone(UTC))


def rotation_review_pb(row: Any, show_raters: bool) -> pb.RotationReview:
    """P-05: the person rated never sees who was asked to rate them."""
    message = pb.RotationReview(
        rotation_id=row.id,
        username=row.username,
        department_code=row.department_code,
        post=row.post,
        state=row.state,
        raters=[
            pb.RotationRater(username=r["username"], group=r["group"])
            for r in (row.raters if show_raters else [])
        ],
        formula=row.formula,
    )
    _set_ts(message.opened_at, row.opened_at)
    _set_ts(message.closes_at, row.closes_at)
    _set_ts(message.closed_at, row.closed_at)
    if row.score is not None:
        message.score = row.score
    for g in row.groups:
        group = message.groups.add(
            group=g["group"],
            nominal_weight=g["nominal_weight"],
            weight=g["weight"],
            raters=g["raters"],
            folded=g["folded"],
        )
        if g["mean"] is not None:
            group.mean = g["mean"]
    return message


def cycle_pb(row: Any) -> pb.Cycle:
    message = pb.Cycle(
        id=row.id,
        kind=row.kind,
        period=row.period,
        period_start=row.period_start,
        period_end=row.period_end,
        state=row.state,
        results=row.results,
        created_by=row.created_by,
    )
    _set_ts(message.publication_due_at, row.publication_due_at)
    _set_ts(message.ratings_close_at, row.ratings_close_at)
    _set_ts(message.published_at, row.published_at)
    if row.publication_met is not None:
        message.publication_met = bool(row.publication_met)
    return message


def fact_pb(fact: Fact) -> pb.Fact:
    message = pb.Fact(
        id=fact.id,
        kind=fact.kind,
        username=fact.username,
        department_code=fact.department_code,
        value=fact.value,
        source_event_id=fact.source_event_id,
        source_event_type=fact.source_event_type,
        detail=fact.detail,
        struck_by_appeal=fact.struck_by_appeal,
    )
    _set_ts(message.occurred_at, fact.occurred_at)
    return message


def indicator_pb(indicator: Indicator) -> pb.Indicator:
    message = pb.Indicator(
        name=indicator.name,
        unit=indicator.unit,
        formula=indicator.formula,
        facts=[fact_pb(f) for f in indicator.facts],
    )
    if indicator.value is not None:
        message.value = indicator.value
    if indicator.target is not None:
        message.target = indicator.target
    if indicator.target_met is not None:
        message.target_met = indicator.target_met
    return message


def result_pb(view: ResultView) -> pb.Result:
    row, cycle = view.row, view.cycle
    explanation = row.explanation
    message = pb.Result(
        id=row.id,
        cycle_id=row.cycle_id,
        cycle_kind=cycle.kind,
        period=cycle.period,
        username=row.username,
        department_code=row.department_code,
        score=row.score,
        grade=row.grade,
        formula=explanation["formula"],
        rating_formula=explanation["rating_formula"],
        facts=[fact_pb(f) for f in view.facts],
        veto_record=row.veto_record,
        bonus_priority=bool(row.bonus_priority),
        award_eligible=bool(row.bonus_priority),
        innovation_bonus=bool(row.innovation_bonus),
        titles=list(row.titles),
        version=row.version,
        improvement_plan_id=row.improvement_plan_id,
        correction=row.correction,
        previous_grade=row.previous_grade,
    )
    for g in explanation["groups"]:
        group = message.groups.add(
            group=g["group"],
            nominal_weight=g["nominal_weight"],
            weight=g["weight"],
            raters=g["raters"],
            folded=g["folded"],
        )
        if g["mean"] is not None:
            group.mean = g["mean"]
    for p in explanation["parts"]:
        part = message.parts.add(name=p["name"], weight=p["weight"], formula=p["formula"])
        if p["value"] is not None:
            part.value = p["value"]
    for d in explanation.get("development", []):
        item = message.development.add(
            name=d["name"],
            unit=d["unit"],
            formula=d["formula"],
            facts=[
                fact_pb(view.development_facts[i])
                for i in d["fact_ids"]
                if i in view.development_facts
            ],
        )
        if d["value"] is not None:
            item.value = d["value"]
        if d["target"] is not None:
            item.target = d["target"]
        if d["target_met"] is not None:
            item.target_met = d["target_met"]
    _set_ts(message.published_at, row.published_at)
    _set_ts(message.appeal_deadline, row.appeal_deadline)
    _set_ts(message.interview_due_at, row.interview_due_at)
    return message


def appeal_pb(row: Any) -> pb.Appeal:
    message = pb.Appeal(
        id=row.id,
        result_id=row.result_id,
        appellant=row.appellant,
        reason=row.reason,
        disputed_fact_ids=list(row.disputed_fact_ids),
        state=row.state,
        second=bool(row.second),
        approval_id=row.approval_id,
        decision=row.decision,
    )
    _set_ts(message.filed_at, row.filed_at)
    _set_ts(message.deadline, row.deadline)
    _set_ts(message.decision_due_at, row.decision_due_at)
    _set_ts(message.decided_at, row.decided_at)
    _set_ts(message.review_due_at, row.review_due_at)
    _set_ts(message.review_opened_at, row.review_opened_at)
    for entry in row.panel_trail or []:
        decision = message.panel.add(
            approver=entry["approver"],
            role=entry["role"],
            action=entry["action"],
            reason=entry["reason"],
        )
        _set_ts(decision.decided_at, datetime.fromisoformat(entry["at"]))
    return message


def plan_pb(row: Any) -> pb.ImprovementPlan:
    message = pb.ImprovementPlan(
        id=row.id,
        result_id=row.result_id,
        username=row.username,
        state=row.state,
        missed_check_ins=row.missed_check_ins,
    )
    _set_ts(message.opened_at, row.opened_at)
    _set_ts(message.next_check_in_due_at, row.next_check_in_due_at)
    for c in row.check_ins:
        entry = message.check_ins.add(recorded_by=c["recorded_by"], note=c["note"])
        _set_ts(entry.recorded_at, datetime.fromisoformat(c["recorded_at"]))
    return message


def title_rule_pb(rule: TitleRule) -> pb.TitleRule:
    return pb.TitleRule(
        code=rule.code,
        name=rule.name,
        name_en=rule.name_en,
        indicator=rule.indicator,
        min_facts=rule.min_facts,
        require_target=rule.require_target,
        winners=rule.winners,
    )


def title_rule_of(message: pb.TitleRule) -> TitleRule:
    """0 for a count means "not given": the default 1."""
    return TitleRule(
        code=message.code.strip(),
        name=message.name.strip(),
        name_en=message.name_en.strip(),
        indicator=message.indicator,
        min_facts=message.min_facts or 1,
        require_target=message.require_target,
        winners=message.winners or 1,
    )


def title_award_pb(award: Any, facts: list[Fact]) -> pb.TitleAward:
    message = pb.TitleAward(
        code=award.code,
        name=award.name,
        name_en=award.name_en,
        username=award.username,
        result_id=award.result_id,
        indicator=award.indicator,
        value=award.value,
        formula=award.formula,
        rule=title_rule_pb(TitleRule.from_dict(award.rule)),
        facts=[fact_pb(f) for f in facts],
    )
    _set_ts(message.awarded_at, award.awarded_at)
    return message


def rules_pb(rules: Rules) -> pb.Rules:
    return pb.Rules(
        excellent_from=rules.excellent_from,
        good_from=rules.good_from,
        pass_from=rules.pass_from,
        excellent_share=rules.excellent_share,
        rating_weight=rules.rating_weight,
    )


class PerformanceServicer(performance_pb2_grpc.PerformanceServicer):
    def __init__(
        self,
        appraisals: Appraisals,
        appeals: Appeals,
        followups: FollowUps,
        rotation_reviews: RotationReviews,
    ) -> None:
        self.appraisals = appraisals
        self.appeals = appeals
        self.followups = followups
        self.rotation_reviews = rotation_reviews

    def GetRotationReview(  # noqa: N802
        self, request: pb.GetRotationReviewRequest, context: Context
    ) -> pb.RotationReview:
        actor = current_identity()
        row = self.rotation_reviews.get(actor, request.rotation_id)
        return rotation_review_pb(row, show_raters=actor.username != row.username)

    def SubmitRotationRating(  # noqa: N802
        self, request: pb.SubmitRotationRatingRequest, context: Context
    ) -> pb.RotationRating:
        r = self.rotation_reviews.submit_rating(
            current_identity(), request.rotation_id, request.score, request.comment
        )
        return pb.RotationRating(
            id=r["id"], rotation_id=r["rotation_id"], group=r["group"], score=r["score"]
        )

    def CreateCycle(self, request: pb.CreateCycleRequest, context: Context) -> pb.Cycle:  # noqa: N802
        return cycle_pb(
            self.appraisals.create_cycle(current_identity(), request.kind, request.period)
        )

    def GetCycle(self, request: pb.GetCycleRequest, context: Context) -> pb.Cycle:  # noqa: N802
        return cycle_pb(self.appraisals.get_cycle(request.id))

    def SubmitRating(self, request: pb.SubmitRatingRequest, context: Context) -> pb.Rating:  # noqa: N802
        r = self.appraisals.submit_rating(
            current_identity(),
            request.id,
            request.subject,
            request.group,
            request.score,
            request.comment,
        )
        message = pb.Rating(
            id=r["id"],
            cycle_id=r["cycle_id"],
            subject=r["subject"],
            group=r["group"],
            score=r["score"],
        )
        _set_ts(message.created_at, r["created_at"])
        return message

    def PublishCycle(self, request: pb.PublishCycleRequest, context: Context) -> pb.Cycle:  # noqa: N802
        return cycle_pb(self.appraisals.publish(current_identity(), request.id))

    def GetResult(self, request: pb.GetResultRequest, context: Context) -> pb.Result:  # noqa: N802
        return result_pb(self.appraisals.result(current_identity(), request.id, request.username))

    def GetIndicators(  # noqa: N802
        self, request: pb.GetIndicatorsRequest, context: Context
    ) -> pb.IndicatorReport:
        period, department, indicators = self.appraisals.indicators(
            current_identity(), request.username, request.period
        )
        return pb.IndicatorReport(
            username=request.username,
            department_code=department,
            period=period.label,
            period_start=period.start.isoformat(),
            period_end=period.end.isoformat(),
            indicators=[indicator_pb(i) for i in indicators],
        )

    def GetDepartmentIndicators(  # noqa: N802
        self, request: pb.GetDepartmentIndicatorsRequest, context: Context
    ) -> pb.IndicatorReport:
        period, indicators = self.appraisals.department_indicators(
            current_identity(), request.code, request.period
        )
        return pb.IndicatorReport(
            department_code=request.code,
            period=period.label,
            period_start=period.start.isoformat(),
            period_end=period.end.isoformat(),
            indicators=[indicator_pb(i) for i in indicators],
        )

    def FileAppeal(self, request: pb.FileAppealRequest, context: Context) -> pb.Appeal:  # noqa: N802
        return appeal_pb(
            self.appeals.file(
                current_identity(),
                request.result_id,
                request.reason,
                list(request.disputed_fact_ids),
            )
        )

    def GetAppeal(self, request: pb.GetAppealRequest, context: Context) -> pb.Appeal:  # noqa: N802
        return appeal_pb(self.appeals.get(current_identity(), request.id))

    def GetAppealStatistics(  # noqa: N802
        self, request: pb.GetAppealStatisticsRequest, context: Context
    ) -> pb.AppealStatistics:
        return pb.AppealStatistics(**self.appeals.statistics(request.period))

    def RecordInterview(self, request: pb.RecordInterviewRequest, context: Context) -> pb.Interview:  # noqa: N802
        row = self.followups.record_interview(
            current_identity(),
            request.result_id,
            {
                "facts": request.facts,
                "gap": request.gap,
                "guidance": request.guidance,
                "development_plan": request.development_plan,
            },
        )
        message = pb.Interview(
            id=row.id,
            result_id=row.result_id,
            facts=row.facts,
            gap=row.gap,
            guidance=row.guidance,
            development_plan=row.development_plan,
            recorded_by=row.recorded_by,
            met_deadline=bool(row.met_deadline),
        )
        _set_ts(message.recorded_at, row.recorded_at)
        return message

    def GetImprovementPlan(  # noqa: N802
        self, request: pb.GetImprovementPlanRequest, context: Context
    ) -> pb.ImprovementPlan:
        return plan_pb(self.followups.plan(current_identity(), request.id))

    def RecordCheckIn(  # noqa: N802
        self, request: pb.RecordCheckInRequest, context: Context
    ) -> pb.ImprovementPlan:
        return plan_pb(self.followups.check_in(current_identity(), request.id, request.note))

    def RecordLeak(self, request: pb.RecordLeakRequest, context: Context) -> pb.Fact:  # noqa: N802
        occurred = request.occurred_at.ToDatetime(tzinfo=UTC)
        return fact_pb(
            self.appraisals.record_leak(
                current_identity(), request.username, occurred, request.record
            )
        )

    def GetRules(self, request: pb.GetRulesRequest, context: Context) -> pb.Rules:  # noqa: N802
        return rules_pb(self.appraisals.rules())

    def SetRules(self, request: pb.SetRulesRequest, context: Context) -> pb.Rules:  # noqa: N802
        r = request.rules
        rules = Rules(
            excellent_from=r.excellent_from,
            good_from=r.good_from,
            pass_from=r.pass_from,
            excellent_share=r.excellent_share,
            rating_weight=r.rating_weight,
        )
        return rules_pb(self.appraisals.set_rules(current_identity(), rules))

    def GetTitleRules(  # noqa: N802
        self, request: pb.GetTitleRulesRequest, context: Context
    ) -> pb.TitleRules:
        return pb.TitleRules(rules=[title_rule_pb(r) for r in self.appraisals.title_rules()])

    def SetTitleRules(  # noqa: N802
        self, request: pb.SetTitleRulesRequest, context: Context
    ) -> pb.TitleRules:
        rules = self.appraisals.set_title_rules(
            current_identity(), [title_rule_of(r) for r in request.rules]
        )
        return pb.TitleRules(rules=[title_rule_pb(r) for r in rules])

    def ListCycleTitles(  # noqa: N802
        self, request: pb.ListCycleTitlesRequest, context: Context
    ) -> pb.CycleTitles:
        cycle = self.appraisals.get_cycle(request.id)
        awards = self.appraisals.cycle_titles(current_identity(), request.id)
        return pb.CycleTitles(
            cycle_id=cycle.id,
            period=cycle.period,
            awards=[title_award_pb(a, facts) for a, facts in awards],
        )
