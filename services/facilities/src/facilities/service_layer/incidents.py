"""Incidents with their 10- and 30-minute clocks (SPEC F-10, X-05)."""

from __future__ import annotations

import dataclasses
import uuid

from facilities.domain.incidents import KINDS, Incident, IncidentRuleBroken
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
from secretariat_shared.errors import FieldError, NotFound, PreconditionFailed
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

PLAN_TIMER = "incident_plan_due"
RESTORE_TIMER = "incident_restore_due"
COMMANDERS = (Role.SECRETARIAT, Role.OFFICE_DIRECTOR, Role.ADMIN)
"""Who starts the emergency plan and closes an incident."""
RESTORERS = (Role.IT_SUPPORT, Role.ADMIN)
"""Key equipment is restored with IT: IT confirms the restoration."""


class Incidents(UseCases):
    def _event(
        self, uow: UnitOfWork, event: str, incident: Incident, actor: str, outcome: str = ""
    ) -> None:
        uow.emit(
            f"facilities.incident.{event}",
            incident.id,
            events_pb2.IncidentChanged(
                incident=to_proto(facilities_pb2.Incident(), incident),
                actor=actor,
                outcome=outcome,
            ),
        )

    def _ref(self, incident: Incident) -> str:
        return f"facilities/incidents/{incident.id}"

    def report(self, actor: Identity, kind: str, description: str, location: str) -> Incident:
        errors: list[FieldError] = []
        if kind not in KINDS:
            errors.append(FieldError("kind", "must be one of " + ", ".join(KINDS)))
        description = require_text(description, "description", errors, 5000)
        location = require_text(location, "location", errors)
        raise_if(errors)
        incident = Incident.report(
            str(uuid.uuid4()), kind, description, location, actor.username, self.now()
        )
        with self.uow() as uow:
            uow.incidents.add(incident)
            self.timers.schedule(
                uow.session,
                PLAN_TIMER,
                f"incident:{incident.id}:plan",
                incident.plan_due_at,
                {"incident_id": incident.id},
            )
            self.timers.schedule(
                uow.session,
                RESTORE_TIMER,
                f"incident:{incident.id}:restore",
                incident.restore_due_at,
                {"incident_id": incident.id},
            )
            self._event(uow, "reported", incident, actor.username)
            self.notify(
                uow,
                self.holders(Role.SECRETARIAT, Role.OFFICE_DIRECTOR, Role.IT_SUPPORT),
                "incident_reported",
                f"突发事件：{incident.location} {incident.description[:40]}",
                f"请于 {self.local(incident.plan_due_at)} 前启动应急预案，"
                f"{self.local(incident.restore_due_at)} 前会同 IT 恢复关键设备。",
                self._ref(incident),
                incident.plan_due_at,
            )
            uow.audit(
                actor.username,
                "report",
                "incident",
                incident.id,
                None,
                dataclasses.asdict(incident),
            )
            uow.commit()
        return incident

    def _load(self, uow: FacilitiesUnitOfWork, incident_id: str) -> Incident:
        incident = uow.incidents.get(incident_id, for_update=True)
        if incident is None:
            raise NotFound(f"incident {incident_id} not found")
        return incident

    def start_plan(self, actor: Identity, incident_id: str, note: str) -> Incident:
        """SPEC F-10: the emergency plan is started within 10 minutes of the report."""
        require_role(actor, COMMANDERS, "starting the emergency plan")
        with self.uow() as uow:
            incident = self._load(uow, incident_id)
            before = dataclasses.asdict(incident)
            now = self.now()
            try:
                outcome = incident.start_plan(actor.username, now)
            except IncidentRuleBroken as exc:
                raise PreconditionFailed(str(exc)) from exc
            if note.strip():
                incident.note = note.strip()
            self.timers.cancel(uow.session, f"incident:{incident.id}:plan", now)
            uow.incidents.save(incident)
            self._event(uow, "plan_started", incident, actor.username, incident.plan_outcome)
            uow.audit(
                actor.username,
                "start_plan",
                "incident",
                incident.id,
                before,
                dataclasses.asdict(incident),
            )
            minutes = (now - incident.reported_at).total_seconds() / 60
            uow.after_commit(lambda: metrics.INCIDENT_MINUTES.labels("plan").observe(minutes))
            if outcome is not None:
                uow.after_commit(lambda: metrics.INCIDENT_PLAN.labels(outcome).inc())
            uow.commit()
        return incident

    def restore(self, actor: Identity, incident_id: str, note: str) -> Incident:
        """SPEC F-10: key equipment is restored with IT within 30 minutes of the report."""
        require_role(actor, RESTORERS, "confirming key equipment restored")
        with self.uow() as uow:
            incident = self._load(uow, incident_id)
            before = dataclasses.asdict(incident)
            now = self.now()
            try:
                outcome = incident.restore(actor.username, now, note.strip())
            except IncidentRuleBroken as exc:
                raise PreconditionFailed(str(exc)) from exc
            self.timers.cancel(uow.session, f"incident:{incident.id}:restore", now)
            uow.incidents.save(incident)
            self._event(
                uow, "equipment_restored", incident, actor.username, incident.restore_outcome
            )
            uow.audit(
                actor.username,
                "restore",
                "incident",
                incident.id,
                before,
                dataclasses.asdict(incident),
            )
            minutes = (now - incident.reported_at).total_seconds() / 60
            uow.after_commit(lambda: metrics.INCIDENT_MINUTES.labels("restore").observe(minutes))
            if outcome is not None:
                uow.after_commit(lambda: metrics.INCIDENT_RESTORE.labels(outcome).inc())
            uow.commit()
        return incident

    def close(self, actor: Identity, incident_id: str, note: str) -> Incident:
        require_role(actor, COMMANDERS, "closing an incident")
        with self.uow() as uow:
            incident = self._load(uow, incident_id)
            before = dataclasses.asdict(incident)
            try:
                incident.close(self.now(), note.strip())
            except IncidentRuleBroken as exc:
                raise PreconditionFailed(str(exc)) from exc
            uow.incidents.save(incident)
            self._event(uow, "closed", incident, actor.username)
            uow.audit(
                actor.username,
                "close",
                "incident",
                incident.id,
                before,
                dataclasses.asdict(incident),
            )
            uow.commit()
        return incident

    def get(self, actor: Identity, incident_id: str) -> Incident:
        with self.reading() as stores:
            incident = stores.incidents.get(incident_id)
        if incident is None:
            raise NotFound(f"incident {incident_id} not found")
        return incident

    def list_incidents(
        self, actor: Identity, state: str, page: Page | None = None
    ) -> Listing[Incident]:
        with self.reading() as stores:
            return Listing.of(stores.incidents.page_in_state(state, page))

    # -- timers (SPEC X-05: each deadline fires once; each outcome a metric and an event) --

    def on_plan_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        assert isinstance(uow, FacilitiesUnitOfWork)
        incident = uow.incidents.get(str(firing.payload["incident_id"]), for_update=True)
        if incident is None or not incident.plan_overdue():
            return
        uow.incidents.save(incident)
        self._event(uow, "plan_overdue", incident, "system", "breached")
        self.notify(
            uow,
            self.holders(Role.OFFICE_DIRECTOR, Role.SECRETARIAT),
            "incident_plan_overdue",
            f"应急预案超时未启动：{incident.location}",
            "事件报告已超过 10 分钟，应急预案仍未启动。",
            self._ref(incident),
        )
        uow.audit(
            "system", "plan_overdue", "incident", incident.id, None, {"due": incident.plan_due_at}
        )
        uow.after_commit(lambda: metrics.INCIDENT_PLAN.labels("breached").inc())

    def on_restore_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        assert isinstance(uow, FacilitiesUnitOfWork)
        incident = uow.incidents.get(str(firing.payload["incident_id"]), for_update=True)
        if incident is None or not incident.restore_overdue():
            return
        uow.incidents.save(incident)
        self._event(uow, "restore_overdue", incident, "system", "breached")
        self.notify(
            uow,
            self.holders(Role.OFFICE_DIRECTOR, Role.IT_SUPPORT),
            "incident_restore_overdue",
            f"关键设备超时未恢复：{incident.location}",
            "事件报告已超过 30 分钟，关键设备仍未恢复。",
            self._ref(incident),
        )
        uow.audit(
            "system",
            "restore_overdue",
            "incident",
            incident.id,
            None,
            {"due": incident.restore_due_at},
        )
        uow.after_commit(lambda: metrics.INCIDENT_RESTORE.labels("breached").inc())
