"""Zones and their daily rounds (SPEC F-07); quarterly safety inspections and
rectification items tracked to closure (F-08)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError

from facilities.domain.sites import (
    ROUND_GRACE,
    ZONE_KINDS,
    CheckResult,
    InspectionRound,
    Rectification,
    SafetyInspection,
    Zone,
    check_results,
    first_round_day,
    next_round_day,
    parse_quarter,
    parse_round_time,
    round_due,
)
from facilities.domain.supplies import CODE_PATTERN
from facilities.service_layer import metrics
from facilities.service_layer.common import (
    Listing,
    UseCases,
    parse_date,
    raise_if,
    require_role,
    require_text,
    to_proto,
)
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork, Stores
from secretariat.facilities.v1 import events_pb2, facilities_pb2
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

ROUND_TIMER = "zone_round_due"
RECTIFICATION_TIMER = "rectification_due"
SITE_MANAGERS = (Role.SECRETARIAT, Role.ADMIN)
SAFETY_INSPECTORS = (Role.SECRETARIAT, Role.OFFICE_DIRECTOR, Role.ADMIN)


@dataclass(frozen=True)
class PutZone:
    code: str
    name: str
    kind: str
    owner: str
    checklist: list[str]
    round_time: str


@dataclass(frozen=True)
class FindingIn:
    description: str
    location: str
    owner: str
    due_date: str


class Sites(UseCases):
    # -- zones and rounds (F-07) ------------------------------------------------

    def _round_key(self, zone_code: str, day: date) -> str:
        return f"zone:{zone_code}:round:{day.isoformat()}"

    def put_zone(self, actor: Identity, cmd: PutZone) -> Zone:
        require_role(actor, SITE_MANAGERS, "setting up zones")
        errors: list[FieldError] = []
        code = cmd.code.strip().upper()
        if not CODE_PATTERN.match(code):
            errors.append(FieldError("code", "must be 1-40 letters, digits, - or _"))
        name = require_text(cmd.name, "name", errors)
        if cmd.kind not in ZONE_KINDS:
            errors.append(FieldError("kind", "must be one of " + ", ".join(ZONE_KINDS)))
        checklist = [c.strip() for c in cmd.checklist if c.strip()]
        if not checklist:
            errors.append(FieldError("checklist", "list what the round checks"))
        elif len(set(checklist)) != len(checklist):
            errors.append(FieldError("checklist", "an item is listed twice"))
        try:
            parse_round_time(cmd.round_time)
        except ValueError as exc:
            errors.append(FieldError("round_time", str(exc)))
        if self.directory.person(cmd.owner) is None:
            errors.append(FieldError("owner", f"unknown person {cmd.owner!r}"))
        raise_if(errors)
        with self.uow() as uow:
            existing = uow.zones.by_code(code, for_update=True)
            found = [existing] if existing else []
            now = self.now()
            day = first_round_day(
                now.astimezone(self.zone), cmd.round_time, self.calendar.is_working_day
            )
            zone = Zone(
                id=found[0].id if found else str(uuid.uuid4()),
                code=code,
                name=name,
                kind=cmd.kind,
                owner=cmd.owner,
                checklist=checklist,
                round_time=cmd.round_time,
                next_round_due_at=round_due(day, cmd.round_time, self.zone),
            )
            if found and found[0].next_round_due_at is not None:
                old_day = found[0].next_round_due_at.astimezone(self.zone).date()
                self.timers.cancel(uow.session, self._round_key(code, old_day), now)
            if found:
                uow.zones.save(zone)
            else:
                uow.zones.add(zone)
            self._schedule_round(uow, zone, day)
            uow.emit(
                "facilities.zone.saved",
                zone.id,
                events_pb2.ZoneSaved(
                    zone=to_proto(facilities_pb2.Zone(), zone), actor=actor.username
                ),
            )
            uow.audit(
                actor.username,
                "update_zone" if found else "create_zone",
                "zone",
                zone.id,
                dataclasses.asdict(found[0]) if found else None,
                dataclasses.asdict(zone),
            )
            uow.commit()
        return zone

    def _schedule_round(self, uow: UnitOfWork, zone: Zone, day: date) -> None:
        """The round of ``day`` is checked for at its time plus the grace period."""
        self.timers.schedule(
            uow.session,
            ROUND_TIMER,
            self._round_key(zone.code, day),
            round_due(day, zone.round_time, self.zone) + ROUND_GRACE,
            {"zone_code": zone.code, "day": day.isoformat()},
        )

    def list_zones(self, page: Page | None = None) -> Listing[Zone]:
        with self.reading() as stores:
            return Listing.of(stores.zones.page_by_code(page))

    def record_round(
        self, actor: Identity, zone_code: str, results: Sequence[CheckResult]
    ) -> InspectionRound:
        """SPEC F-07: the day's round answers every checklist item; failures alert the owner."""
        with self.reading() as stores:
            zone = stores.zones.by_code(zone_code.strip().upper())
        if zone is None:
            raise ValidationFailed(FieldError("zone_code", f"unknown zone {zone_code!r}"))
        if actor.username != zone.owner and not actor.has_role(*SITE_MANAGERS):
            raise PermissionDenied("the zone's owner or the secretariat walks its round")
        problems = check_results(zone.checklist, results)
        if problems:
            raise ValidationFailed([FieldError("results", p) for p in problems])
        now = self.now()
        day = now.astimezone(self.zone).date()
        inspection = InspectionRound(
            id=str(uuid.uuid4()),
            zone_code=zone.code,
            day=day,
            inspector=actor.username,
            recorded_at=now,
            results=[CheckResult(r.item, r.ok, r.note.strip()) for r in results],
            on_time=now <= round_due(day, zone.round_time, self.zone) + ROUND_GRACE,
        )
        outcome = "met" if inspection.on_time else "breached"
        try:
            with self.uow() as uow:
                uow.rounds.add(inspection)
                uow.emit(
                    "facilities.inspection.round_recorded",
                    zone.id,
                    events_pb2.RoundChanged(
                        zone_code=zone.code,
                        day=day.isoformat(),
                        round=to_proto(facilities_pb2.InspectionRound(), inspection),
                        outcome=outcome,
                    ),
                )
                if inspection.failed:
                    failed = [r for r in inspection.results if not r.ok]
                    self.notify(
                        uow,
                        [zone.owner, *self.holders(Role.SECRETARIAT)],
                        "inspection_issues",
                        f"{zone.name} 巡检发现 {len(failed)} 项问题",
                        "；".join(f"{r.item}{'：' + r.note if r.note else ''}" for r in failed),
                        f"facilities/zones/{zone.code}",
                    )
                uow.audit(
                    actor.username,
                    "record_round",
                    "zone",
                    zone.id,
                    None,
                    dataclasses.asdict(inspection),
                )
                uow.after_commit(lambda: metrics.INSPECTION_ROUNDS.labels(outcome).inc())
                uow.commit()
        except IntegrityError as exc:
            raise Conflict(
                f"the round of {zone.code} on {day.isoformat()} is recorded already"
            ) from exc
        return inspection

    def list_rounds(
        self, zone_code: str, day: str, page: Page | None = None
    ) -> Listing[InspectionRound]:
        parsed = None
        if day:
            errors: list[FieldError] = []
            parsed = parse_date(day, "day", errors)
            raise_if(errors)
        with self.reading() as stores:
            return Listing.of(stores.rounds.page_for(zone_code.strip().upper(), parsed, page))

    def on_round_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """The round's time (plus grace) passed: flag a missed round, schedule the next one."""
        assert isinstance(uow, FacilitiesUnitOfWork)
        code = str(firing.payload["zone_code"])
        day = date.fromisoformat(str(firing.payload["day"]))
        zone = uow.zones.by_code(code, for_update=True)
        if zone is None:
            return
        walked = uow.rounds.of_zone_on(code, day)
        if not walked:
            uow.emit(
                "facilities.inspection.round_missed",
                zone.id,
                events_pb2.RoundChanged(zone_code=code, day=day.isoformat(), outcome="breached"),
            )
            self.notify(
                uow,
                [zone.owner],
                "inspection_round_missed",
                f"{zone.name} {day.isoformat()} 巡检未完成",
                f"{zone.round_time} 的日常巡检未记录，请尽快补巡。",
                f"facilities/zones/{zone.code}",
            )
            uow.audit("system", "round_missed", "zone", zone.id, None, {"day": day.isoformat()})
            uow.after_commit(lambda: metrics.INSPECTION_ROUNDS.labels("breached").inc())
        following = next_round_day(max(day, self.today()), self.calendar.is_working_day)
        zone.next_round_due_at = round_due(following, zone.round_time, self.zone)
        uow.zones.save(zone)
        self._schedule_round(uow, zone, following)

    # -- safety inspections (F-08) ----------------------------------------------

    def record_safety_inspection(
        self, actor: Identity, quarter: str, summary: str, findings: Sequence[FindingIn]
    ) -> SafetyInspection:
        """SPEC F-08: findings become rectification items, each with owner and due date."""
        require_role(actor, SAFETY_INSPECTORS, "recording safety inspections")
        errors: list[FieldError] = []
        try:
            parse_quarter(quarter)
        except ValueError as exc:
            errors.append(FieldError("quarter", str(exc)))
        summary = require_text(summary, "summary", errors, 5000)
        today = self.today()
        items: list[Rectification] = []
        inspection_id = str(uuid.uuid4())
        for index, finding in enumerate(findings):
            description = require_text(
                finding.description, f"findings[{index}].description", errors, 2000
            )
            location = require_text(finding.location, f"findings[{index}].location", errors)
            if self.directory.person(finding.owner) is None:
                errors.append(
                    FieldError(f"findings[{index}].owner", f"unknown person {finding.owner!r}")
                )
            due = parse_date(finding.due_date, f"findings[{index}].due_date", errors)
            if due is not None and due < today:
                errors.append(FieldError(f"findings[{index}].due_date", "must not be in the past"))
            if due is not None:
                items.append(
                    Rectification(
                        str(uuid.uuid4()), inspection_id, description, location, finding.owner, due
                    )
                )
        raise_if(errors)
        inspection = SafetyInspection(inspection_id, quarter, today, actor.username, summary, items)
        with self.uow() as uow:
            uow.safety_inspections.add(inspection)
            for position, item in enumerate(items):
                uow.rectifications.add(item, position=position)
                self.timers.schedule(
                    uow.session,
                    RECTIFICATION_TIMER,
                    f"rectification:{item.id}:due",
                    self.end_of_day(item.due_date),
                    {"rectification_id": item.id},
                )
                self.notify(
                    uow,
                    [item.owner],
                    "rectification_assigned",
                    f"安全整改：{item.location}",
                    f"{item.description}。请于 {item.due_date.isoformat()} 前完成整改。",
                    f"facilities/rectifications/{item.id}",
                    self.end_of_day(item.due_date),
                )
            uow.emit(
                "facilities.safety_inspection.recorded",
                inspection.id,
                events_pb2.SafetyInspectionRecorded(
                    inspection=to_proto(facilities_pb2.SafetyInspection(), inspection),
                    actor=actor.username,
                ),
            )
            uow.audit(
                actor.username,
                "record",
                "safety_inspection",
                inspection.id,
                None,
                dataclasses.asdict(inspection),
            )
            uow.commit()
        return inspection

    def _with_items(self, stores: Stores, inspection: SafetyInspection) -> SafetyInspection:
        inspection.rectifications = stores.rectifications.of_inspection(inspection.id)
        return inspection

    def get_safety_inspection(self, inspection_id: str) -> SafetyInspection:
        with self.reading() as stores:
            inspection = stores.safety_inspections.get(inspection_id)
            if inspection is None:
                raise NotFound(f"safety inspection {inspection_id} not found")
            return self._with_items(stores, inspection)

    def list_safety_inspections(
        self, quarter: str, page: Page | None = None
    ) -> Listing[SafetyInspection]:
        with self.reading() as stores:
            found, total = stores.safety_inspections.page_of_quarter(quarter, page)
            return Listing([self._with_items(stores, i) for i in found], total)

    def close_rectification(self, actor: Identity, item_id: str, note: str) -> Rectification:
        """SPEC F-08: an item is tracked until its owner (or the secretariat) closes it."""
        errors: list[FieldError] = []
        note = require_text(note, "note", errors, 2000)
        raise_if(errors)
        with self.uow() as uow:
            item = uow.rectifications.get(item_id, for_update=True)
            if item is None:
                raise NotFound(f"rectification {item_id} not found")
            if actor.username != item.owner and not actor.has_role(*SAFETY_INSPECTORS):
                raise PermissionDenied("the item's owner or the secretariat closes it")
            if item.state != "open":
                raise PreconditionFailed("the item is closed already")
            before = dataclasses.asdict(item)
            now = self.now()
            item.state = "closed"
            item.closed_at = now
            item.closed_by = actor.username
            item.note = note
            self.timers.cancel(uow.session, f"rectification:{item.id}:due", now)
            uow.rectifications.save(item)
            on_time = now <= self.end_of_day(item.due_date)
            outcome = "met" if on_time else "breached"
            uow.emit(
                "facilities.rectification.closed",
                item.id,
                events_pb2.RectificationChanged(
                    rectification=to_proto(facilities_pb2.Rectification(), item),
                    actor=actor.username,
                    outcome=outcome,
                ),
            )
            uow.audit(
                actor.username, "close", "rectification", item.id, before, dataclasses.asdict(item)
            )
            if not item.overdue:
                uow.after_commit(lambda: metrics.RECTIFICATIONS.labels(outcome).inc())
            uow.commit()
        return item

    def on_rectification_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        assert isinstance(uow, FacilitiesUnitOfWork)
        item = uow.rectifications.get(str(firing.payload["rectification_id"]), for_update=True)
        if item is None or item.state != "open" or item.overdue:
            return
        item.overdue = True
        uow.rectifications.save(item)
        inspection = uow.safety_inspections.get(item.inspection_id)
        uow.emit(
            "facilities.rectification.overdue",
            item.id,
            events_pb2.RectificationChanged(
                rectification=to_proto(facilities_pb2.Rectification(), item),
                actor="system",
                outcome="breached",
            ),
        )
        self.notify(
            uow,
            [item.owner, inspection.inspector if inspection else ""],
            "rectification_overdue",
            f"安全整改逾期：{item.location}",
            f"{item.description}（应于 {item.due_date.isoformat()} 完成）仍未整改。",
            f"facilities/rectifications/{item.id}",
        )
        uow.audit("system", "overdue", "rectification", item.id, None, {"due_date": item.due_date})
        uow.after_commit(lambda: metrics.RECTIFICATIONS.labels("breached").inc())
