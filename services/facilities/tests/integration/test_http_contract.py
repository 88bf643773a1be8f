"""The facilities proto is the HTTP contract (issue 10): every RPC declares
its route and gate, every list pages, the QR image is an HttpBody, what the
old gateway route did (defaults, renames) is done by the service, and
quantities and amounts are bounded for every caller (issue 13)."""

from __future__ import annotations

import grpc
import pytest
from google.api import annotations_pb2

from facilities.domain.travel import ExpenseLine
from facilities.entrypoints.grpc_servicer import FacilitiesServicer
from facilities.service_layer.supplies import PutItem
from facilities.service_layer.travel import EventPlan
from facilities_testkit import EMPLOYEE, STOREKEEPER, Harness
from secretariat.api.v1 import options_pb2
from secretariat.facilities.v1 import facilities_pb2 as pb
from secretariat.facilities.v1 import facilities_pb2_grpc
from secretariat_shared.contract.status import field_errors_of
from secretariat_shared.errors import ValidationFailed
from secretariat_shared.grpc_server import identity_metadata
from secretariat_shared.identity import (
    SERVICE_AUDIENCE,
    Identity,
    IdentitySigner,
)
from secretariat_shared.paging import page_of
from secretariat_shared.service import Servicer
from secretariat_shared.testing import GrpcServerFactory, keypair_for_tests

pytestmark = pytest.mark.integration

PRIVATE = keypair_for_tests()[0]
SERVICE = pb.DESCRIPTOR.services_by_name["Facilities"]
HUGE = 2**40


@pytest.fixture
def stub(harness: Harness, grpc_server: GrpcServerFactory) -> facilities_pb2_grpc.FacilitiesStub:
    servicer = FacilitiesServicer(
        harness.supplies, harness.repairs, harness.sites, harness.travel, harness.incidents
    )
    server = grpc_server(
        servicers=[Servicer.of(pb, facilities_pb2_grpc, "Facilities", servicer)],
        clock=harness.clock,
    )
    return facilities_pb2_grpc.FacilitiesStub(server.channel)


def as_(harness: Harness, who: Identity) -> tuple[tuple[str, str], ...]:
    return identity_metadata(IdentitySigner(PRIVATE, harness.clock).sign(who, SERVICE_AUDIENCE, 60))


def refused(call: object) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as caught:
        call()  # type: ignore[operator]
    return caught.value.code()


def bad_fields(call: object) -> list[str]:
    """The fields a google.rpc.BadRequest names, for a call refused as INVALID_ARGUMENT."""
    with pytest.raises(grpc.RpcError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    return [e.field for e in field_errors_of(caught.value)]


def field_of(call: object) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        call()  # type: ignore[operator]
    return [e.field for e in caught.value.errors]


# --- the contract in the descriptors -------------------------------------------


def test_issue10_every_rpc_declares_its_route_gate_and_documentation() -> None:
    for method in SERVICE.methods:
        options = method.GetOptions()
        rule = options.Extensions[annotations_pb2.http]
        assert rule.WhichOneof("pattern"), method.name
        operation = options.Extensions[options_pb2.operation]
        assert operation.summary, method.name
        assert operation.tag, method.name
    reimburse = SERVICE.methods_by_name["MarkReimbursed"].GetOptions()
    assert list(reimburse.Extensions[options_pb2.operation].roles) == ["finance"]


def test_issue10_every_list_takes_page_and_page_size_and_answers_the_list_shape() -> None:
    lists = [m for m in SERVICE.methods if m.name.startswith("List")]
    assert (
        len(lists) == 18
    )  # ListFacilitiesAuditEntries and ListSupplyBudgets (F-01) included
    for method in lists:
        assert {"page", "page_size"} <= set(method.input_type.fields_by_name), method.name
        answer = set(method.output_type.fields_by_name)
        assert answer == {"items", "total", "page", "page_size"}, method.name


def test_f05_qr_image_is_an_http_body_and_the_json_code_carries_no_png() -> None:
    qr = SERVICE.methods_by_name["GetCollectionQr"]
    assert qr.output_type.full_name == "google.api.HttpBody"
    rule = qr.GetOptions().Extensions[annotations_pb2.http]
    assert rule.get == "/api/v1/supplies/requisitions/{id}/code.png"
    assert list(qr.GetOptions().Extensions[options_pb2.operation].media_types) == ["image/png"]
    assert "png" not in pb.CollectionCode.DESCRIPTOR.fields_by_name


# --- paging ----------------------------------------------------------------------


def test_issue10_catalogue_pages_with_total_and_default_page_size(
    stub: facilities_pb2_grpc.FacilitiesStub, harness: Harness
) -> None:
    for code in ("A", "B", "C"):
        harness.add_item(code, 100)
    first = stub.ListItems(pb.ListItemsRequest(page_size=2), metadata=as_(harness, EMPLOYEE))
    assert ([i.code for i in first.items], first.total, first.page, first.page_size) == (
        ["A", "B"],
        3,
        1,
        2,
    )
    second = stub.ListItems(
        pb.ListItemsRequest(page=2, page_size=2), metadata=as_(harness, EMPLOYEE)
    )
    assert [i.code for i in second.items] == ["C"]
    default = stub.ListItems(pb.ListItemsRequest(), metadata=as_(harness, EMPLOYEE))
    assert (len(default.items), default.page, default.page_size) == (3, 1, 20)
    too_big = pb.ListItemsRequest(page_size=101)
    code = refused(lambda: stub.ListItems(too_big, metadata=as_(harness, EMPLOYEE)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_issue10_stock_pages_computing_only_the_page(
    stub: facilities_pb2_grpc.FacilitiesStub, harness: Harness
) -> None:
    for code in ("A", "B", "C"):
        harness.add_item(code, 100)
    page = stub.ListStock(
        pb.ListStockRequest(page=2, page_size=2), metadata=as_(harness, STOREKEEPER)
    )
    assert ([s.item_code for s in page.items], page.total) == (["C"], 3)


def test_issue10_pages_neither_repeat_nor_skip_rows_submitted_at_the_same_moment(
    stub: facilities_pb2_grpc.FacilitiesStub, harness: Harness
) -> None:
    harness.add_item("PEN", 150)
    submitted = {
        harness.supplies.submit_requisition(EMPLOYEE, "", [("PEN", 1)]).id for _ in range(5)
    }
    seen: list[str] = []
    for page in (1, 2, 3):
        answer = stub.ListRequisitions(
            pb.ListRequisitionsRequest(mine=True, page=page, page_size=2),
            metadata=as_(harness, EMPLOYEE),
        )
        assert answer.total == 5
        seen.extend(r.id for r in answer.items)
    assert sorted(seen) == sorted(submitted)


def test_issue10_issue_ledger_filtered_by_item_pages_over_the_matches(harness: Harness) -> None:
    harness.add_item("PEN", 150)
    harness.add_item("INK", 300)
    harness.supplies.book_in(STOREKEEPER, "PEN", 10, 150, "期初")
    harness.supplies.book_in(STOREKEEPER, "INK", 10, 300, "期初")
    for code in ("PEN", "INK", "PEN", "PEN"):
        harness.supplies.issue(STOREKEEPER, code, 1, "hr.staff", "领用")
    listing = harness.supplies.list_issues(STOREKEEPER, "pen", "", page_of(2, 2))
    assert (len(listing.items), listing.total) == (1, 3)


# --- what the old gateway route did, now in the service ---------------------------


def test_f02_put_item_defaults_active_and_computed_line_when_absent(
    stub: facilities_pb2_grpc.FacilitiesStub, harness: Harness
) -> None:
    plain = stub.PutItem(
        pb.PutItemRequest(code="pen", name="笔", unit="支", supplier="晨光", agreed_price_fen=150),
        metadata=as_(harness, STOREKEEPER),
    )
    assert (plain.code, plain.active, plain.has_override) == ("PEN", True, False)
    zero = stub.PutItem(
        pb.PutItemRequest(
            code="PEN",
            name="笔",
            unit="支",
            supplier="晨光",
            agreed_price_fen=150,
            min_stock_override=0,
            active=False,
        ),
        metadata=as_(harness, STOREKEEPER),
    )
    assert (zero.active, zero.has_override, zero.min_stock_override) == (False, True, 0)


def test_f06_resolve_and_reopen_take_result_and_reason(
    stub: facilities_pb2_grpc.FacilitiesStub, harness: Harness
) -> None:
    repair = harness.repairs.report(EMPLOYEE, "空调不制冷", "", "3F", "minor")
    harness.repairs.respond(STOREKEEPER, repair.id, "")
    resolved = stub.ResolveRepair(
        pb.ResolveRepairRequest(id=repair.id, result="更换滤网"),
        metadata=as_(harness, STOREKEEPER),
    )
    assert resolved.result == "更换滤网"
    reopened = stub.ReopenRepair(
        pb.ReopenRepairRequest(id=repair.id, reason="仍不制冷"), metadata=as_(harness, EMPLOYEE)
    )
    assert (reopened.state, reopened.history[-1].note) == ("reopened", "仍不制冷")
    assert field_of(lambda: harness.repairs.resolve(STOREKEEPER, repair.id, " ")) == ["result"]


# --- bounds (issue 13) -------------------------------------------------------------


def test_issue13_a_quantity_of_2_to_the_40_is_refused_over_grpc(
    stub: facilities_pb2_grpc.FacilitiesStub, harness: Harness
) -> None:
    harness.add_item("PAPER", 2500)
    huge = pb.SubmitRequisitionRequest(
        lines=[pb.SubmitRequisitionLine(item_code="PAPER", quantity=HUGE)]
    )
    assert bad_fields(lambda: stub.SubmitRequisition(huge, metadata=as_(harness, EMPLOYEE))) == [
        "lines[0].quantity"
    ]
    book_in = pb.BookInRequest(item_code="PAPER", quantity=HUGE, unit_cost_fen=1, reason="x")
    assert bad_fields(lambda: stub.BookIn(book_in, metadata=as_(harness, STOREKEEPER))) == [
        "quantity"
    ]
    assert harness.stock("PAPER") == 0
    listed = stub.ListRequisitions(pb.ListRequisitionsRequest(), metadata=as_(harness, EMPLOYEE))
    assert listed.total == 0


def test_issue13_the_domain_refuses_2_to_the_40_units_whoever_calls(harness: Harness) -> None:
    harness.add_item("PAPER", 2500)
    supplies = harness.supplies
    assert field_of(lambda: supplies.submit_requisition(EMPLOYEE, "", [("PAPER", HUGE)])) == [
        "lines[0].quantity"
    ]
    assert field_of(lambda: supplies.book_in(STOREKEEPER, "PAPER", HUGE, 1, "期初")) == ["quantity"]
    assert field_of(lambda: supplies.issue(STOREKEEPER, "PAPER", HUGE, "hr.staff", "领用")) == [
        "quantity"
    ]
    assert field_of(
        lambda: supplies.put_item(
            STOREKEEPER, PutItem("PAPER", "纸", "包", "晨光", 2500, min_stock_override=HUGE)
        )
    ) == ["min_stock_override"]
    assert harness.stock("PAPER") == 0


def test_issue13_amounts_over_10_to_the_10_fen_are_refused(harness: Harness) -> None:
    too_much = 10**10 + 1
    assert field_of(
        lambda: harness.supplies.put_item(
            STOREKEEPER, PutItem("GOLD", "金", "克", "某供应商", too_much)
        )
    ) == ["agreed_price_fen"]
    assert field_of(lambda: harness.supplies.book_in(STOREKEEPER, "GOLD", 1, too_much, "期初")) == [
        "unit_cost_fen"
    ]
    plan = EventPlan("年会", "annual_meeting", "2099-01-01", "礼堂", "", "议程", 10**6, too_much)
    assert field_of(lambda: harness.travel.plan_event(STOREKEEPER, plan)) == [
        "headcount",
        "budget_fen",
    ]
    claim = [ExpenseLine("meals", "", too_much, "F-001")]
    assert field_of(lambda: harness.travel.claim_expense(EMPLOYEE, "", claim)) == [
        "lines[0].amount_fen"
    ]
