"""The Facilities gRPC API: protobuf in, use case, protobuf out.

Domain records carry the field names of their messages, so answers are
filled by :func:`~facilities.service_layer.common.to_proto`. This is also
the HTTP API: the gateway transcodes each RPC by its ``google.api.http``
rule, so what the HTTP contract needs beyond forwarding lives here: the
defaults of absent fields, the paging of every list (``page_of``) and the
QR image as ``google.api.HttpBody``.
"""

from __future__ import annotations

from typing import Any, TypeVar

import grpc
from google.api import httpbody_pb2
from google.protobuf.message import Message

from facilities.adapters.audit_trail import FacilitiesAuditTrail
from facilities.domain.sites import CheckResult
from facilities.domain.travel import ExpenseLine
from facilities.service_layer.common import Listing, to_proto
from facilities.service_layer.incidents import Incidents
from facilities.service_layer.repairs import Repairs
from facilities.service_layer.sites import FindingIn, PutZone, Sites
from facilities.service_layer.supplies import PutItem, StockCount, Supplies
from facilities.service_layer.travel import EventPlan, Travel, TripRequest
from secretariat.common.v1 import audit_pb2
from secretariat.facilities.v1 import facilities_pb2 as pb
from secretariat.facilities.v1 import facilities_pb2_grpc
from secretariat_shared.errors import PreconditionFailed
from secretariat_shared.grpc_server import current_identity
from secretariat_shared.paging import Page, page_of

Context = grpc.ServicerContext


R = TypeVar("R", bound=Message)


def _page(request: Any) -> Page:
    """The request's ``page`` and ``page_size`` with the defaults applied (issue 10)."""
    return page_of(request.page, request.page_size)


def _many(response: R, listing: Listing[Any], page: Page) -> R:
    """The contract's list shape: ``items, total, page, page_size``."""
    for item in listing.items:
        to_proto(response.items.add(), item)  # type: ignore[attr-defined]
    response.total = listing.total  # type: ignore[attr-defined]
    response.page = page.page  # type: ignore[attr-defined]
    response.page_size = page.page_size  # type: ignore[attr-defined]
    return response


class FacilitiesServicer(facilities_pb2_grpc.FacilitiesServicer):
    def __init__(
        self,
        supplies: Supplies,
        repairs: Repairs,
        sites: Sites,
        travel: Travel,
        incidents: Incidents,
        audit_trail: FacilitiesAuditTrail | None = None,
    ) -> None:
        self.audit_trail = audit_trail
        self.supplies = supplies
        self.repairs = repairs
        self.sites = sites
        self.travel = travel
        self.incidents = incidents

    # -- catalogue -----------------------------------------------------------

    def PutItem(self, request: pb.PutItemRequest, context: Context) -> pb.Item:  # noqa: N802
        item = self.supplies.put_item(
            current_identity(),
            PutItem(
                code=request.code,
                name=request.name,
                unit=request.unit,
                supplier=request.supplier,
                agreed_price_fen=request.agreed_price_fen,
                min_stock_override=(
                    request.min_stock_override if request.HasField("min_stock_override") else None
                ),
                active=request.active if request.HasField("active") else True,
            ),
        )
        return to_proto(pb.Item(), item)

    def GetItem(self, request: pb.GetItemRequest, context: Context) -> pb.Item:  # noqa: N802
        return to_proto(pb.Item(), self.supplies.get_item(request.code))

    def ListItems(  # noqa: N802
        self, request: pb.ListItemsRequest, context: Context
    ) -> pb.ListItemsResponse:
        page = _page(request)
        return _many(pb.ListItemsResponse(), self.supplies.list_items(page), page)

    # -- requisitions and lists ----------------------------------------------

    def SubmitRequisition(  # noqa: N802
        self, request: pb.SubmitRequisitionRequest, context: Context
    ) -> pb.Requisition:
        requisition = self.supplies.submit_requisition(
            current_identity(),
            request.purpose,
            [(line.item_code, line.quantity) for line in request.lines],
        )
        return to_proto(pb.Requisition(), requisition)

    def GetRequisition(  # noqa: N802
        self, request: pb.GetRequisitionRequest, context: Context
    ) -> pb.Requisition:
        found = self.supplies.get_requisition(current_identity(), request.id)
        return to_proto(pb.Requisition(), found)

    def ListRequisitions(  # noqa: N802
        self, request: pb.ListRequisitionsRequest, context: Context
    ) -> pb.ListRequisitionsResponse:
        page = _page(request)
        found = self.supplies.list_requisitions(
            current_identity(), request.state, request.mine, page
        )
        return _many(pb.ListRequisitionsResponse(), found, page)

    def SignRequisition(  # noqa: N802
        self, request: pb.SignRequisitionRequest, context: Context
    ) -> pb.Requisition:
        signed = self.supplies.sign_requisition(
            current_identity(), request.id, request.action, request.comment
        )
        return to_proto(pb.Requisition(), signed)

    def PutSupplyBudget(  # noqa: N802
        self, request: pb.PutSupplyBudgetRequest, context: Context
    ) -> pb.SupplyBudget:
        budget = self.supplies.put_supply_budget(
            current_identity(), request.department_code, request.year, request.amount_fen
        )
        return to_proto(pb.SupplyBudget(), budget)

    def ListSupplyBudgets(  # noqa: N802
        self, request: pb.ListSupplyBudgetsRequest, context: Context
    ) -> pb.ListSupplyBudgetsResponse:
        page = _page(request)
        found = self.supplies.list_supply_budgets(current_identity(), request.year, page)
        return _many(pb.ListSupplyBudgetsResponse(), found, page)

    def ConsolidateDemandList(  # noqa: N802
        self, request: pb.ConsolidateDemandListRequest, context: Context
    ) -> pb.DemandList:
        demand = self.supplies.consolidate(current_identity(), request.month)
        return to_proto(pb.DemandList(), demand)

    def GetDemandList(  # noqa: N802
        self, request: pb.GetDemandListRequest, context: Context
    ) -> pb.DemandList:
        demand = self.supplies.get_demand_list(current_identity(), request.id)
        return to_proto(pb.DemandList(), demand)

    def ListDemandLists(  # noqa: N802
        self, request: pb.ListDemandListsRequest, context: Context
    ) -> pb.ListDemandListsResponse:
        page = _page(request)
        found = self.supplies.list_demand_lists(current_identity(), request.month, page)
        return _many(pb.ListDemandListsResponse(), found, page)

    # -- purchasing ------------------------------------------------------------

    def GetPurchaseOrder(  # noqa: N802
        self, request: pb.GetPurchaseOrderRequest, context: Context
    ) -> pb.PurchaseOrder:
        order = self.supplies.get_purchase_order(current_identity(), request.id)
        return to_proto(pb.PurchaseOrder(), order)

    def ListPurchaseOrders(  # noqa: N802
        self, request: pb.ListPurchaseOrdersRequest, context: Context
    ) -> pb.ListPurchaseOrdersResponse:
        page = _page(request)
        found = self.supplies.list_purchase_orders(
            current_identity(), request.demand_list_id, request.state, page
        )
        return _many(pb.ListPurchaseOrdersResponse(), found, page)

    def ReceiveDelivery(  # noqa: N802
        self, request: pb.ReceiveDeliveryRequest, context: Context
    ) -> pb.PurchaseOrder:
        order = self.supplies.receive_delivery(
            current_identity(),
            request.purchase_order_id,
            [(line.item_code, line.quantity) for line in request.lines],
        )
        return to_proto(pb.PurchaseOrder(), order)

    # -- stock ---------------------------------------------------------------

    def ListStock(  # noqa: N802
        self, request: pb.ListStockRequest, context: Context
    ) -> pb.ListStockResponse:
        page = _page(request)
        found = self.supplies.list_stock(current_identity(), request.item_code, page)
        return _many(pb.ListStockResponse(), found, page)

    def BookIn(self, request: pb.BookInRequest, context: Context) -> pb.StockLevel:  # noqa: N802
        level = self.supplies.book_in(
            current_identity(),
            request.item_code,
            request.quantity,
            request.unit_cost_fen,
            request.reason,
        )
        return to_proto(pb.StockLevel(), level)

    def IssueStock(self, request: pb.IssueStockRequest, context: Context) -> pb.Issue:  # noqa: N802
        issue = self.supplies.issue(
            current_identity(),
            request.item_code,
            request.quantity,
            request.recipient,
            request.reason,
        )
        return to_proto(pb.Issue(), issue)

    def GetCollectionCode(  # noqa: N802
        self, request: pb.GetCollectionCodeRequest, context: Context
    ) -> pb.CollectionCode:
        code, expires, _ = self.supplies.collection_code(
            current_identity(), request.requisition_id, with_png=False
        )
        answer = pb.CollectionCode(requisition_id=request.requisition_id, code=code)
        answer.expires_at.FromDatetime(expires)
        return answer

    def GetCollectionQr(  # noqa: N802
        self, request: pb.GetCollectionQrRequest, context: Context
    ) -> httpbody_pb2.HttpBody:
        _, _, png = self.supplies.collection_code(current_identity(), request.id, with_png=True)
        return httpbody_pb2.HttpBody(content_type="image/png", data=png)

    def ScanToCollect(  # noqa: N802
        self, request: pb.ScanToCollectRequest, context: Context
    ) -> pb.Issue:
        return to_proto(pb.Issue(), self.supplies.scan(current_identity(), request.code))

    def ListIssues(  # noqa: N802
        self, request: pb.ListIssuesRequest, context: Context
    ) -> pb.ListIssuesResponse:
        page = _page(request)
        found = self.supplies.list_issues(
            current_identity(), request.item_code, request.requisition_id, page
        )
        return _many(pb.ListIssuesResponse(), found, page)

    def RecordStockTake(  # noqa: N802
        self, request: pb.RecordStockTakeRequest, context: Context
    ) -> pb.StockTake:
        take = self.supplies.stock_take(
            current_identity(),
            [StockCount(c.item_code, c.counted, c.reason) for c in request.counts],
            request.note,
        )
        return to_proto(pb.StockTake(), take)

    def ListStockTakes(  # noqa: N802
        self, request: pb.ListStockTakesRequest, context: Context
    ) -> pb.ListStockTakesResponse:
        page = _page(request)
        found = self.supplies.list_stock_takes(current_identity(), page)
        return _many(pb.ListStockTakesResponse(), found, page)

    def ListReplenishments(  # noqa: N802
        self, request: pb.ListReplenishmentsRequest, context: Context
    ) -> pb.ListReplenishmentsResponse:
        page = _page(request)
        found = self.supplies.list_replenishments(current_identity(), request.state, page)
        return _many(pb.ListReplenishmentsResponse(), found, page)

    # -- repairs -------------------------------------------------------------

    def ReportRepair(  # noqa: N802
        self, request: pb.ReportRepairRequest, context: Context
    ) -> pb.Repair:
        repair = self.repairs.report(
            current_identity(),
            request.title,
            request.description,
            request.location,
            request.severity,
        )
        return to_proto(pb.Repair(), repair)

    def GetRepair(self, request: pb.GetRepairRequest, context: Context) -> pb.Repair:  # noqa: N802
        return to_proto(pb.Repair(), self.repairs.get(current_identity(), request.id))

    def ListRepairs(  # noqa: N802
        self, request: pb.ListRepairsRequest, context: Context
    ) -> pb.ListRepairsResponse:
        page = _page(request)
        found = self.repairs.list_repairs(current_identity(), request.state, request.mine, page)
        return _many(pb.ListRepairsResponse(), found, page)

    def RespondToRepair(  # noqa: N802
        self, request: pb.RepairActionRequest, context: Context
    ) -> pb.Repair:
        repair = self.repairs.respond(current_identity(), request.id, request.note)
        return to_proto(pb.Repair(), repair)

    def ResolveRepair(  # noqa: N802
        self, request: pb.ResolveRepairRequest, context: Context
    ) -> pb.Repair:
        repair = self.repairs.resolve(current_identity(), request.id, request.result)
        return to_proto(pb.Repair(), repair)

    def AcceptRepair(  # noqa: N802
        self, request: pb.AcceptRepairRequest, context: Context
    ) -> pb.Repair:
        return to_proto(pb.Repair(), self.repairs.accept(current_identity(), request.id))

    def ReopenRepair(  # noqa: N802
        self, request: pb.ReopenRepairRequest, context: Context
    ) -> pb.Repair:
        repair = self.repairs.reopen(current_identity(), request.id, request.reason)
        return to_proto(pb.Repair(), repair)

    # -- zones and inspections ----------------------------------------------------

    def PutZone(self, request: pb.PutZoneRequest, context: Context) -> pb.Zone:  # noqa: N802
        zone = self.sites.put_zone(
            current_identity(),
            PutZone(
                code=request.code,
                name=request.name,
                kind=request.kind,
                owner=request.owner,
                checklist=list(request.checklist),
                round_time=request.round_time,
            ),
        )
        return to_proto(pb.Zone(), zone)

    def ListZones(  # noqa: N802
        self, request: pb.ListZonesRequest, context: Context
    ) -> pb.ListZonesResponse:
        page = _page(request)
        return _many(pb.ListZonesResponse(), self.sites.list_zones(page), page)

    def RecordRound(  # noqa: N802
        self, request: pb.RecordRoundRequest, context: Context
    ) -> pb.InspectionRound:
        inspection = self.sites.record_round(
            current_identity(),
            request.zone_code,
            [CheckResult(r.item, r.ok, r.note) for r in request.results],
        )
        return to_proto(pb.InspectionRound(), inspection)

    def ListRounds(  # noqa: N802
        self, request: pb.ListRoundsRequest, context: Context
    ) -> pb.ListRoundsResponse:
        page = _page(request)
        found = self.sites.list_rounds(request.zone_code, request.day, page)
        return _many(pb.ListRoundsResponse(), found, page)

    def RecordSafetyInspection(  # noqa: N802
        self, request: pb.RecordSafetyInspectionRequest, context: Context
    ) -> pb.SafetyInspection:
        inspection = self.sites.record_safety_inspection(
            current_identity(),
            request.quarter,
            request.summary,
            [FindingIn(f.description, f.location, f.owner, f.due_date) for f in request.findings],
        )
        return to_proto(pb.SafetyInspection(), inspection)

    def GetSafetyInspection(  # noqa: N802
        self, request: pb.GetSafetyInspectionRequest, context: Context
    ) -> pb.SafetyInspection:
        inspection = self.sites.get_safety_inspection(request.id)
        return to_proto(pb.SafetyInspection(), inspection)

    def ListSafetyInspections(  # noqa: N802
        self, request: pb.ListSafetyInspectionsRequest, context: Context
    ) -> pb.ListSafetyInspectionsResponse:
        page = _page(request)
        found = self.sites.list_safety_inspections(request.quarter, page)
        return _many(pb.ListSafetyInspectionsResponse(), found, page)

    def CloseRectification(  # noqa: N802
        self, request: pb.CloseRectificationRequest, context: Context
    ) -> pb.Rectification:
        item = self.sites.close_rectification(current_identity(), request.id, request.note)
        return to_proto(pb.Rectification(), item)

    # -- travel and events ---------------------------------------------------------

    def RequestTrip(self, request: pb.RequestTripRequest, context: Context) -> pb.Trip:  # noqa: N802
        trip = self.travel.request_trip(
            current_identity(),
            TripRequest(
                destination=request.destination,
                purpose=request.purpose,
                start_date=request.start_date,
                end_date=request.end_date,
                needs_flight=request.needs_flight,
                needs_hotel=request.needs_hotel,
                needs_visa=request.needs_visa,
                estimated_cost_fen=request.estimated_cost_fen,
                destination_country=request.destination_country,
            ),
        )
        return to_proto(pb.Trip(), trip)

    def GetTrip(self, request: pb.GetTripRequest, context: Context) -> pb.Trip:  # noqa: N802
        return to_proto(pb.Trip(), self.travel.get_trip(current_identity(), request.id))

    def ListTrips(  # noqa: N802
        self, request: pb.ListTripsRequest, context: Context
    ) -> pb.ListTripsResponse:
        page = _page(request)
        found = self.travel.list_trips(current_identity(), request.mine, request.state, page)
        return _many(pb.ListTripsResponse(), found, page)

    def ClaimExpense(  # noqa: N802
        self, request: pb.ClaimExpenseRequest, context: Context
    ) -> pb.Expense:
        expense = self.travel.claim_expense(
            current_identity(),
            request.trip_id,
            [
                ExpenseLine(x.category, x.description, x.amount_fen, x.receipt)
                for x in request.lines
            ],
        )
        return to_proto(pb.Expense(), expense)

    def GetExpense(self, request: pb.GetExpenseRequest, context: Context) -> pb.Expense:  # noqa: N802
        return to_proto(pb.Expense(), self.travel.get_expense(current_identity(), request.id))

    def ListExpenses(  # noqa: N802
        self, request: pb.ListExpensesRequest, context: Context
    ) -> pb.ListExpensesResponse:
        page = _page(request)
        found = self.travel.list_expenses(current_identity(), request.mine, request.state, page)
        return _many(pb.ListExpensesResponse(), found, page)

    def MarkReimbursed(  # noqa: N802
        self, request: pb.MarkReimbursedRequest, context: Context
    ) -> pb.Expense:
        expense = self.travel.mark_reimbursed(current_identity(), request.id)
        return to_proto(pb.Expense(), expense)

    def PlanCompanyEvent(  # noqa: N802
        self, request: pb.PlanCompanyEventRequest, context: Context
    ) -> pb.CompanyEvent:
        event = self.travel.plan_event(
            current_identity(),
            EventPlan(
                title=request.title,
                kind=request.kind,
                event_date=request.event_date,
                venue=request.venue,
                catering=request.catering,
                plan=request.plan,
                headcount=request.headcount,
                budget_fen=request.budget_fen,
            ),
        )
        return to_proto(pb.CompanyEvent(), event)

    def ListCompanyEvents(  # noqa: N802
        self, request: pb.ListCompanyEventsRequest, context: Context
    ) -> pb.ListCompanyEventsResponse:
        page = _page(request)
        return _many(pb.ListCompanyEventsResponse(), self.travel.list_events(page), page)

    # -- incidents -----------------------------------------------------------

    def ReportIncident(  # noqa: N802
        self, request: pb.ReportIncidentRequest, context: Context
    ) -> pb.Incident:
        incident = self.incidents.report(
            current_identity(), request.kind, request.description, request.location
        )
        return to_proto(pb.Incident(), incident)

    def GetIncident(self, request: pb.GetIncidentRequest, context: Context) -> pb.Incident:  # noqa: N802
        return to_proto(pb.Incident(), self.incidents.get(current_identity(), request.id))

    def ListIncidents(  # noqa: N802
        self, request: pb.ListIncidentsRequest, context: Context
    ) -> pb.ListIncidentsResponse:
        page = _page(request)
        found = self.incidents.list_incidents(current_identity(), request.state, page)
        return _many(pb.ListIncidentsResponse(), found, page)

    def StartEmergencyPlan(  # noqa: N802
        self, request: pb.IncidentActionRequest, context: Context
    ) -> pb.Incident:
        incident = self.incidents.start_plan(current_identity(), request.id, request.note)
        return to_proto(pb.Incident(), incident)

    def RestoreEquipment(  # noqa: N802
        self, request: pb.IncidentActionRequest, context: Context
    ) -> pb.Incident:
        incident = self.incidents.restore(current_identity(), request.id, request.note)
        return to_proto(pb.Incident(), incident)

    def CloseIncident(  # noqa: N802
        self, request: pb.IncidentActionRequest, context: Context
    ) -> pb.Incident:
        incident = self.incidents.close(current_identity(), request.id, request.note)
        return to_proto(pb.Incident(), incident)

    def ListFacilitiesAuditEntries(  # noqa: N802
        self, request: audit_pb2.AuditSearchRequest, context: Context
    ) -> audit_pb2.AuditSearchResponse:
        """X-04: the audit trail, by the shared helper with this service's X-03 redaction."""
        if self.audit_trail is None:
            raise PreconditionFailed("the audit trail is not wired in this process")
        return self.audit_trail.search(current_identity(), request)
