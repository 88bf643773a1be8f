"""Repair tickets with their SLA clocks (SPEC F-06, X-02, X-05)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime, timedelta

from facilities.domain.repairs import (
    MAJOR_RESOLUTION_HOURS,
    RESPONSE_HOURS,
    SEVERITIES,
    NotTheRequester,
    Repair,
    RepairRuleBroken,
    RepairState,
)
from facilities.service_layer import metrics
from facilities.service_layer.common import (
    Listing,
    UseCases,
    raise_if,
    require_role,
    require_text,
    to_proto,
)
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork
from secretariat.facilities.v1 import events_pb2, facilities_pb2
from secretariat_shared.calendar_sync import apply_calendar_update
from secretariat_shared.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

HANDLERS = (Role.SECRETARIAT, Role.IT_SUPPORT, Role.ADMIN)
"""Who takes and fixes repair tickets (后勤 and IT)."""
RESPONSE_TIMER = "repair_response_due"
RESOLUTION_TIMER = "repair_resolution_due"


def _response_key(repair: Repair) -> str:
    return f"repair:{repair.id}:response"


def _resolution_key(repair: Repair) -> str:
    """A reopened ticket gets a new resolution clock, hence a new timer."""
    reopened = sum(1 for entry in repair.history if entry.action == "reopened")
    return f"repair:{repair.id}:resolution:{reopened}"


class Repairs(UseCases):
    def _event(
        self, uow: UnitOfWork, event: str, repair: Repair, actor: str, outcome: str = ""
    ) -> None:
        uow.emit(
            f"facilities.repair.{event}",
            repair.id,
            events_pb2.RepairChanged(
                repair=to_proto(facilities_pb2.Repair(), repair), actor=actor, outcome=outcome
            ),
        )

    def _ref(self, repair: Repair) -> str:
        return f"facilities/repairs/{repair.id}"

    def _resolve_due(self, start: datetime) -> datetime:
        """SPEC X-02: a 24-hour clock runs on working days only (it pauses over rest days)."""
        return self.calendar.add_sla(start, MAJOR_RESOLUTION_HOURS)

    def report(
        self, actor: Identity, title: str, description: str, location: str, severity: str
    ) -> Repair:
        errors: list[FieldError] = []
        title = require_text(title, "title", errors)
        location = require_text(location, "location", errors)
        if len(description) > 5000:
            errors.append(FieldError("description", "must be at most 5000 characters"))
        if severity not in SEVERITIES:
            errors.append(FieldError("severity", "must be minor or major"))
        raise_if(errors)
        now = self.now()
        repair = Repair(
            id=str(uuid.uuid4()),
            title=title,
            description=description.strip(),
            location=location,
            severity=severity,
            state=RepairState.REPORTED,
            requester=actor.username,
            reported_at=now,
            response_due_at=now + timedelta(hours=RESPONSE_HOURS),
            resolve_due_at=self._resolve_due(now) if severity == "major" else None,
        )
        repair._log(now, actor.username, "reported", description.strip())
        with self.uow() as uow:
            uow.repairs.add(repair)
            self._schedule(uow, repair)
            self._event(uow, "reported", repair, actor.username)
            self.notify(
                uow,
                self.holders(Role.SECRETARIAT, Role.IT_SUPPORT),
                "repair_reported",
                f"报修：{repair.title}（{'重大' if repair.is_major else '一般'}）",
                f"{repair.location}：{repair.description or repair.title}。"
                f"请于 {self.local(repair.response_due_at)} 前响应。",
                self._ref(repair),
                repair.response_due_at,
            )
            uow.audit(actor.username, "report", "repair", repair.id, None, _snap(repair))
            uow.commit()
        return repair

    def _schedule(self, uow: FacilitiesUnitOfWork, repair: Repair) -> None:
        if repair.state == RepairState.REPORTED:
            self.timers.schedule(
                uow.session,
                RESPONSE_TIMER,
                _response_key(repair),
                repair.response_due_at,
                {"repair_id": repair.id},
            )
        if repair.resolve_due_at is not None:
            self.timers.schedule(
                uow.session,
                RESOLUTION_TIMER,
                _resolution_key(repair),
                repair.resolve_due_at,
                {"repair_id": repair.id},
            )

    def _load(self, uow: FacilitiesUnitOfWork, repair_id: str) -> Repair:
        repair = uow.repairs.get(repair_id, for_update=True)
        if repair is None:
            raise NotFound(f"repair {repair_id} not found")
        return repair

    def respond(self, actor: Identity, repair_id: str, note: str) -> Repair:
        """SPEC F-06: the response is due 2 hours after the report."""
        require_role(actor, HANDLERS, "responding to repairs")
        with self.uow() as uow:
            repair = self._load(uow, repair_id)
            before = _snap(repair)
            now = self.now()
            try:
                outcome = repair.respond(actor.username, now, note.strip())
            except RepairRuleBroken as exc:
                raise PreconditionFailed(str(exc)) from exc
            self.timers.cancel(uow.session, _response_key(repair), now)
            uow.repairs.save(repair)
            self._event(uow, "responded", repair, actor.username, repair.response_outcome)
            self.notify(
                uow,
                [repair.requester],
                "repair_responded",
                f"报修已受理：{repair.title}",
                f"{actor.username} 已受理您的报修。"
                + (f"说明：{note.strip()}" if note.strip() else ""),
                self._ref(repair),
            )
            uow.audit(actor.username, "respond", "repair", repair.id, before, _snap(repair))
            if outcome is not None:
                minutes = (now - repair.reported_at).total_seconds() / 60
                uow.after_commit(lambda: metrics.REPAIR_RESPONSE.labels(outcome).inc())
                uow.after_commit(lambda: metrics.REPAIR_RESPONSE_MINUTES.observe(minutes))
            uow.commit()
        return repair

    def resolve(self, actor: Identity, repair_id: str, result: str) -> Repair:
        """SPEC F-06: a major fault is due resolved 24 hours after the report, with a written result."""
        require_role(actor, HANDLERS, "resolving repairs")
        with self.uow() as uow:
            repair = self._load(uow, repair_id)
            before = _snap(repair)
            now = self.now()
            started = _clock_start(repair)
            try:
                outcome = repair.resolve(actor.username, now, result)
            except ValueError as exc:
                raise ValidationFailed(FieldError("result", str(exc))) from exc
            except RepairRuleBroken as exc:
                raise PreconditionFailed(str(exc)) from exc
            self.timers.cancel(uow.session, _resolution_key(repair), now)
            uow.repairs.save(repair)
            self._event(uow, "resolved", repair, actor.username, outcome or "")
            self.notify(
                uow,
                [repair.requester],
                "repair_resolved",
                f"报修已处理：{repair.title}",
                f"处理结果：{repair.result}。请确认验收，或说明仍存在的问题并重新打开。",
                self._ref(repair),
            )
            uow.audit(actor.username, "resolve", "repair", repair.id, before, _snap(repair))
            if outcome is not None:
                hours = self.calendar.working_hours_between(started, now)
                uow.after_commit(lambda: metrics.REPAIR_RESOLUTION.labels(outcome).inc())
                uow.after_commit(lambda: metrics.REPAIR_RESOLUTION_HOURS.observe(hours))
            uow.commit()
        return repair

    def accept(self, actor: Identity, repair_id: str) -> Repair:
        with self.uow() as uow:
            repair = self._load(uow, repair_id)
            before = _snap(repair)
            try:
                repair.accept(actor.username, self.now())
            except NotTheRequester as exc:
                raise PermissionDenied(str(exc)) from exc
            except RepairRuleBroken as exc:
                raise PreconditionFailed(str(exc)) from exc
            uow.repairs.save(repair)
            self._event(uow, "accepted", repair, actor.username)
            uow.audit(actor.username, "accept", "repair", repair.id, before, _snap(repair))
            uow.commit()
        return repair

    def reopen(self, actor: Identity, repair_id: str, reason: str) -> Repair:
        with self.uow() as uow:
            repair = self._load(uow, repair_id)
            before = _snap(repair)
            now = self.now()
            try:
                repair.reopen(
                    actor.username, now, reason, self._resolve_due(now) if repair.is_major else None
                )
            except NotTheRequester as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValueError as exc:
                raise ValidationFailed(FieldError("reason", str(exc))) from exc
            except RepairRuleBroken as exc:
                raise PreconditionFailed(str(exc)) from exc
            uow.repairs.save(repair)
            self._schedule(uow, repair)
            self._event(uow, "reopened", repair, actor.username)
            self.notify(
                uow,
                [repair.assignee]
                if repair.assignee
                else self.holders(Role.SECRETARIAT, Role.IT_SUPPORT),
                "repair_reopened",
                f"报修被重新打开：{repair.title}",
                f"报修人反馈：{reason.strip()}",
                self._ref(repair),
                repair.resolve_due_at,
            )
            uow.audit(actor.username, "reopen", "repair", repair.id, before, _snap(repair))
            uow.commit()
        return repair

    def _may_read(self, actor: Identity, repair: Repair) -> bool:
        return (
            actor.is_service
            or repair.requester == actor.username
            or actor.has_role(*HANDLERS, Role.OFFICE_DIRECTOR)
        )

    def get(self, actor: Identity, repair_id: str) -> Repair:
        with self.reading() as stores:
            repair = stores.repairs.get(repair_id)
        if repair is None or not self._may_read(actor, repair):
            raise NotFound(f"repair {repair_id} not found")
        return repair

    def list_repairs(
        self, actor: Identity, state: str, mine: bool, page: Page | None = None
    ) -> Listing[Repair]:
        own = mine or not actor.has_role(*HANDLERS, Role.OFFICE_DIRECTOR)
        with self.reading() as stores:
            return Listing.of(stores.repairs.page_for(state, page, actor.username if own else ""))

    # -- timers (SPEC X-05: each deadline fires once; each outcome a metric and an event) --

    def on_response_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        assert isinstance(uow, FacilitiesUnitOfWork)
        repair = uow.repairs.get(str(firing.payload["repair_id"]), for_update=True)
        if repair is None or not repair.response_breached(self.now()):
            return
        uow.repairs.save(repair)
        self._event(uow, "response_breached", repair, "system", "breached")
        self.notify(
            uow,
            [
                *self.holders(Role.SECRETARIAT, Role.IT_SUPPORT, Role.OFFICE_DIRECTOR),
                repair.requester,
            ],
            "repair_response_breached",
            f"报修超时未响应：{repair.title}",
            f"{repair.location} 的报修已超过 2 小时未响应。",
            self._ref(repair),
        )
        uow.audit(
            "system",
            "response_breached",
            "repair",
            repair.id,
            None,
            {"due": repair.response_due_at},
        )
        uow.after_commit(lambda: metrics.REPAIR_RESPONSE.labels("breached").inc())

    def on_resolution_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        assert isinstance(uow, FacilitiesUnitOfWork)
        repair = uow.repairs.get(str(firing.payload["repair_id"]), for_update=True)
        if repair is None or firing.key != _resolution_key(repair):
            return
        if not repair.resolution_breached(self.now()):
            return
        uow.repairs.save(repair)
        self._event(uow, "resolution_breached", repair, "system", "breached")
        self.notify(
            uow,
            [*self.holders(Role.OFFICE_DIRECTOR), repair.assignee, repair.requester],
            "repair_resolution_breached",
            f"重大故障超时未解决：{repair.title}",
            f"{repair.location} 的重大故障已超过 24 小时（工作日计）未解决。",
            self._ref(repair),
        )
        uow.audit(
            "system",
            "resolution_breached",
            "repair",
            repair.id,
            None,
            {"due": repair.resolve_due_at},
        )
        uow.after_commit(lambda: metrics.REPAIR_RESOLUTION.labels("breached").inc())

    # -- the business calendar (X-02) ---------------------------------------------

    def on_calendar_updated(self, uow: UnitOfWork, event: ReceivedEvent) -> None:
        """``directory.calendar.updated``: install the year, then move the resolution
        clocks of open major repairs that run over it (timers included)."""
        assert isinstance(uow, FacilitiesUnitOfWork)
        schedule = apply_calendar_update(self.calendar, event)
        start = self.calendar.start_of_day(date(schedule.year, 1, 1))
        end = self.calendar.start_of_day(date(schedule.year + 1, 1, 1))
        open_states = (RepairState.REPORTED, RepairState.RESPONDED, RepairState.REOPENED)
        for found in uow.repairs.in_states_due_from(open_states, start):
            repair = uow.repairs.get(found.id, for_update=True)
            if repair is None or repair.resolution_outcome or repair.resolve_due_at is None:
                continue
            clock_start = _clock_start(repair)
            if clock_start >= end:
                continue
            due = self._resolve_due(clock_start)
            if due == repair.resolve_due_at:
                continue
            before = repair.resolve_due_at
            repair.resolve_due_at = due
            uow.repairs.save(repair)
            self.timers.schedule(
                uow.session,
                RESOLUTION_TIMER,
                _resolution_key(repair),
                due,
                {"repair_id": repair.id},
            )
            uow.audit(
                "system",
                "resolution_due_moved",
                "repair",
                repair.id,
                {"due": before},
                {"due": due, "calendar_year": schedule.year},
            )


def _clock_start(repair: Repair) -> datetime:
    reopenings = [e.at for e in repair.history if e.action == "reopened"]
    return reopenings[-1] if reopenings else repair.reported_at


def _snap(repair: Repair) -> dict[str, object]:
    snapshot = dataclasses.asdict(repair)
    snapshot.pop("history", None)
    return snapshot
