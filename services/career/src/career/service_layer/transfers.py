"""Lateral transfers (SPEC C-02): quarterly vacancies (HR is reminded on the
quarter's first working day to post them), applications checked for
eligibility when made, the ``job_transfer`` approval, then a 3-month
training plan with monthly check-ins."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from career.adapters.records import TIMERS, CareerRecords
from career.domain.calendar import add_months, next_quarter, quarter_bounds, quarter_of
from career.domain.ladders import transfer_checks
from career.service_layer.approvals import schedule_approval
from career.service_layer.common import Context, iso, new_id, parse_day
from career.service_layer.promotion import Promotions
from secretariat_shared.calendar_sync import apply_calendar_update
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

TRANSFER_TEMPLATE = "job_transfer"
CHECK_IN_TIMER = "career.transfer.check_in"
TRAINING_MONTHS = 3
VACANCY_TIMER = "career.vacancies.quarterly"
VACANCY_REMINDER_HOUR = 9


def _vacancy(row: dict[str, Any], applications: int) -> dict[str, Any]:
    return {**row, "applications": applications, "created_at": iso(row["created_at"])}


def _application(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "created_at": iso(row["created_at"])}


class Transfers:
    def __init__(self, ctx: Context, promotions: Promotions) -> None:
        self.ctx = ctx
        self.promotions = promotions

    def create_vacancy(
        self, actor: Identity, title: str, department_code: str, quarter: str, description: str
    ) -> dict[str, Any]:
        self.ctx.require_hr(actor)
        if self.ctx.directory.department(department_code) is None:
            raise ValidationFailed(
                FieldError("department_code", f"no department {department_code}")
            )
        row: dict[str, Any] = {
            "id": new_id(),
            "title": title.strip(),
            "department_code": department_code,
            "quarter": quarter,
            "description": description,
            "state": "open",
            "created_by": actor.username,
        }
        with self.ctx.uow() as uow:
            row["created_at"] = uow.clock.now()
            self.ctx.records(uow).vacancies.add_row(row)
            uow.audit(actor.username, "create_vacancy", "vacancy", row["id"], None, row)
            uow.commit()
        return _vacancy(row, 0)

    def list_vacancies(self, include_closed: bool, page: Page) -> tuple[list[dict[str, Any]], int]:
        with self.ctx.read() as records:
            found, total = records.vacancies.newest_first(include_closed, page.offset, page.limit)
            counted = [_vacancy(v, records.applications.count_for(v["id"])) for v in found]
        return counted, total

    def close_vacancy(self, actor: Identity, vacancy_id: str) -> dict[str, Any]:
        self.ctx.require_hr(actor)
        with self.ctx.uow() as uow:
            records = self.ctx.records(uow)
            row = records.vacancies.get(vacancy_id)
            if row is None:
                raise NotFound(f"no vacancy {vacancy_id}")
            if row["state"] == "closed":
                raise Conflict("the vacancy is already closed")
            records.vacancies.close(vacancy_id)
            uow.audit(actor.username, "close_vacancy", "vacancy", vacancy_id, "open", "closed")
            count = records.applications.count_for(vacancy_id)
            uow.commit()
        return _vacancy({**row, "state": "closed"}, count)

    def apply(self, actor: Identity, vacancy_id: str, statement: str) -> dict[str, Any]:
        """C-02: eligibility is checked now; a failing criterion is named and
        nothing is recorded."""
        with self.ctx.read() as records:
            vacancy = records.vacancies.get(vacancy_id)
        if vacancy is None:
            raise NotFound(f"no vacancy {vacancy_id}")
        if vacancy["state"] != "open":
            raise PreconditionFailed("the vacancy is closed: applications are no longer taken")
        checks = transfer_checks(self.promotions.facts(actor.username))
        failing = [c for c in checks if not c.held]
        if failing:
            raise ValidationFailed(
                [
                    FieldError(
                        f"eligibility.{c.key}", f"{c.label}: required {c.required}, has {c.actual}"
                    )
                    for c in failing
                ],
                "not eligible for a transfer: " + ", ".join(c.key for c in failing),
            )
        row: dict[str, Any] = {
            "id": new_id(),
            "vacancy_id": vacancy_id,
            "username": actor.username,
            "statement": statement,
            "state": "pending",
            "approval_id": "",
            "criteria": [c.as_dict() for c in checks],
            "check_ins": [],
        }
        with self.ctx.uow() as uow:
            applications = self.ctx.records(uow).applications
            if applications.of(vacancy_id, actor.username):
                raise Conflict("you have already applied to this vacancy")
            now = uow.clock.now()
            row["created_at"] = now
            applications.add_row(row)
            schedule_approval(
                uow,
                now,
                f"application:{row['id']}",
                TRANSFER_TEMPLATE,
                f"调岗申请：{vacancy['title']}",
                actor.username,
                {
                    "to_department": vacancy["department_code"],
                    "post": vacancy["title"],
                    "reason": statement,
                },
            )
            uow.audit(actor.username, "apply", "application", row["id"], None, row)
            uow.commit()
        return _application(row)

    def _readable(self, actor: Identity, application_id: str) -> dict[str, Any]:
        with self.ctx.read() as records:
            row = records.applications.get(application_id)
        if row is None or not self.ctx.may_read(actor, row["username"]):
            raise NotFound(f"no application {application_id}")
        return row

    def get_application(self, actor: Identity, application_id: str) -> dict[str, Any]:
        return _application(self._readable(actor, application_id))

    def put_assessment(
        self, actor: Identity, username: str, passed: bool, assessed_on: str
    ) -> dict[str, Any]:
        self.ctx.require_hr(actor)
        self.ctx.known(username)
        day = parse_day(assessed_on, "assessed_on").isoformat()
        with self.ctx.uow() as uow:
            self.ctx.records(uow).transfer_assessments.put(
                username,
                {"passed": passed, "assessed_on": day},
            )
            uow.audit(
                actor.username,
                "transfer_assessment",
                "person",
                username,
                None,
                {"passed": passed, "assessed_on": day},
            )
            uow.commit()
        return {"username": username, "passed": passed, "assessed_on": day}

    def application_decided(
        self, uow: UnitOfWork, local_id: str, approval_id: str, outcome: str
    ) -> None:
        records = self.ctx.records(uow)
        row = records.applications.get(local_id)
        if row is None or row["state"] != "pending":
            return
        vacancy = records.vacancies.get(row["vacancy_id"]) or {}
        if outcome != "approved":
            records.applications.decided(local_id, "rejected", approval_id)
            uow.audit(
                "approvals", "application_rejected", "application", local_id, "pending", "rejected"
            )
            self.ctx.notify(
                uow,
                [row["username"]],
                "transfer_decided",
                "调岗申请未获批准",
                f"您申请的岗位“{vacancy.get('title', '')}”未获批准。",
                f"applications/{local_id}",
            )
            return
        today = self.ctx.today()
        plan: list[dict[str, Any]] = [
            {"month": m, "due_on": add_months(today, m).isoformat(), "note": "", "done_at": None}
            for m in range(1, TRAINING_MONTHS + 1)
        ]
        records.applications.decided(local_id, "in_training", approval_id, check_ins=plan)
        records.posts.put(
            row["username"],
            {
                **self._post_after(records, row["username"]),
                "post": vacancy.get("title", ""),
                "started_on": today.isoformat(),
                "updated_at": uow.clock.now(),
            },
        )

        for item in plan:
            TIMERS.schedule(
                uow.session,
                CHECK_IN_TIMER,
                f"checkin:{local_id}:{item['month']}",
                self.ctx.at_midnight(date.fromisoformat(str(item["due_on"]))),
                {"application_id": local_id, "month": item["month"]},
            )
        uow.audit(
            "approvals", "application_approved", "application", local_id, "pending", "in_training"
        )
        self.ctx.notify(
            uow,
            [row["username"]],
            "transfer_decided",
            "调岗申请已批准：3个月培训计划开始",
            f"您已调任“{vacancy.get('title', '')}”，接下来3个月每月一次培训回顾。",
            f"applications/{local_id}",
        )

    @staticmethod
    def _post_after(records: CareerRecords, username: str) -> dict[str, Any]:
        post = records.posts.of(username)
        return (
            {"ladder": post["ladder"], "rung": post["rung"]}
            if post
            else {"ladder": "professional", "rung": "junior"}
        )

    def check_in(self, actor: Identity, application_id: str, note: str) -> dict[str, Any]:
        row = self._readable(actor, application_id)
        with self.ctx.uow() as uow:
            applications = self.ctx.records(uow).applications
            row = applications.get(application_id) or row
            if row["state"] != "in_training":
                raise PreconditionFailed("the application has no training plan running")
            plan = [dict(c) for c in row["check_ins"]]
            due = next((c for c in plan if not c["done_at"]), None)
            if due is None:
                raise Conflict("every check-in is recorded")
            due["note"], due["done_at"] = note.strip(), iso(uow.clock.now())
            state = "completed" if all(c["done_at"] for c in plan) else "in_training"
            applications.record_check_ins(application_id, plan, state)
            uow.audit(actor.username, "check_in", "application", application_id, None, due)
            uow.commit()
        return _application({**row, "check_ins": plan, "state": state})

    def on_check_in_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        records = self.ctx.records(uow)
        app_id, month = firing.payload["application_id"], firing.payload["month"]
        row = records.applications.get(app_id)
        ref = f"applications/{app_id}"
        item = next((c for c in (row or {}).get("check_ins", []) if c["month"] == month), None)
        if row is None or item is None or item["done_at"]:
            self.ctx.fired(uow, CHECK_IN_TIMER, ref, "met", [])
            return
        vacancy = records.vacancies.get(row["vacancy_id"]) or {}
        department = self.ctx.directory.department(vacancy.get("department_code", ""))
        recipients = [row["username"], department.head_username if department else ""]
        self.ctx.notify(
            uow,
            recipients,
            "transfer_check_in_due",
            f"调岗培训第{month}个月回顾待完成",
            f"{row['username']} 的调岗培训计划第{month}个月回顾已到期，请记录。",
            ref,
            firing.due_at,
        )
        self.ctx.fired(uow, CHECK_IN_TIMER, ref, "reminded", [r for r in recipients if r])

    # -- quarterly vacancies (C-02) -------------------------------------------

    def vacancy_reminder_at(self, quarter: str) -> datetime:
        """09:00 on the quarter's first working day (X-02 business calendar)."""
        calendar = self.ctx.calendar
        day = quarter_bounds(quarter)[0]
        for _ in range(60):
            if calendar.is_working_day(day):
                break
            day += timedelta(days=1)
        return calendar.start_of_day(day) + timedelta(hours=VACANCY_REMINDER_HOUR)

    def _reminded_quarter(self, now: datetime) -> str:
        """The quarter whose reminder is still ahead: this one, else the next."""
        quarter = quarter_of(self.ctx.calendar.local_date(now))
        return quarter if now < self.vacancy_reminder_at(quarter) else next_quarter(quarter)

    def _schedule_vacancy_reminder(self, uow: UnitOfWork, quarter: str) -> None:
        TIMERS.schedule(
            uow.session,
            VACANCY_TIMER,
            f"vacancies:{quarter}",
            self.vacancy_reminder_at(quarter),
            {"quarter": quarter},
        )

    def ensure_vacancy_reminder(self) -> None:
        """C-02: the next quarterly reminder is always scheduled (idempotent)."""
        with self.ctx.uow() as uow:
            self._schedule_vacancy_reminder(uow, self._reminded_quarter(uow.clock.now()))
            uow.commit()

    def on_vacancies_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """C-02: remind HR to post the quarter's internal vacancies, unless some
        are posted already; then schedule the next quarter's reminder."""
        quarter = str(firing.payload["quarter"])
        now = uow.clock.now()
        ref = f"career/vacancies/{quarter}"
        current = quarter_of(self.ctx.calendar.local_date(now))
        if quarter != current:
            self.ctx.fired(uow, VACANCY_TIMER, ref, "missed", [])
        elif self.ctx.records(uow).vacancies.any_in(quarter):
            self.ctx.fired(uow, VACANCY_TIMER, ref, "met", [])
        else:
            hr = self.ctx.directory.role_holders(Role.HR)
            year, number = quarter.split("-Q")
            self.ctx.notify(
                uow,
                hr,
                "vacancies_due",
                f"请发布{year}年第{number}季度内部岗位空缺",
                f"内部岗位空缺按季度发布（C-02）。{year}年第{number}季度尚未发布任何空缺岗位，"
                "请在“职业发展—岗位空缺”中发布。",
                ref,
                firing.due_at,
            )
            self.ctx.fired(uow, VACANCY_TIMER, ref, "reminded", sorted(set(hr)))
        self._schedule_vacancy_reminder(uow, self._reminded_quarter(now))

    def on_calendar_updated(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """X-02: a new holiday year may move the pending reminder's working day."""
        apply_calendar_update(self.ctx.calendar, event)
        self._schedule_vacancy_reminder(uow, self._reminded_quarter(uow.clock.now()))
