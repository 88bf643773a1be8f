"""Supplies, purchasing, repairs, inspections, travel and incidents routed to the facilities service (SPEC F-01..F-10).

Every route forwards one call of ``secretariat.facilities.v1.Facilities``:
the validated body, query and path values become the request message
(field names are the proto's), the caller's identity travels with it, and
the answer is the message as JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from google.protobuf import json_format
from pydantic import BaseModel

from gateway.adapters.proto_json import message_to_dict
from gateway.api.registry import Api, BinaryContent, BinaryReply, Call, Reply
from gateway.api.schemas import facilities as s
from gateway.bootstrap import Gateway
from secretariat.facilities.v1 import facilities_pb2 as pb
from secretariat.facilities.v1 import facilities_pb2_grpc
from secretariat_shared.roles import Role

SERVICE_PROBLEMS = (403, 404, 409, 503, 504)
SUPPLIES = "supplies"
PURCHASING = "purchasing"
REPAIRS = "repairs"
INSPECTIONS = "inspections"
TRAVEL = "travel"
INCIDENTS = "incidents"


def register_facilities_routes(api: Api, gateway: Gateway) -> None:
    def call(method: str, request: object, who: Call) -> Any:
        assert who.caller is not None
        return gateway.services.call(
            gateway.facilities,
            facilities_pb2_grpc.FacilitiesStub,
            method,
            request,
            who.caller.identity,
        )

    def forward(
        http_method: str,
        rule: str,
        rpc: str,
        request_type: type[Any],
        response: type[BaseModel],
        *,
        summary: str,
        tag: str,
        name: str,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        status: int = 200,
        path: Mapping[str, str] | None = None,
        rename: Mapping[str, str] | None = None,
        location: str = "",
        roles: tuple[str, ...] = (),
        description: str = "",
    ) -> None:
        """Declare a route that forwards to ``rpc``; ``path`` maps path values to request fields."""

        def handler(who: Call) -> Reply:
            fields: dict[str, Any] = {}
            for part in (who.body, who.query):
                if part is not None:
                    fields.update(part.model_dump(mode="json", exclude_none=True, by_alias=False))
            for source, target in (rename or {}).items():
                if source in fields:
                    fields[target] = fields.pop(source)
            for value_name, field in (path or {}).items():
                fields[field] = who.path[value_name]
            request = json_format.ParseDict(fields, request_type())
            answer = response.model_validate(message_to_dict(call(rpc, request, who)))
            headers = {}
            if location:
                headers["Location"] = location.format(id=quote(str(getattr(answer, "id", ""))))
            return Reply(answer, headers=headers)

        handler.__name__ = name
        api.route(
            http_method,
            rule,
            summary=summary,
            tag=tag,
            body=body,
            query=query,
            response=response,
            status=status,
            roles=roles,
            problems=SERVICE_PROBLEMS,
            description=description,
        )(handler)

    _supplies_routes(api, forward, call)
    _repair_routes(forward)
    _inspection_routes(forward)
    _travel_routes(forward)
    _incident_routes(forward)


Forward = Callable[..., None]
ID = {"id": "id"}


def _supplies_routes(api: Api, forward: Forward, call: Callable[..., Any]) -> None:
    @api.route(
        "PUT",
        "/api/v1/supplies/items/<code>",
        summary="Create or change a catalogue item",
        tag=SUPPLIES,
        body=s.PutItemIn,
        response=s.ItemOut,
        problems=SERVICE_PROBLEMS,
        description="Items, units, contracted supplier and agreed price. Secretariat only.",
    )
    def put_supply_item(who: Call) -> BaseModel:
        body: s.PutItemIn = who.body
        request = pb.PutItemRequest(
            code=who.path["code"],
            name=body.name,
            unit=body.unit,
            supplier=body.supplier,
            agreed_price_fen=body.agreed_price_fen,
            min_stock_override=body.min_stock_override or 0,
            has_override=body.min_stock_override is not None,
            active=body.active,
        )
        return s.ItemOut.model_validate(message_to_dict(call("PutItem", request, who)))

    forward(
        "GET",
        "/api/v1/supplies/items",
        "ListItems",
        pb.ListItemsRequest,
        s.ItemList,
        summary="The catalogue",
        tag=SUPPLIES,
        name="list_supply_items",
    )
    forward(
        "GET",
        "/api/v1/supplies/items/<code>",
        "GetItem",
        pb.GetItemRequest,
        s.ItemOut,
        summary="One catalogue item",
        tag=SUPPLIES,
        name="get_supply_item",
        path={"code": "code"},
    )
    forward(
        "POST",
        "/api/v1/supplies/requisitions",
        "SubmitRequisition",
        pb.SubmitRequisitionRequest,
        s.RequisitionOut,
        body=s.SubmitRequisitionIn,
        status=201,
        location="/api/v1/supplies/requisitions/{id}",
        summary="Submit a supply requisition",
        tag=SUPPLIES,
        name="submit_requisition",
        description="Runs as a supply_requisition approval: department head, finance, "
        "office director (F-01).",
    )
    forward(
        "GET",
        "/api/v1/supplies/requisitions",
        "ListRequisitions",
        pb.ListRequisitionsRequest,
        s.RequisitionList,
        query=s.RequisitionQuery,
        summary="Requisitions I may see",
        tag=SUPPLIES,
        name="list_requisitions",
    )
    forward(
        "GET",
        "/api/v1/supplies/requisitions/<id>",
        "GetRequisition",
        pb.GetRequisitionRequest,
        s.RequisitionOut,
        path=ID,
        summary="One requisition",
        tag=SUPPLIES,
        name="get_requisition",
    )
    forward(
        "GET",
        "/api/v1/supplies/requisitions/<id>/code",
        "GetCollectionCode",
        pb.GetCollectionCodeRequest,
        s.CollectionCodeOut,
        path={"id": "requisition_id"},
        summary="The collection code of an approved requisition",
        tag=SUPPLIES,
        name="get_collection_code",
        description="The QR payload: request id, expiry and signature (F-05).",
    )

    @api.route(
        "GET",
        "/api/v1/supplies/requisitions/<id>/code.png",
        summary="The collection code as a QR image",
        tag=SUPPLIES,
        response=BinaryContent,
        media_type="image/png",
        problems=SERVICE_PROBLEMS,
        description="Shown at the counter and scanned to collect the goods (F-05).",
    )
    def get_collection_qr(who: Call) -> BinaryReply:
        request = pb.GetCollectionCodeRequest(requisition_id=who.path["id"], with_png=True)
        answer = call("GetCollectionCode", request, who)
        return BinaryReply(answer.png, headers={"Cache-Control": "no-store"})

    forward(
        "POST",
        "/api/v1/supplies/demand-lists",
        "ConsolidateDemandList",
        pb.ConsolidateDemandListRequest,
        s.DemandListOut,
        body=s.ConsolidateIn,
        status=201,
        location="/api/v1/supplies/demand-lists/{id}",
        summary="Consolidate the month's demand list",
        tag=SUPPLIES,
        name="consolidate_demand_list",
        description="The approved requisitions and open replenishment requests, one line "
        "per item, sent to finance and the office director as one approval (F-01).",
    )
    forward(
        "GET",
        "/api/v1/supplies/demand-lists",
        "ListDemandLists",
        pb.ListDemandListsRequest,
        s.DemandListList,
        query=s.MonthQuery,
        summary="Demand lists",
        tag=SUPPLIES,
        name="list_demand_lists",
    )
    forward(
        "GET",
        "/api/v1/supplies/demand-lists/<id>",
        "GetDemandList",
        pb.GetDemandListRequest,
        s.DemandListOut,
        path=ID,
        summary="One demand list",
        tag=SUPPLIES,
        name="get_demand_list",
    )
    forward(
        "GET",
        "/api/v1/supplies/stock",
        "ListStock",
        pb.ListStockRequest,
        s.StockList,
        query=s.StockQuery,
        summary="Stock per item with its batches and minimum-stock line",
        tag=SUPPLIES,
        name="list_stock",
    )
    forward(
        "POST",
        "/api/v1/supplies/stock/receipts",
        "BookIn",
        pb.BookInRequest,
        s.StockLevelOut,
        body=s.BookInIn,
        status=201,
        summary="Book stock in outside a purchase order",
        tag=SUPPLIES,
        name="book_in_stock",
        description="Opening balances and transfers in: a new batch at its own cost (F-03).",
    )
    forward(
        "POST",
        "/api/v1/supplies/issues",
        "IssueStock",
        pb.IssueStockRequest,
        s.IssueOut,
        body=s.IssueIn,
        status=201,
        summary="Issue stock over the counter",
        tag=SUPPLIES,
        name="issue_stock",
        description="First in, first out; the cost is the cost of the batches consumed (F-03).",
    )
    forward(
        "GET",
        "/api/v1/supplies/issues",
        "ListIssues",
        pb.ListIssuesRequest,
        s.IssueList,
        query=s.IssueQuery,
        summary="The issue ledger",
        tag=SUPPLIES,
        name="list_issues",
    )
    forward(
        "POST",
        "/api/v1/supplies/issues/scan",
        "ScanToCollect",
        pb.ScanToCollectRequest,
        s.IssueOut,
        body=s.ScanIn,
        status=201,
        summary="Scan a collection code",
        tag=SUPPLIES,
        name="scan_to_collect",
        description="Issues the requisition's goods once; a second scan, a forged or an "
        "expired code is refused (F-05).",
    )
    forward(
        "POST",
        "/api/v1/supplies/stock-takes",
        "RecordStockTake",
        pb.RecordStockTakeRequest,
        s.StockTakeOut,
        body=s.StockTakeIn,
        status=201,
        summary="Record a stock-take",
        tag=SUPPLIES,
        name="record_stock_take",
        description="Counted against booked; differences are posted with their reason (F-05).",
    )
    forward(
        "GET",
        "/api/v1/supplies/stock-takes",
        "ListStockTakes",
        pb.ListStockTakesRequest,
        s.StockTakeList,
        summary="Stock-takes",
        tag=SUPPLIES,
        name="list_stock_takes",
    )
    forward(
        "GET",
        "/api/v1/supplies/replenishments",
        "ListReplenishments",
        pb.ListReplenishmentsRequest,
        s.ReplenishmentList,
        query=s.StateQuery,
        summary="Replenishment requests raised below the minimum-stock line (F-04)",
        tag=SUPPLIES,
        name="list_replenishments",
    )

    forward(
        "GET",
        "/api/v1/purchase-orders",
        "ListPurchaseOrders",
        pb.ListPurchaseOrdersRequest,
        s.PurchaseOrderList,
        query=s.PurchaseOrderQuery,
        summary="Purchase orders",
        tag=PURCHASING,
        name="list_purchase_orders",
    )
    forward(
        "GET",
        "/api/v1/purchase-orders/<id>",
        "GetPurchaseOrder",
        pb.GetPurchaseOrderRequest,
        s.PurchaseOrderOut,
        path=ID,
        summary="One purchase order",
        tag=PURCHASING,
        name="get_purchase_order",
    )
    forward(
        "POST",
        "/api/v1/purchase-orders/<id>/receipts",
        "ReceiveDelivery",
        pb.ReceiveDeliveryRequest,
        s.PurchaseOrderOut,
        body=s.ReceiveDeliveryIn,
        path={"id": "purchase_order_id"},
        summary="Receive a delivery",
        tag=PURCHASING,
        name="receive_delivery",
        description="Books batches in at the order's agreed prices (F-02, F-03).",
    )


def _repair_routes(forward: Forward) -> None:
    forward(
        "POST",
        "/api/v1/repairs",
        "ReportRepair",
        pb.ReportRepairRequest,
        s.RepairOut,
        body=s.ReportRepairIn,
        status=201,
        location="/api/v1/repairs/{id}",
        summary="Report a fault",
        tag=REPAIRS,
        name="report_repair",
        description="Response is due within 2 hours; a major fault is due resolved within "
        "24 working hours (F-06).",
    )
    forward(
        "GET",
        "/api/v1/repairs",
        "ListRepairs",
        pb.ListRepairsRequest,
        s.RepairList,
        query=s.MineQuery,
        summary="Repair tickets",
        tag=REPAIRS,
        name="list_repairs",
    )
    forward(
        "GET",
        "/api/v1/repairs/<id>",
        "GetRepair",
        pb.GetRepairRequest,
        s.RepairOut,
        path=ID,
        summary="One repair ticket",
        tag=REPAIRS,
        name="get_repair",
    )
    forward(
        "POST",
        "/api/v1/repairs/<id>/response",
        "RespondToRepair",
        pb.RepairActionRequest,
        s.RepairOut,
        body=s.NoteIn,
        path=ID,
        summary="Respond to a repair",
        tag=REPAIRS,
        name="respond_to_repair",
    )
    forward(
        "POST",
        "/api/v1/repairs/<id>/resolution",
        "ResolveRepair",
        pb.RepairActionRequest,
        s.RepairOut,
        body=s.ResolveRepairIn,
        path=ID,
        rename={"result": "note"},
        summary="Record the fix with its written result",
        tag=REPAIRS,
        name="resolve_repair",
    )
    forward(
        "POST",
        "/api/v1/repairs/<id>/acceptance",
        "AcceptRepair",
        pb.RepairActionRequest,
        s.RepairOut,
        path=ID,
        summary="The requester accepts the repair",
        tag=REPAIRS,
        name="accept_repair",
    )
    forward(
        "POST",
        "/api/v1/repairs/<id>/reopening",
        "ReopenRepair",
        pb.RepairActionRequest,
        s.RepairOut,
        body=s.ReopenRepairIn,
        path=ID,
        rename={"reason": "note"},
        summary="The requester reopens the repair",
        tag=REPAIRS,
        name="reopen_repair",
    )


def _inspection_routes(forward: Forward) -> None:
    forward(
        "PUT",
        "/api/v1/inspections/zones/<code>",
        "PutZone",
        pb.PutZoneRequest,
        s.ZoneOut,
        body=s.PutZoneIn,
        path={"code": "code"},
        summary="Create or change a zone",
        tag=INSPECTIONS,
        name="put_zone",
        description="A zone with its daily inspection checklist and round time (F-07).",
    )
    forward(
        "GET",
        "/api/v1/inspections/zones",
        "ListZones",
        pb.ListZonesRequest,
        s.ZoneList,
        summary="Zones",
        tag=INSPECTIONS,
        name="list_zones",
    )
    forward(
        "POST",
        "/api/v1/inspections/rounds",
        "RecordRound",
        pb.RecordRoundRequest,
        s.RoundOut,
        body=s.RecordRoundIn,
        status=201,
        summary="Record today's round of a zone",
        tag=INSPECTIONS,
        name="record_round",
    )
    forward(
        "GET",
        "/api/v1/inspections/rounds",
        "ListRounds",
        pb.ListRoundsRequest,
        s.RoundList,
        query=s.RoundQuery,
        summary="Recorded rounds",
        tag=INSPECTIONS,
        name="list_rounds",
    )
    forward(
        "POST",
        "/api/v1/inspections/safety",
        "RecordSafetyInspection",
        pb.RecordSafetyInspectionRequest,
        s.SafetyInspectionOut,
        body=s.SafetyInspectionIn,
        status=201,
        location="/api/v1/inspections/safety/{id}",
        summary="Record a quarterly safety inspection",
        tag=INSPECTIONS,
        name="record_safety_inspection",
        description="Each finding becomes a rectification item with owner and due date (F-08).",
    )
    forward(
        "GET",
        "/api/v1/inspections/safety",
        "ListSafetyInspections",
        pb.ListSafetyInspectionsRequest,
        s.SafetyInspectionList,
        query=s.QuarterQuery,
        summary="Safety inspections and their rectification lists",
        tag=INSPECTIONS,
        name="list_safety_inspections",
    )
    forward(
        "GET",
        "/api/v1/inspections/safety/<id>",
        "GetSafetyInspection",
        pb.GetSafetyInspectionRequest,
        s.SafetyInspectionOut,
        path=ID,
        summary="One safety inspection",
        tag=INSPECTIONS,
        name="get_safety_inspection",
    )
    forward(
        "POST",
        "/api/v1/inspections/rectifications/<id>/close",
        "CloseRectification",
        pb.CloseRectificationRequest,
        s.RectificationOut,
        body=s.NoteIn,
        path=ID,
        summary="Close a rectification item",
        tag=INSPECTIONS,
        name="close_rectification",
    )


def _travel_routes(forward: Forward) -> None:
    forward(
        "POST",
        "/api/v1/trips",
        "RequestTrip",
        pb.RequestTripRequest,
        s.TripOut,
        body=s.TripIn,
        status=201,
        location="/api/v1/trips/{id}",
        summary="Request a trip",
        tag=TRAVEL,
        name="request_trip",
        description="Runs as a travel approval (F-09).",
    )
    forward(
        "GET",
        "/api/v1/trips",
        "ListTrips",
        pb.ListTripsRequest,
        s.TripList,
        query=s.TravelQuery,
        summary="Trips",
        tag=TRAVEL,
        name="list_trips",
    )
    forward(
        "GET",
        "/api/v1/trips/<id>",
        "GetTrip",
        pb.GetTripRequest,
        s.TripOut,
        path=ID,
        summary="One trip",
        tag=TRAVEL,
        name="get_trip",
    )
    forward(
        "POST",
        "/api/v1/expenses",
        "ClaimExpense",
        pb.ClaimExpenseRequest,
        s.ExpenseOut,
        body=s.ExpenseIn,
        status=201,
        location="/api/v1/expenses/{id}",
        summary="Claim expenses with receipts",
        tag=TRAVEL,
        name="claim_expense",
        description="Runs as an expense approval; finance then reimburses (F-09).",
    )
    forward(
        "GET",
        "/api/v1/expenses",
        "ListExpenses",
        pb.ListExpensesRequest,
        s.ExpenseList,
        query=s.TravelQuery,
        summary="Expense claims",
        tag=TRAVEL,
        name="list_expenses",
    )
    forward(
        "GET",
        "/api/v1/expenses/<id>",
        "GetExpense",
        pb.GetExpenseRequest,
        s.ExpenseOut,
        path=ID,
        summary="One expense claim",
        tag=TRAVEL,
        name="get_expense",
    )
    forward(
        "POST",
        "/api/v1/expenses/<id>/reimbursement",
        "MarkReimbursed",
        pb.MarkReimbursedRequest,
        s.ExpenseOut,
        path=ID,
        summary="Record the payment",
        tag=TRAVEL,
        name="reimburse_expense",
        roles=(Role.FINANCE,),
    )
    forward(
        "POST",
        "/api/v1/company-events",
        "PlanCompanyEvent",
        pb.PlanCompanyEventRequest,
        s.CompanyEventOut,
        body=s.CompanyEventIn,
        status=201,
        summary="Plan a company event",
        tag=TRAVEL,
        name="plan_company_event",
        description="Annual meeting, training, team building: plan, venue, catering (F-09).",
    )
    forward(
        "GET",
        "/api/v1/company-events",
        "ListCompanyEvents",
        pb.ListCompanyEventsRequest,
        s.CompanyEventList,
        summary="Company events",
        tag=TRAVEL,
        name="list_company_events",
    )


def _incident_routes(forward: Forward) -> None:
    forward(
        "POST",
        "/api/v1/incidents",
        "ReportIncident",
        pb.ReportIncidentRequest,
        s.IncidentOut,
        body=s.ReportIncidentIn,
        status=201,
        location="/api/v1/incidents/{id}",
        summary="Report an incident",
        tag=INCIDENTS,
        name="report_incident",
        description="Starts the 10-minute (emergency plan) and 30-minute (key equipment "
        "restored with IT) clocks (F-10).",
    )
    forward(
        "GET",
        "/api/v1/incidents",
        "ListIncidents",
        pb.ListIncidentsRequest,
        s.IncidentList,
        query=s.StateQuery,
        summary="Incidents",
        tag=INCIDENTS,
        name="list_incidents",
    )
    forward(
        "GET",
        "/api/v1/incidents/<id>",
        "GetIncident",
        pb.GetIncidentRequest,
        s.IncidentOut,
        path=ID,
        summary="One incident",
        tag=INCIDENTS,
        name="get_incident",
    )
    forward(
        "POST",
        "/api/v1/incidents/<id>/emergency-plan",
        "StartEmergencyPlan",
        pb.IncidentActionRequest,
        s.IncidentOut,
        body=s.NoteIn,
        path=ID,
        summary="Start the emergency plan",
        tag=INCIDENTS,
        name="start_emergency_plan",
    )
    forward(
        "POST",
        "/api/v1/incidents/<id>/restoration",
        "RestoreEquipment",
        pb.IncidentActionRequest,
        s.IncidentOut,
        body=s.NoteIn,
        path=ID,
        summary="IT confirms key equipment restored",
        tag=INCIDENTS,
        name="restore_equipment",
    )
    forward(
        "POST",
        "/api/v1/incidents/<id>/closure",
        "CloseIncident",
        pb.IncidentActionRequest,
        s.IncidentOut,
        body=s.NoteIn,
        path=ID,
        summary="Close an incident",
        tag=INCIDENTS,
        name="close_incident",
    )
