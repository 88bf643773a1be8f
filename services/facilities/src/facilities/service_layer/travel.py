"""Trips and expense claims through the approval engine, reimbursement,
company events (SPEC F-09)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from facilities.domain.limits import too_many_people, too_much
from facilities.domain.travel import (
    EVENT_KINDS,
    EXPENSE_READER_ROLES,
    OUTCOME_STATES,
    ApprovalState,
    CompanyEvent,
    Expense,
    ExpenseLine,
    ExpenseState,
    Trip,
    destination_country_problems,
    expense_item,
    expense_line_problems,
    normal_country,
)
from facilities.service_layer.approval_start import ApprovalStarter, Settlement
from facilities.service_layer.common import (
    Context,
    Listing,
    UseCases,
    bounded,
    parse_date,
    raise_if,
    require_role,
    require_text,
    to_proto,
)
from facilities.service_layer.ports import ApprovalRequest
from facilities.service_layer.supplies import yuan
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork
from secretariat.facilities.v1 import events_pb2, facilities_pb2
from secretariat_shared import access
from secretariat_shared.access import may_read, reach, viewer_of
from secretariat_shared.errors import FieldError, NotFound, PreconditionFailed
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page
from secretariat_shared.roles import Role
from secretariat_shared.uow import UnitOfWork

TRAVEL_TEMPLATE = "travel"
EXPENSE_TEMPLATE = "expense"
TRAVEL_READERS = (Role.FINANCE, Role.SECRETARIAT, Role.OFFICE_DIRECTOR, Role.ADMIN)
EVENT_PLANNERS = (Role.SECRETARIAT, Role.OFFICE_DIRECTOR, Role.ADMIN)


@dataclass(frozen=True)
class TripRequest:
    destination: str
    purpose: str
    start_date: str
    end_date: str
    needs_flight: bool = False
    needs_hotel: bool = False
    needs_visa: bool = False
    estimated_cost_fen: int = 0
    destination_country: str = ""


@dataclass(frozen=True)
class EventPlan:
    title: str
    kind: str
    event_date: str
    venue: str
    catering: str
    plan: str
    headcount: int
    budget_fen: int


class Travel(UseCases):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.approval_starter = ApprovalStarter(
            ctx.approvals,
            ctx.uow_factory,
            ctx.clock,
            {
                "trip": Settlement(self._trip_started, self._trip_refused),
                "expense": Settlement(self._expense_started, self._expense_refused),
            },
        )

    def _trip_event(self, uow: UnitOfWork, event: str, trip: Trip, actor: str) -> None:
        uow.emit(
            f"facilities.trip.{event}",
            trip.id,
            events_pb2.TripChanged(trip=to_proto(facilities_pb2.Trip(), trip), actor=actor),
        )

    def _expense_event(self, uow: UnitOfWork, event: str, expense: Expense, actor: str) -> None:
        uow.emit(
            f"facilities.expense.{event}",
            expense.id,
            events_pb2.ExpenseChanged(
                expense=to_proto(facilities_pb2.Expense(), expense), actor=actor
            ),
        )

    # -- trips -----------------------------------------------------------------

    def request_trip(self, actor: Identity, cmd: TripRequest) -> Trip:
        """SPEC F-09: a trip request (flights, hotel, visa) runs as a travel approval."""
        errors: list[FieldError] = []
        destination = require_text(cmd.destination, "destination", errors)
        purpose = require_text(cmd.purpose, "purpose", errors, 2000)
        start = parse_date(cmd.start_date, "start_date", errors)
        end = parse_date(cmd.end_date, "end_date", errors)
        if start is not None and start < self.today():
            errors.append(FieldError("start_date", "must not be in the past"))
        if start is not None and end is not None and end < start:
            errors.append(FieldError("end_date", "must not be before start_date"))
        if cmd.estimated_cost_fen < 0:
            errors.append(FieldError("estimated_cost_fen", "must not be negative"))
        bounded(too_much(cmd.estimated_cost_fen), "estimated_cost_fen", errors)
        country = normal_country(cmd.destination_country)
        errors.extend(
            FieldError(f, m) for f, m in destination_country_problems(country, cmd.needs_visa)
        )
        raise_if(errors)
        assert start is not None
        assert end is not None
        if actor.is_service or not actor.department_code:
            raise PreconditionFailed("a trip is requested by a person in a department")
        trip = Trip(
            id=str(uuid.uuid4()),
            traveller=actor.username,
            department_code=actor.department_code,
            destination=destination,
            purpose=purpose,
            start_date=start,
            end_date=end,
            needs_flight=cmd.needs_flight,
            needs_hotel=cmd.needs_hotel,
            needs_visa=cmd.needs_visa,
            estimated_cost_fen=cmd.estimated_cost_fen,
            state=ApprovalState.PENDING_APPROVAL,
            requested_at=self.now(),
            destination_country=country,
        )
        request = ApprovalRequest(
            template=TRAVEL_TEMPLATE,
            subject=f"出差申请：{destination}（{start.isoformat()} 至 {end.isoformat()}）",
            payload={
                "trip_id": trip.id,
                "destination": destination,
                "purpose": purpose,
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "days": (end - start).days + 1,
                "needs": [
                    need
                    for need, wanted in (
                        ("flight", cmd.needs_flight),
                        ("hotel", cmd.needs_hotel),
                        ("visa", cmd.needs_visa),
                    )
                    if wanted
                ],
                "destination_country": country,
                "international": trip.international,
                "estimated_cost": yuan(cmd.estimated_cost_fen),
                "amount": yuan(cmd.estimated_cost_fen),
            },
            requester_username=actor.username,
            source_ref=f"trip:{trip.id}",
        )
        with self.uow() as uow:
            uow.trips.add(trip)
            self.approval_starter.schedule(uow, request, actor.username)
            uow.commit()
        trip.approval_id = self.approval_starter.start(request, actor.username)
        return trip

    def _trip_started(
        self, uow: FacilitiesUnitOfWork, trip_id: str, approval_id: str, actor: str
    ) -> None:
        trip = uow.trips.get(trip_id, for_update=True)
        if trip is None or trip.approval_id:
            return
        trip.approval_id = approval_id
        uow.trips.save(trip)
        self._trip_event(uow, "requested", trip, actor)
        uow.audit(actor, "request", "trip", trip.id, None, dataclasses.asdict(trip))

    def _trip_refused(self, uow: FacilitiesUnitOfWork, trip_id: str) -> None:
        trip = uow.trips.get(trip_id, for_update=True)
        if trip is not None and not trip.approval_id:
            uow.trips.delete(trip_id)

    def _may_read(self, actor: Identity, owner: str) -> bool:
        return actor.is_service or actor.username == owner or actor.has_role(*TRAVEL_READERS)

    def get_trip(self, actor: Identity, trip_id: str) -> Trip:
        with self.reading() as stores:
            trip = stores.trips.get(trip_id)
        if trip is None or not self._may_read(actor, trip.traveller):
            raise NotFound(f"trip {trip_id} not found")
        return trip

    def list_trips(
        self, actor: Identity, mine: bool, state: str, page: Page | None = None
    ) -> Listing[Trip]:
        own = mine or not actor.has_role(*TRAVEL_READERS)
        with self.reading() as stores:
            return Listing.of(stores.trips.page_for(state, page, actor.username if own else ""))

    def trip_decided(
        self, uow: FacilitiesUnitOfWork, trip_id: str, approval_id: str, outcome: str
    ) -> None:
        trip = uow.trips.get(trip_id, for_update=True)
        if trip is None or trip.state != ApprovalState.PENDING_APPROVAL:
            return
        if trip.approval_id and approval_id and trip.approval_id != approval_id:
            return
        before = dataclasses.asdict(trip)
        trip.state = OUTCOME_STATES[outcome]
        trip.decided_at = self.now()
        uow.trips.save(trip)
        self._trip_event(uow, trip.state, trip, "system")
        needs = [
            n
            for n, on in (
                ("机票", trip.needs_flight),
                ("酒店", trip.needs_hotel),
                ("签证", trip.needs_visa),
            )
            if on
        ]
        self.notify(
            uow,
            [
                trip.traveller,
                *(self.holders(Role.SECRETARIAT) if trip.state == "approved" and needs else []),
            ],
            f"trip_{trip.state}",
            f"出差申请{'已批准' if trip.state == 'approved' else '未通过'}：{trip.destination}",
            f"{trip.start_date.isoformat()} 至 {trip.end_date.isoformat()}"
            + (f"；需办理：{'、'.join(needs)}" if needs and trip.state == "approved" else ""),
            f"facilities/trips/{trip.id}",
        )
        uow.audit("system", f"trip_{trip.state}", "trip", trip.id, before, dataclasses.asdict(trip))

    # -- expenses ------------------------------------------------------------

    def claim_expense(self, actor: Identity, trip_id: str, lines: Sequence[ExpenseLine]) -> Expense:
        """SPEC F-09: an expense claim with its receipts runs as an expense approval."""
        errors: list[FieldError] = []
        if not lines:
            errors.append(FieldError("lines", "claim at least one expense"))
        for index, line in enumerate(lines):
            errors.extend(FieldError(f, m) for f, m in expense_line_problems(index, line))
        if trip_id:
            with self.reading() as stores:
                trip = stores.trips.get(trip_id)
            if trip is None or trip.traveller != actor.username:
                errors.append(FieldError("trip_id", f"no trip {trip_id} of yours"))
            elif trip.state != ApprovalState.APPROVED:
                errors.append(FieldError("trip_id", f"the trip is {trip.state}, not approved"))
        raise_if(errors)
        if actor.is_service or not actor.department_code:
            raise PreconditionFailed("an expense is claimed by a person in a department")
        expense = Expense(
            id=str(uuid.uuid4()),
            claimant=actor.username,
            department_code=actor.department_code,
            trip_id=trip_id,
            lines=[
                ExpenseLine(
                    line.category, line.description.strip(), line.amount_fen, line.receipt.strip()
                )
                for line in lines
            ],
            state=ExpenseState.PENDING_APPROVAL,
            submitted_at=self.now(),
        )
        request = ApprovalRequest(
            template=EXPENSE_TEMPLATE,
            subject=f"费用报销：{yuan(expense.total_fen):.2f} 元",
            payload={
                "expense_id": expense.id,
                "category": "、".join(dict.fromkeys(line.category for line in expense.lines)),
                "description": "；".join(
                    line.description or line.category for line in expense.lines
                ),
                "receipts": len(expense.lines),
                "trip_id": trip_id,
                "lines": [dataclasses.asdict(line) for line in expense.lines],
                "amount": yuan(expense.total_fen),
                "total_fen": expense.total_fen,
            },
            requester_username=actor.username,
            source_ref=f"expense:{expense.id}",
        )
        with self.uow() as uow:
            uow.expenses.add(expense)
            self.approval_starter.schedule(uow, request, actor.username)
            uow.commit()
        expense.approval_id = self.approval_starter.start(request, actor.username)
        return expense

    def _expense_started(
        self, uow: FacilitiesUnitOfWork, expense_id: str, approval_id: str, actor: str
    ) -> None:
        expense = uow.expenses.get(expense_id, for_update=True)
        if expense is None or expense.approval_id:
            return
        expense.approval_id = approval_id
        uow.expenses.save(expense)
        self._expense_event(uow, "claimed", expense, actor)
        uow.audit(actor, "claim", "expense", expense.id, None, dataclasses.asdict(expense))

    def _expense_refused(self, uow: FacilitiesUnitOfWork, expense_id: str) -> None:
        expense = uow.expenses.get(expense_id, for_update=True)
        if expense is not None and not expense.approval_id:
            uow.expenses.delete(expense_id)

    def get_expense(self, actor: Identity, expense_id: str) -> Expense:
        with self.reading() as stores:
            expense = stores.expenses.get(expense_id)
        if expense is None or not may_read(viewer_of(actor), expense_item(expense)):
            raise access.not_found("expense claim", expense_id)
        return expense

    def list_expenses(
        self, actor: Identity, mine: bool, state: str, page: Page | None = None
    ) -> Listing[Expense]:
        claimant, by_class = "", None
        if mine:
            claimant = actor.username
        elif not (actor.is_service or actor.has_role(*EXPENSE_READER_ROLES)):
            claimant, by_class = actor.username, reach(viewer_of(actor))
        with self.reading() as stores:
            return Listing.of(stores.expenses.page_for(state, page, claimant, by_class))

    def expense_decided(
        self, uow: FacilitiesUnitOfWork, expense_id: str, approval_id: str, outcome: str
    ) -> None:
        expense = uow.expenses.get(expense_id, for_update=True)
        if expense is None or expense.state != ExpenseState.PENDING_APPROVAL:
            return
        if expense.approval_id and approval_id and expense.approval_id != approval_id:
            return
        before = dataclasses.asdict(expense)
        expense.state = OUTCOME_STATES[outcome]
        expense.decided_at = self.now()
        uow.expenses.save(expense)
        self._expense_event(uow, expense.state, expense, "system")
        approved = expense.state == ExpenseState.APPROVED
        self.notify(
            uow,
            [expense.claimant],
            f"expense_{expense.state}",
            f"报销{'已批准，等待付款' if approved else '未通过'}：{yuan(expense.total_fen):.2f} 元",
            "财务将按批准金额付款。" if approved else "报销申请未通过审批。",
            f"facilities/expenses/{expense.id}",
        )
        if approved:
            self.notify(
                uow,
                self.holders(Role.FINANCE),
                "expense_to_reimburse",
                f"待付款报销：{expense.claimant} {yuan(expense.total_fen):.2f} 元",
                "报销已审批通过，付款后请标记为已报销。",
                f"facilities/expenses/{expense.id}",
            )
        uow.audit(
            "system",
            f"expense_{expense.state}",
            "expense",
            expense.id,
            before,
            dataclasses.asdict(expense),
        )

    def mark_reimbursed(self, actor: Identity, expense_id: str) -> Expense:
        """SPEC F-09: finance pays an approved claim; the status says so."""
        require_role(actor, (Role.FINANCE,), "recording a reimbursement")
        with self.uow() as uow:
            expense = uow.expenses.get(expense_id, for_update=True)
            if expense is None:
                raise NotFound(f"expense claim {expense_id} not found")
            before = dataclasses.asdict(expense)
            try:
                expense.reimburse(actor.username, self.now())
            except ValueError as exc:
                raise PreconditionFailed(str(exc)) from exc
            uow.expenses.save(expense)
            self._expense_event(uow, "reimbursed", expense, actor.username)
            self.notify(
                uow,
                [expense.claimant],
                "expense_reimbursed",
                f"报销已付款：{yuan(expense.total_fen):.2f} 元",
                "您的报销款已支付。",
                f"facilities/expenses/{expense.id}",
            )
            uow.audit(
                actor.username,
                "reimburse",
                "expense",
                expense.id,
                before,
                dataclasses.asdict(expense),
            )
            uow.commit()
        return expense

    # -- company events --------------------------------------------------------

    def plan_event(self, actor: Identity, cmd: EventPlan) -> CompanyEvent:
        """SPEC F-09: annual meeting, training, team building: plan, venue, catering."""
        require_role(actor, EVENT_PLANNERS, "planning company events")
        errors: list[FieldError] = []
        title = require_text(cmd.title, "title", errors)
        if cmd.kind not in EVENT_KINDS:
            errors.append(FieldError("kind", "must be one of " + ", ".join(EVENT_KINDS)))
        day = parse_date(cmd.event_date, "event_date", errors)
        if day is not None and day < self.today():
            errors.append(FieldError("event_date", "must not be in the past"))
        venue = require_text(cmd.venue, "venue", errors)
        plan = require_text(cmd.plan, "plan", errors, 10000)
        if cmd.headcount <= 0:
            errors.append(FieldError("headcount", "must be positive"))
        bounded(too_many_people(cmd.headcount), "headcount", errors)
        if cmd.budget_fen < 0:
            errors.append(FieldError("budget_fen", "must not be negative"))
        bounded(too_much(cmd.budget_fen), "budget_fen", errors)
        raise_if(errors)
        assert day is not None
        event = CompanyEvent(
            id=str(uuid.uuid4()),
            title=title,
            kind=cmd.kind,
            event_date=day,
            venue=venue,
            catering=cmd.catering.strip(),
            plan=plan,
            headcount=cmd.headcount,
            budget_fen=cmd.budget_fen,
            organiser=actor.username,
            created_at=self.now(),
        )
        with self.uow() as uow:
            uow.company_events.add(event)
            uow.emit(
                "facilities.company_event.planned",
                event.id,
                events_pb2.CompanyEventPlanned(
                    event=to_proto(facilities_pb2.CompanyEvent(), event)
                ),
            )
            uow.audit(
                actor.username, "plan", "company_event", event.id, None, dataclasses.asdict(event)
            )
            uow.commit()
        return event

    def list_events(self, page: Page | None = None) -> Listing[CompanyEvent]:
        with self.reading() as stores:
            return Listing.of(stores.company_events.page_by_date(page))
