"""Facilities (SPEC F-01..F-10), routed to the facilities service.

Request bodies and queries are written out here, with their limits and
descriptions. Answers mirror the service's protobuf messages field for
field, so their models are derived from the contract
(``secretariat.facilities.v1``) and cannot drift from it. Money is in fen
(1/100 yuan); dates are ``YYYY-MM-DD`` in the organisation's time zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import Field, create_model

from gateway.api.schemas.common import QueryParameters, RequestBody, ResponseBody
from secretariat.facilities.v1 import facilities_pb2

# --- answers, derived from the contract ---------------------------------------

_SCALARS: dict[int, type] = {
    FieldDescriptor.TYPE_STRING: str,
    FieldDescriptor.TYPE_BOOL: bool,
    FieldDescriptor.TYPE_INT32: int,
    FieldDescriptor.TYPE_INT64: int,
    FieldDescriptor.TYPE_UINT32: int,
    FieldDescriptor.TYPE_UINT64: int,
    FieldDescriptor.TYPE_DOUBLE: float,
    FieldDescriptor.TYPE_FLOAT: float,
}
_MODELS: dict[str, type[ResponseBody]] = {}
_SKIPPED = {"png"}  # the QR image is served as image/png, not inside JSON


def _is_repeated(field: Any) -> bool:
    repeated = getattr(field, "is_repeated", None)
    if repeated is not None:
        return bool(repeated)
    return bool(field.label == FieldDescriptor.LABEL_REPEATED)


def answer_model(descriptor: Descriptor) -> type[ResponseBody]:
    """A response model with the message's fields: timestamps as datetimes (null when unset)."""
    found = _MODELS.get(descriptor.full_name)
    if found is not None:
        return found
    fields: dict[str, Any] = {}
    for field in descriptor.fields:
        if field.name in _SKIPPED:
            continue
        annotation: Any
        if field.message_type is not None and field.message_type.full_name == (
            Timestamp.DESCRIPTOR.full_name
        ):
            annotation = datetime | None
        elif field.message_type is not None:
            annotation = answer_model(field.message_type)
        else:
            annotation = _SCALARS[field.type]
        if _is_repeated(field):
            annotation = list[annotation]
        fields[field.name] = (annotation, ...)
    model = create_model(
        f"{descriptor.name.removesuffix('Response')}Out",
        __base__=ResponseBody,
        __module__=__name__,
        __doc__=f"`{descriptor.full_name}` as JSON.",
        **fields,
    )
    _MODELS[descriptor.full_name] = model
    return model


def _answer(name: str) -> type[ResponseBody]:
    return answer_model(facilities_pb2.DESCRIPTOR.message_types_by_name[name])


ItemOut = _answer("Item")
ItemList = _answer("ListItemsResponse")
RequisitionOut = _answer("Requisition")
RequisitionList = _answer("ListRequisitionsResponse")
CollectionCodeOut = _answer("CollectionCode")
DemandListOut = _answer("DemandList")
DemandListList = _answer("ListDemandListsResponse")
PurchaseOrderOut = _answer("PurchaseOrder")
PurchaseOrderList = _answer("ListPurchaseOrdersResponse")
StockLevelOut = _answer("StockLevel")
StockList = _answer("ListStockResponse")
IssueOut = _answer("Issue")
IssueList = _answer("ListIssuesResponse")
StockTakeOut = _answer("StockTake")
StockTakeList = _answer("ListStockTakesResponse")
ReplenishmentList = _answer("ListReplenishmentsResponse")
RepairOut = _answer("Repair")
RepairList = _answer("ListRepairsResponse")
ZoneOut = _answer("Zone")
ZoneList = _answer("ListZonesResponse")
RoundOut = _answer("InspectionRound")
RoundList = _answer("ListRoundsResponse")
SafetyInspectionOut = _answer("SafetyInspection")
SafetyInspectionList = _answer("ListSafetyInspectionsResponse")
RectificationOut = _answer("Rectification")
TripOut = _answer("Trip")
TripList = _answer("ListTripsResponse")
ExpenseOut = _answer("Expense")
ExpenseList = _answer("ListExpensesResponse")
CompanyEventOut = _answer("CompanyEvent")
CompanyEventList = _answer("ListCompanyEventsResponse")
IncidentOut = _answer("Incident")
IncidentList = _answer("ListIncidentsResponse")

# --- requests -------------------------------------------------------------------

ItemCode = Field(min_length=1, max_length=40, examples=["A4-PAPER"])
Quantity = Field(description="a positive whole number of the item's unit", examples=[5])
DateText = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-03-25"])


class PutItemIn(RequestBody):
    name: str = Field(min_length=1, examples=["A4复印纸"])
    unit: str = Field(min_length=1, examples=["包"])
    supplier: str = Field(
        min_length=1, description="the contracted supplier", examples=["晨光文具"]
    )
    agreed_price_fen: int = Field(description="the contract's unit price in fen", examples=[2500])
    min_stock_override: int | None = Field(
        None, description="replaces the computed minimum-stock line (F-04); null: computed"
    )
    active: bool = True


class RequisitionLineIn(RequestBody):
    item_code: str = ItemCode
    quantity: int = Quantity


class SubmitRequisitionIn(RequestBody):
    purpose: str = Field("", max_length=500, examples=["部门日常办公"])
    lines: list[RequisitionLineIn] = Field(description="items and quantities (F-01)")


class RequisitionQuery(QueryParameters):
    state: str | None = Field(
        None, description="pending_approval|approved|rejected|withdrawn|collected"
    )
    mine: bool = Field(False, description="only my own requisitions")


class ConsolidateIn(RequestBody):
    month: str = Field(
        "",
        pattern=r"^(\d{4}-\d{2})?$",
        description="YYYY-MM; empty: this month",
        examples=["2026-03"],
    )


class MonthQuery(QueryParameters):
    month: str | None = Field(None, description="YYYY-MM")


class PurchaseOrderQuery(QueryParameters):
    demand_list_id: str | None = None
    state: str | None = Field(None, description="placed|partially_received|received")


class ReceivedLineIn(RequestBody):
    item_code: str = ItemCode
    quantity: int = Quantity


class ReceiveDeliveryIn(RequestBody):
    lines: list[ReceivedLineIn] = Field(
        default_factory=list, description="what arrived; empty: everything outstanding"
    )


class StockQuery(QueryParameters):
    item_code: str | None = None


class BookInIn(RequestBody):
    item_code: str = ItemCode
    quantity: int = Quantity
    unit_cost_fen: int = Field(description="cost of one unit in this batch, fen")
    reason: str = Field(min_length=1, examples=["期初库存"])


class IssueIn(RequestBody):
    item_code: str = ItemCode
    quantity: int = Quantity
    recipient: str = Field(min_length=1, description="username of who takes the goods")
    reason: str = Field(min_length=1, examples=["会议临时领用"])


class IssueQuery(QueryParameters):
    item_code: str | None = None
    requisition_id: str | None = None


class ScanIn(RequestBody):
    code: str = Field(description="the scanned QR payload (F-05)")


class StockCountIn(RequestBody):
    item_code: str = ItemCode
    counted: int = Field(description="units found on the shelf")
    reason: str = Field("", description="required when the count differs from the books")


class StockTakeIn(RequestBody):
    counts: list[StockCountIn]
    note: str = ""


class StateQuery(QueryParameters):
    state: str | None = None


class ReportRepairIn(RequestBody):
    title: str = Field(min_length=1, max_length=200, examples=["三楼会议室空调不制冷"])
    description: str = ""
    location: str = Field(min_length=1, examples=["3F 第一会议室"])
    severity: Literal["minor", "major"] = Field(
        description="major faults must be resolved within 24 working hours (F-06)"
    )


class MineQuery(QueryParameters):
    state: str | None = None
    mine: bool = False


class NoteIn(RequestBody):
    note: str = ""


class ResolveRepairIn(RequestBody):
    result: str = Field(min_length=1, description="the written result (F-06)")


class ReopenRepairIn(RequestBody):
    reason: str = Field(min_length=1, description="what is still wrong")


class PutZoneIn(RequestBody):
    name: str = Field(min_length=1, examples=["茶水间"])
    kind: Literal["reception", "open_office", "meeting_room", "tea_room", "other"]
    owner: str = Field(min_length=1, description="username of who walks the round")
    checklist: list[str] = Field(examples=[["卫生", "绿植", "饮水机"]])
    round_time: str = Field(pattern=r"^\d{2}:\d{2}$", examples=["09:00"])


class CheckResultIn(RequestBody):
    item: str
    ok: bool
    note: str = ""


class RecordRoundIn(RequestBody):
    zone_code: str
    results: list[CheckResultIn] = Field(description="one answer per checklist item (F-07)")


class RoundQuery(QueryParameters):
    zone_code: str | None = None
    day: str | None = Field(None, description="YYYY-MM-DD")


class FindingIn(RequestBody):
    description: str = Field(min_length=1, examples=["安全出口指示灯损坏"])
    location: str = Field(min_length=1, examples=["B1 楼梯间"])
    owner: str = Field(min_length=1, description="username responsible for the rectification")
    due_date: str = DateText


class SafetyInspectionIn(RequestBody):
    quarter: str = Field(pattern=r"^\d{4}-Q[1-4]$", examples=["2026-Q1"])
    summary: str = Field(min_length=1)
    findings: list[FindingIn] = Field(default_factory=list)


class QuarterQuery(QueryParameters):
    quarter: str | None = Field(None, description="YYYY-Qn")


class TripIn(RequestBody):
    destination: str = Field(min_length=1, examples=["上海"])
    purpose: str = Field(min_length=1)
    start_date: str = DateText
    end_date: str = DateText
    needs_flight: bool = False
    needs_hotel: bool = False
    needs_visa: bool = False
    estimated_cost_fen: int = 0


class TravelQuery(QueryParameters):
    mine: bool = False
    state: str | None = None


class ExpenseLineIn(RequestBody):
    category: Literal["transport", "lodging", "meals", "visa", "other"]
    description: str = ""
    amount_fen: int
    receipt: str = Field(min_length=1, description="receipt (发票) number or file reference")


class ExpenseIn(RequestBody):
    trip_id: str = Field("", description="the approved trip the claim belongs to, if any")
    lines: list[ExpenseLineIn]


class CompanyEventIn(RequestBody):
    title: str = Field(min_length=1, examples=["2026 年会"])
    kind: Literal["annual_meeting", "training", "team_building", "other"]
    event_date: str = DateText
    venue: str = Field(min_length=1)
    catering: str = ""
    plan: str = Field(min_length=1, description="the programme")
    headcount: int
    budget_fen: int = 0


class ReportIncidentIn(RequestBody):
    kind: Literal["power_cut", "network", "fire", "water", "other"]
    description: str = Field(min_length=1, examples=["整栋楼停电"])
    location: str = Field(min_length=1, examples=["办公楼 A 座"])
