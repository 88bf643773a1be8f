"""Cycles, 360 ratings, publication and results (SPEC P-01, P-03, P-05..P-07, P-09).

Publication computes every result from facts and ratings, grades it by the
organisation's rules, and starts the clocks that follow (interview P-08,
appeals P-10, improvement plans P-07). A late fact or an upheld appeal
recomputes one result and re-publishes it as a new version.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from performance.adapters import repository as repo
from performance.adapters.appraisal_repositories import (
    Cycles,
    Plans,
    Ratings,
    Results,
    TitleAwards,
)
from performance.domain import grading
from performance.domain.access import may_read_appraisal
from performance.domain.facts import CONFIDENTIALITY_LEAK, REQUIRED_TRAINING, Fact
from performance.domain.indicators import Indicator, indicators_of
from performance.domain.periods import (
    Period,
    PeriodError,
    bulletin_due_day,
    parse_period,
    period_containing,
)
from performance.domain.rating360 import GROUPS, validate_score
from performance.domain.titles import TitleChoice, TitleRule, choose_titles, rule_problems
from performance.service_layer.context import Context
from performance.service_layer.explain import compute
from performance.service_layer.metrics import RESULTS_RECOMPUTED, SLA_OUTCOMES
from secretariat.career.v1 import events_pb2 as career_events
from secretariat.performance.v1 import events_pb2 as ev
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

PUBLICATION_TIMER = "cycle.publication_due"
ANNUAL_GRADE_PUBLISHED = "performance.annual_grade.published"
"""For career (C-01); the message is career's ``AnnualGradePublished``."""
PROMOTION_PRIORITY_FLAGGED = "performance.promotion_priority.flagged"
"""For career (C-01); the message is career's ``PromotionPriorityFlagged``."""
RATINGS_TIMER = "cycle.ratings_close"
RATING_DAYS = 5
INTERVIEW_TIMER = "result.interview_due"
CHECK_IN_TIMER = "plan.check_in_due"
APPRAISERS = (Role.HR, Role.COMMITTEE, Role.ADMIN)
APPEAL_DAYS = 3
INTERVIEW_DAYS = 5
PUBLICATION_DAYS = 10
PLAN_WEEKS = 12


@dataclass(frozen=True)
class ResultView:
    row: Any
    cycle: Any
    facts: list[Fact]
    development_facts: dict[str, Fact]
    """The facts of the development indicators (P-04), by id: the year to date."""


def _ts(moment: datetime) -> Any:
    from google.protobuf.timestamp_pb2 import Timestamp

    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


class Appraisals:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # --- cycles (P-01, P-06) -------------------------------------------------

    def publication_due(self, period: Period) -> datetime:
        cal = self.ctx.calendar
        if period.kind == "monthly":
            day = bulletin_due_day(period, cal.is_working_day)
            return cal.start_of_day(day + timedelta(days=1))
        return cal.add_working_days(
            cal.start_of_day(period.end) + timedelta(hours=12), PUBLICATION_DAYS
        )

    def ratings_close(self, period: Period) -> datetime:
        cal = self.ctx.calendar
        if period.kind == "monthly":
            return cal.start_of_day(bulletin_due_day(period, cal.is_working_day))
        return cal.add_working_days(cal.start_of_day(period.end) + timedelta(hours=12), RATING_DAYS)

    def create_cycle(self, actor: Identity, kind: str, label: str) -> Any:
        if not actor.has_role(*APPRAISERS):
            raise PermissionDenied("opening a cycle needs the role hr or committee")
        try:
            period = parse_period(label, kind)
        except PeriodError as exc:
            raise ValidationFailed(FieldError("period", str(exc))) from exc
        now = self.ctx.now()
        with self.ctx.uow_factory() as uow:
            if repo.find_cycle(uow.session, kind, label) is not None:
                raise Conflict(f"a {kind} cycle for {label} already exists")
            cycle_id = str(uuid.uuid4())
            due = self.publication_due(period)
            ratings_close = self.ratings_close(period)
            Cycles(uow.session).add_row(
                dict(
                    id=cycle_id,
                    kind=kind,
                    period=label,
                    period_start=period.start.isoformat(),
                    period_end=period.end.isoformat(),
                    state="open",
                    publication_due_at=due,
                    ratings_close_at=ratings_close,
                    published_at=None,
                    publication_met=None,
                    results=0,
                    created_by=actor.username,
                    created_at=now,
                )
            )
            self.ctx.timers.schedule(
                uow.session,
                PUBLICATION_TIMER,
                f"cycle:{cycle_id}:publication",
                due,
                {"cycle_id": cycle_id},
            )
            self.ctx.timers.schedule(
                uow.session,
                RATINGS_TIMER,
                f"cycle:{cycle_id}:ratings",
                ratings_close,
                {"cycle_id": cycle_id},
            )
            uow.emit(
                "performance.cycle.opened",
                cycle_id,
                ev.CycleOpened(
                    cycle_id=cycle_id, kind=kind, period=label, publication_due_at=_ts(due)
                ),
            )
            uow.audit(
                actor.username,
                "cycle.opened",
                "cycle",
                cycle_id,
                after={"kind": kind, "period": label},
            )
            uow.commit()
        return self.get_cycle(cycle_id)

    def get_cycle(self, cycle_id: str) -> Any:
        with self.ctx.db.reading() as session:
            row = repo.get_cycle(session, cycle_id)
        if row is None:
            raise NotFound(f"cycle {cycle_id} not found")
        return row

    def on_ratings_close(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """P-01: the rating window closed; HR is told how many ratings came in."""
        row = repo.get_cycle(uow.session, firing.payload["cycle_id"])
        if row is None or row.state == "published":
            return
        given = repo.rating_count(uow.session, row.id)
        uow.emit(
            "performance.cycle.ratings_closed",
            row.id,
            ev.CycleRatingsClosed(cycle_id=row.id, period=row.period, ratings=given),
        )
        self.ctx.notify(
            uow,
            self.ctx.holders("hr"),
            "performance_ratings_closed",
            f"{row.period} 360 评分窗口已关闭",
            f"共收到 {given} 条评分；结果应于 {self.ctx.local(row.publication_due_at)} 前发布。",
            f"cycle:{row.id}",
        )

    def on_publication_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """X-05/P-06: the due time passed unpublished: an SLA breach, once."""
        row = repo.get_cycle(uow.session, firing.payload["cycle_id"])
        if row is None or row.state == "published":
            return
        SLA_OUTCOMES.labels(sla="publication", outcome="breached").inc()
        uow.emit(
            "performance.cycle.publication_overdue",
            row.id,
            ev.CyclePublicationOverdue(
                cycle_id=row.id,
                kind=row.kind,
                period=row.period,
                publication_due_at=_ts(row.publication_due_at),
            ),
        )
        self.ctx.notify(
            uow,
            self.ctx.holders("hr"),
            "performance_publication_overdue",
            f"{row.period} 绩效{'通报' if row.kind == 'monthly' else '结果'}逾期未发布",
            f"应于 {self.ctx.local(row.publication_due_at)} 前发布。",
            f"cycle:{row.id}",
        )

    # --- 360 ratings (P-05) ---------------------------------------------------

    def submit_rating(
        self, actor: Identity, cycle_id: str, subject: str, group: str, score: float, comment: str
    ) -> Any:
        errors: list[FieldError] = []
        problem = validate_score(score)
        if problem:
            errors.append(FieldError("score", problem))
        if group not in GROUPS:
            errors.append(FieldError("group", "must be superior, peer or recipient"))
        subject = subject.strip()
        if subject == actor.username:
            errors.append(FieldError("subject", "you cannot rate yourself"))
        if errors:
            raise ValidationFailed(errors)
        cycle = self.get_cycle(cycle_id)
        if cycle.state != "open":
            raise PreconditionFailed(f"cycle {cycle.period} is published; ratings are closed")
        if self.ctx.now() >= cycle.ratings_close_at:
            raise PreconditionFailed(
                f"the rating window of {cycle.period} closed at {self.ctx.local(cycle.ratings_close_at)}"
            )
        person = self.ctx.directory.person(subject)
        if person is None:
            raise ValidationFailed(FieldError("subject", f"unknown person {subject}"))
        if group == "superior" and actor.username not in self.ctx.superior_chain(subject):
            raise PermissionDenied(f"only {subject}'s superiors may rate as superior")
        if group == "peer" and self.ctx.department_of(actor.username) != person.department_code:
            raise PermissionDenied("peers are colleagues of the same department")
        now = self.ctx.now()
        rating_id = str(uuid.uuid4())
        with self.ctx.uow_factory() as uow:
            if repo.rating_exists(uow.session, cycle_id, subject, actor.username):
                raise Conflict(f"you have already rated {subject} in this cycle")
            Ratings(uow.session).add_row(
                dict(
                    id=rating_id,
                    cycle_id=cycle_id,
                    subject=subject,
                    rater=actor.username,
                    group=group,
                    score=float(score),
                    comment=comment.strip(),
                    created_at=now,
                )
            )
            uow.commit()
        return {
            "id": rating_id,
            "cycle_id": cycle_id,
            "subject": subject,
            "group": group,
            "score": float(score),
            "created_at": now,
        }

    # --- publication (P-05, P-06, P-07, P-09) ---------------------------------

    def publish(self, actor: Identity, cycle_id: str) -> Any:
        if not actor.has_role(*APPRAISERS):
            raise PermissionDenied("publishing needs the role hr or committee")
        now = self.ctx.now()
        with self.ctx.uow_factory() as uow:
            cycle = repo.get_cycle(uow.session, cycle_id)
            if cycle is None:
                raise NotFound(f"cycle {cycle_id} not found")
            if cycle.state == "published":
                raise Conflict(
                    f"cycle {cycle.period} was already published at {self.ctx.local(cycle.published_at)}"
                )
            count = self._publish(uow, cycle, now)
            met = now <= cycle.publication_due_at
            Cycles(uow.session).change(
                cycle_id,
                {
                    "state": "published",
                    "published_at": now,
                    "publication_met": int(met),
                    "results": count,
                },
            )
            self.ctx.timers.cancel(uow.session, f"cycle:{cycle_id}:publication", now)
            self.ctx.timers.cancel(uow.session, f"cycle:{cycle_id}:ratings", now)
            SLA_OUTCOMES.labels(sla="publication", outcome="met" if met else "breached").inc()
            uow.emit(
                "performance.cycle.published",
                cycle_id,
                ev.CyclePublished(
                    cycle_id=cycle_id,
                    kind=cycle.kind,
                    period=cycle.period,
                    results=count,
                    met_deadline=met,
                    publication_due_at=_ts(cycle.publication_due_at),
                ),
            )
            uow.audit(
                actor.username,
                "cycle.published",
                "cycle",
                cycle_id,
                after={"results": count, "met": met},
            )
            uow.commit()
        return self.get_cycle(cycle_id)

    def _year_window(self, period: Period) -> tuple[datetime, datetime, str]:
        """P-04: required skills count per year: 1 January to the period's end."""
        first = date(period.end.year, 1, 1)
        scope = "" if period.kind == "annual" else f"{first.isoformat()} – {period.end.isoformat()}"
        return (
            self.ctx.calendar.start_of_day(first),
            self.ctx.calendar.start_of_day(period.end + timedelta(days=1)),
            scope,
        )

    def _publish(self, uow: UnitOfWork, cycle: Any, now: datetime) -> int:
        session = uow.session
        period = parse_period(cycle.period, cycle.kind)
        start, end = self.ctx.window(period)
        facts_by_person = repo.facts_in_window(session, start, end)
        year_start, year_end, scope = self._year_window(period)
        required = repo.facts_of_kind_by_person(session, REQUIRED_TRAINING, year_start, year_end)
        ratings = repo.ratings_of_cycle(session, cycle.id)
        rules = repo.load_rules(session)
        computed = {}
        for username in sorted(set(facts_by_person) | set(ratings)):
            c = compute(
                facts_by_person.get(username, []),
                ratings.get(username, []),
                rules.rating_weight,
                required.get(username, []),
                scope,
            )
            if c is not None:
                computed[username] = c
        vetoed = frozenset(u for u, c in computed.items() if c.veto_record)
        graded = grading.grade_cycle([(u, c.score) for u, c in computed.items()], rules, vetoed)
        choices = self._titles(session, computed) if cycle.kind == "monthly" else []
        titles: dict[str, list[str]] = {}
        for choice in choices:
            titles.setdefault(choice.username, []).append(choice.rule.name)
        cal = self.ctx.calendar
        appeal_deadline = cal.add_working_days(now, APPEAL_DAYS)
        interview_due = cal.add_working_days(now, INTERVIEW_DAYS)
        rows = []
        for username, c in computed.items():
            g = graded[username]
            facts = facts_by_person.get(username, [])
            department = facts[-1].department_code if facts else self.ctx.department_of(username)
            explanation = dict(c.explanation)
            if g.capped:
                explanation["formula"] += (
                    f"; excellent quota {rules.excellent_share:.0%} reached: graded good"
                )
            if g.vetoed:
                explanation["formula"] += (
                    f"; vetoed by confidentiality leak record {c.veto_record} (P-03)"
                )
            result_id = str(uuid.uuid4())
            rows.append(
                {
                    "id": result_id,
                    "cycle_id": cycle.id,
                    "username": username,
                    "department_code": department,
                    "score": c.score,
                    "grade": g.grade,
                    "explanation": explanation,
                    "veto_record": c.veto_record,
                    "bonus_priority": int(g.grade == grading.EXCELLENT),
                    "innovation_bonus": int(c.innovation_bonus and cycle.kind == "quarterly"),
                    "titles": titles.get(username, []),
                    "version": 1,
                    "published_at": now,
                    "appeal_deadline": appeal_deadline,
                    "interview_due_at": interview_due,
                    "improvement_plan_id": "",
                    "correction": "",
                    "previous_grade": "",
                }
            )
        for row in rows:
            if row["grade"] == grading.NEEDS_IMPROVEMENT and cycle.kind != "monthly":
                row["improvement_plan_id"] = self._open_plan(uow, row, now)
        if rows:
            Results(session).add_rows(rows)
        for row in rows:
            if cycle.kind != "monthly":
                self.ctx.timers.schedule(
                    session,
                    INTERVIEW_TIMER,
                    f"result:{row['id']}:interview",
                    interview_due,
                    {"result_id": row["id"]},
                )
            uow.emit("performance.result.published", row["id"], self._result_event(cycle, row))
            self._annual_grade(uow, cycle, row)
        self._award_titles(uow, cycle, rows, choices, now)
        if cycle.kind == "annual":
            self._required_training_check(uow, cycle, computed)
        self._consecutive(uow, cycle, rows)
        self.ctx.notify(
            uow,
            [r["username"] for r in rows],
            "performance_result_published",
            f"{cycle.period} 绩效{'通报已发布' if cycle.kind == 'monthly' else '考核结果已发布'}",
            f"请查看您的结果及其计算依据；如有异议，请于 {self.ctx.local(appeal_deadline)} 前提出申诉。",
            f"cycle:{cycle.id}",
        )
        return len(rows)

    def _result_event(self, cycle: Any, row: dict[str, Any]) -> ev.ResultPublished:
        return ev.ResultPublished(
            result_id=row["id"],
            cycle_id=cycle.id,
            cycle_kind=cycle.kind,
            period=cycle.period,
            username=row["username"],
            department_code=row["department_code"],
            grade=row["grade"],
            score=row["score"],
            version=row["version"],
            bonus_priority=bool(row["bonus_priority"]),
            innovation_bonus=bool(row["innovation_bonus"]),
            correction=row["correction"],
        )

    def _annual_grade(self, uow: UnitOfWork, cycle: Any, row: dict[str, Any]) -> None:
        """P-07 -> C-01: an annual grade (and each correction of it) for career,
        with the year's teamwork: the peers' 360 mean (0 when not shown)."""
        if cycle.kind != "annual":
            return
        peer = next((g for g in row["explanation"]["groups"] if g["group"] == "peer"), None)
        teamwork = peer["mean"] if peer and peer["mean"] is not None else 0.0
        uow.emit(
            ANNUAL_GRADE_PUBLISHED,
            row["id"],
            career_events.AnnualGradePublished(
                username=row["username"],
                year=int(cycle.period),
                grade=row["grade"],
                teamwork_score=teamwork,
            ),
        )

    def _titles(self, session: Any, computed: dict[str, Any]) -> list[TitleChoice]:
        """SPEC P-09 monthly titles by the rules the organisation set (data)."""
        rules = repo.load_title_rules(session)
        return choose_titles(rules, {u: c.indicators for u, c in computed.items()})

    def _award_titles(
        self,
        uow: UnitOfWork,
        cycle: Any,
        rows: list[dict[str, Any]],
        choices: list[TitleChoice],
        now: datetime,
    ) -> None:
        """Keep each title with the rule it was chosen by and its facts; tell career
        and infohub (the bulletin) through the outbox."""
        result_of = {r["username"]: r["id"] for r in rows}
        awards = []
        for choice in choices:
            result_id = result_of.get(choice.username, "")
            awards.append(
                {
                    "id": str(uuid.uuid4()),
                    "cycle_id": cycle.id,
                    "result_id": result_id,
                    "username": choice.username,
                    "code": choice.rule.code,
                    "name": choice.rule.name,
                    "name_en": choice.rule.name_en,
                    "indicator": choice.rule.indicator,
                    "value": choice.value,
                    "formula": choice.formula,
                    "rule": choice.rule.as_dict(),
                    "fact_ids": [f.id for f in choice.indicator.facts],
                    "awarded_at": now,
                }
            )
            uow.emit(
                "performance.title.awarded",
                result_id,
                ev.TitleAwarded(
                    username=choice.username,
                    title=choice.rule.name,
                    period=cycle.period,
                    value=choice.value,
                ),
            )
        if awards:
            TitleAwards(uow.session).add_rows(awards)

    def _required_training_check(
        self, uow: UnitOfWork, cycle: Any, computed: dict[str, Any]
    ) -> None:
        """P-04 annual check: required skills 100 % passed; whoever is short is
        told, with HR, what is missing."""
        for username, c in sorted(computed.items()):
            check = next(i for i in c.indicators if i.name == "required_training_passed")
            if check.target_met:
                continue
            self.ctx.notify(
                uow,
                [username, *self.ctx.holders("hr")],
                "performance_required_training_short",
                f"{cycle.period} 年度必修技能未全部通过：{check.value:g}%",
                f"{username}：{check.formula}（P-04 要求每年 100%）。",
                f"cycle:{cycle.id}",
            )

    def _consecutive(self, uow: UnitOfWork, cycle: Any, rows: list[dict[str, Any]]) -> None:
        """P-07: two failing quarters open a job-adjustment case; two excellent
        years flag promotion priority for career (C-01)."""
        if cycle.kind == "monthly":
            return
        previous = parse_period(cycle.period, cycle.kind).previous()
        before = repo.find_cycle(uow.session, cycle.kind, previous.label)
        if before is None:
            return
        for row in rows:
            earlier = repo.result_of(uow.session, before.id, row["username"])
            if earlier is None:
                continue
            grades = [earlier.grade, row["grade"]]
            if cycle.kind == "quarterly" and grading.consecutive(grades, grading.FAILING):
                uow.emit(
                    "performance.job_adjustment.opened",
                    row["id"],
                    ev.JobAdjustmentOpened(
                        username=row["username"],
                        department_code=row["department_code"],
                        periods=[previous.label, cycle.period],
                        result_ids=[earlier.id, row["id"]],
                    ),
                )
                dept = self.ctx.directory.department(row["department_code"])
                self.ctx.notify(
                    uow,
                    [*self.ctx.holders("hr"), dept.head_username if dept else ""],
                    "performance_job_adjustment",
                    f"{row['username']} 连续两个季度绩效待改进，启动岗位调整",
                    f"{previous.label}、{cycle.period} 两个季度考核均为待改进（P-07）。",
                    f"result:{row['id']}",
                )
            if cycle.kind == "annual" and grading.consecutive(grades, (grading.EXCELLENT,)):
                uow.emit(
                    PROMOTION_PRIORITY_FLAGGED,
                    row["id"],
                    career_events.PromotionPriorityFlagged(
                        username=row["username"],
                        years=[int(previous.label), int(cycle.period)],
                    ),
                )

    def _open_plan(self, uow: UnitOfWork, row: dict[str, Any], now: datetime) -> str:
        plan_id = str(uuid.uuid4())
        due = now + timedelta(days=7)
        Plans(uow.session).add_row(
            dict(
                id=plan_id,
                result_id=row["id"],
                username=row["username"],
                state="open",
                opened_at=now,
                next_check_in_due_at=due,
                missed_check_ins=0,
                check_ins=[],
            )
        )
        self.ctx.timers.schedule(
            uow.session,
            CHECK_IN_TIMER,
            f"plan:{plan_id}:week:1",
            due,
            {"plan_id": plan_id, "week": 1},
        )
        uow.emit(
            "performance.improvement_plan.opened",
            plan_id,
            ev.ImprovementPlanChanged(
                plan_id=plan_id,
                username=row["username"],
                result_id=row["id"],
                next_check_in_due_at=_ts(due),
            ),
        )
        chain = self.ctx.superior_chain(row["username"])
        self.ctx.notify(
            uow,
            [row["username"], *chain[:1]],
            "performance_improvement_plan",
            "绩效改进计划已启动，请每周记录进展",
            f"首次周进展应于 {self.ctx.local(due)} 前记录（P-07）。",
            f"plan:{plan_id}",
            due,
        )
        return plan_id

    # --- reads (X-03) ---------------------------------------------------------

    def _may_read(self, actor: Identity, subject: str) -> bool:
        if actor.is_service:
            return True
        return may_read_appraisal(
            actor.username, actor.roles, subject, self.ctx.superior_chain(subject)
        )

    def result(self, actor: Identity, cycle_id: str, username: str) -> ResultView:
        with self.ctx.db.reading() as session:
            cycle = repo.get_cycle(session, cycle_id)
            row = repo.result_of(session, cycle_id, username) if cycle else None
        if row is None or not self._may_read(actor, username):
            raise NotFound(f"no result of {username} in cycle {cycle_id}")
        return self._view(row, cycle)

    def result_by_id(self, actor: Identity, result_id: str) -> ResultView:
        with self.ctx.db.reading() as session:
            row = repo.get_result(session, result_id)
            cycle = repo.get_cycle(session, row.cycle_id) if row else None
        if row is None or not self._may_read(actor, row.username):
            raise NotFound(f"result {result_id} not found")
        return self._view(row, cycle)

    def _view(self, row: Any, cycle: Any) -> ResultView:
        period = parse_period(cycle.period, cycle.kind)
        start, end = self.ctx.window(period)
        wanted = [i for d in row.explanation.get("development", []) for i in d["fact_ids"]]
        with self.ctx.db.reading() as session:
            facts = repo.facts_of_person(session, row.username, start, end)
            development = {f.id: f for f in repo.facts_by_ids(session, wanted)}
        return ResultView(row, cycle, facts, development)

    def indicators(
        self, actor: Identity, username: str, label: str
    ) -> tuple[Period, str, list[Indicator]]:
        if not self._may_read(actor, username):
            raise NotFound(f"no indicators of {username}")
        period = self._period(label)
        start, end = self.ctx.window(period)
        year_start, year_end, scope = self._year_window(period)
        with self.ctx.db.reading() as session:
            facts = repo.facts_of_person(session, username, start, end)
            required = repo.facts_of_kind_by_person(
                session, REQUIRED_TRAINING, year_start, year_end, username=username
            ).get(username, [])
        return period, self.ctx.department_of(username), indicators_of(facts, required, scope)

    def department_indicators(
        self, actor: Identity, code: str, label: str
    ) -> tuple[Period, list[Indicator]]:
        dept = self.ctx.directory.department(code)
        allowed = (
            actor.is_service
            or actor.has_role(*APPRAISERS, Role.LEADER, Role.OFFICE_DIRECTOR)
            or (
                dept is not None
                and (
                    dept.head_username == actor.username
                    or dept.supervising_leader_username == actor.username
                )
            )
        )
        if dept is None or not allowed:
            raise NotFound(f"department {code} not found")
        period = self._period(label)
        start, end = self.ctx.window(period)
        year_start, year_end, scope = self._year_window(period)
        with self.ctx.db.reading() as session:
            facts = repo.facts_of_department(session, code, start, end)
            required = repo.facts_of_kind_by_person(
                session, REQUIRED_TRAINING, year_start, year_end, department=code
            )
        every = [f for person in required.values() for f in person]
        return period, indicators_of(facts, every, scope)

    def _period(self, label: str) -> Period:
        if not label:
            return period_containing("quarterly", self.ctx.local_date(self.ctx.now()))
        try:
            return parse_period(label)
        except PeriodError as exc:
            raise ValidationFailed(FieldError("period", str(exc))) from exc

    # --- recomputation (P-02 late facts, P-10 upheld appeals) -----------------

    def recompute(self, uow: UnitOfWork, result_id: str, cause: str, correction: str) -> bool:
        """Recompute one published result; a changed score or grade becomes a new
        version, re-published. Returns whether it changed."""
        session = uow.session
        row = repo.get_result(session, result_id)
        if row is None:
            return False
        cycle = repo.get_cycle(session, row.cycle_id)
        period = parse_period(cycle.period, cycle.kind)
        start, end = self.ctx.window(period)
        rules = repo.load_rules(session)
        year_start, year_end, scope = self._year_window(period)
        c = compute(
            repo.facts_of_person(session, row.username, start, end),
            repo.ratings_of(session, cycle.id, row.username),
            rules.rating_weight,
            repo.facts_of_kind_by_person(
                session, REQUIRED_TRAINING, year_start, year_end, username=row.username
            ).get(row.username, []),
            scope,
        )
        if c is None:
            return False
        people, others = repo.excellent_count(session, cycle.id, row.username)
        grade, capped = grading.regrade_one(c.score, rules, people, others, bool(c.veto_record))
        same_development = c.explanation["development"] == row.explanation.get("development")
        if abs(c.score - row.score) < 0.005 and grade == row.grade and same_development:
            return False
        explanation = dict(c.explanation)
        if capped:
            explanation["formula"] += (
                f"; excellent quota {rules.excellent_share:.0%} reached: graded good"
            )
        if c.veto_record:
            explanation["formula"] += (
                f"; vetoed by confidentiality leak record {c.veto_record} (P-03)"
            )
        now = self.ctx.now()
        values = {
            "score": c.score,
            "grade": grade,
            "explanation": explanation,
            "veto_record": c.veto_record,
            "bonus_priority": int(grade == grading.EXCELLENT),
            "innovation_bonus": int(c.innovation_bonus and cycle.kind == "quarterly"),
            "version": row.version + 1,
            "published_at": now,
            "correction": correction,
            "previous_grade": row.grade,
        }
        Results(session).change(row.id, values)
        RESULTS_RECOMPUTED.labels(cause=cause).inc()
        merged = dict(row._mapping) | values
        uow.emit("performance.result.corrected", row.id, self._result_event(cycle, merged))
        self._annual_grade(uow, cycle, merged)
        uow.audit(
            "system",
            "result.corrected",
            "result",
            row.id,
            before={"score": row.score, "grade": row.grade},
            after={"score": c.score, "grade": grade, "why": correction},
        )
        self.ctx.notify(
            uow,
            [row.username],
            "performance_result_corrected",
            f"{cycle.period} 绩效结果已更正：{grading.GRADE_LABELS.get(grade, grade)}",
            f"{correction}；得分 {row.score:.2f} → {c.score:.2f}。",
            f"result:{row.id}",
        )
        return True

    def recompute_for_fact(self, uow: UnitOfWork, fact: Fact) -> None:
        """P-02: a late or corrected fact recomputes the published periods it falls in."""
        self.recompute_for_facts(uow, [fact])

    def recompute_for_facts(self, uow: UnitOfWork, facts: Sequence[Fact]) -> None:
        """P-02: recompute each published result some of ``facts`` fall in, once,
        with one query for all of them (a consumed batch of events)."""
        days: dict[str, list[tuple[str, Fact]]] = {}
        for fact in facts:
            if fact.username:
                day = self.ctx.local_date(fact.occurred_at).isoformat()
                days.setdefault(fact.username, []).append((day, fact))
        if not days:
            return
        every = [d for pairs in days.values() for d, _ in pairs]
        touched = repo.published_results_between(uow.session, list(days), min(every), max(every))
        for result_id, username, start, end in touched:
            late = [f for d, f in days[username] if start <= d <= end]
            if not late:
                continue
            named = "、".join(f"{f.kind}（事件 {f.source_event_id}）" for f in late[:3])
            more = f" 等 {len(late)} 项" if len(late) > 3 else ""
            self.recompute(uow, result_id, "late_fact", f"迟到事实 {named}{more}重新计算")

    # --- titles (P-09) ----------------------------------------------------------

    def title_rules(self) -> list[TitleRule]:
        with self.ctx.db.reading() as session:
            return repo.load_title_rules(session)

    def set_title_rules(self, actor: Identity, rules: list[TitleRule]) -> list[TitleRule]:
        """P-09: HR (or the committee) sets how monthly titles are chosen; the
        next monthly publication uses them."""
        if not actor.has_role(*APPRAISERS):
            raise PermissionDenied("setting the title rules needs the role hr or committee")
        problems = rule_problems(rules)
        if problems:
            raise ValidationFailed([FieldError(k, v) for k, v in problems.items()])
        with self.ctx.uow_factory() as uow:
            before = repo.load_title_rules(uow.session)
            repo.save_title_rules(uow.session, rules, actor.username, self.ctx.now())
            uow.audit(
                actor.username,
                "title_rules.set",
                "rules",
                "titles",
                before=[r.as_dict() for r in before],
                after=[r.as_dict() for r in rules],
            )
            uow.commit()
        return rules

    def cycle_titles(self, actor: Identity, cycle_id: str) -> list[tuple[Any, list[Fact]]]:
        """P-09: a month's titles, each with its rule and value; the facts behind
        it for those who may read the holder's appraisal (X-03)."""
        cycle = self.get_cycle(cycle_id)
        with self.ctx.db.reading() as session:
            awards = repo.title_awards_of_cycle(session, cycle.id)
            out = []
            for award in awards:
                facts = (
                    repo.facts_by_ids(session, award.fact_ids)
                    if self._may_read(actor, award.username)
                    else []
                )
                out.append((award, facts))
        return out

    # --- rules and the leak record (P-03, P-07) -------------------------------

    def rules(self) -> grading.Rules:
        with self.ctx.db.reading() as session:
            return repo.load_rules(session)

    def set_rules(self, actor: Identity, rules: grading.Rules) -> grading.Rules:
        if not actor.has_role(*APPRAISERS):
            raise PermissionDenied("setting the grading rules needs the role hr or committee")
        problems = rules.problems()
        if problems:
            raise ValidationFailed([FieldError(f"rules.{k}", v) for k, v in problems.items()])
        with self.ctx.uow_factory() as uow:
            before = repo.load_rules(uow.session)
            repo.save_rules(uow.session, rules, actor.username, self.ctx.now())
            uow.audit(
                actor.username,
                "rules.set",
                "rules",
                "rules",
                before=before.__dict__,
                after=rules.__dict__,
            )
            uow.commit()
        return rules

    def record_leak(
        self, actor: Identity, username: str, occurred_at: datetime, record: str
    ) -> Fact:
        if not actor.has_role("discipline", "admin"):
            raise PermissionDenied("recording a leak needs the role discipline")
        record = record.strip()
        person = self.ctx.directory.person(username)
        if person is None:
            raise ValidationFailed(FieldError("username", f"unknown person {username}"))
        if not record:
            raise ValidationFailed(FieldError("record", "is required"))
        record_id = str(uuid.uuid4())
        fact = Fact(
            id=str(uuid.uuid4()),
            kind=CONFIDENTIALITY_LEAK,
            username=username,
            department_code=person.department_code,
            occurred_at=occurred_at,
            value=1.0,
            source_event_id=record_id,
            source_event_type="discipline.record",
            detail=record,
        )
        with self.ctx.uow_factory() as uow:
            repo.add_fact(uow.session, fact, self.ctx.now())
            uow.audit(
                actor.username,
                "leak.recorded",
                "fact",
                fact.id,
                after={"username": username, "record": record},
            )
            self.recompute_for_fact(uow, fact)
            uow.commit()
        return fact


def today_of(ctx: Context) -> date:
    return ctx.local_date(ctx.now())


__all__ = ["Appraisals", "ResultView"]
