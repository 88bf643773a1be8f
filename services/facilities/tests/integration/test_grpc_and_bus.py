"""The Facilities gRPC API over a real channel (identity, errors, mapping) and
the approval-outcome consumer on a real bus (embedded transport, RabbitMQ when
configured)."""

from __future__ import annotations

import grpc
import pytest

from facilities.adapters.orm import platform
from facilities.bootstrap import APPROVAL_COMPLETED
from facilities.entrypoints.grpc_servicer import FacilitiesServicer
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork
from facilities_testkit import EMPLOYEE, HR_HEAD, STOREKEEPER, Harness
from secretariat.documents.v1 import events_pb2 as documents_events
from secretariat.facilities.v1 import facilities_pb2 as pb
from secretariat.facilities.v1 import facilities_pb2_grpc
from secretariat_shared.bus import BusTopology, EventPublisher
from secretariat_shared.consumer import EventConsumer
from secretariat_shared.contract.status import field_errors_of
from secretariat_shared.events import make_envelope
from secretariat_shared.grpc_server import (
    identity_metadata,
)
from secretariat_shared.identity import (
    SERVICE_AUDIENCE,
    Identity,
    IdentitySigner,
)
from secretariat_shared.service import Servicer
from secretariat_shared.testing import GrpcServerFactory, keypair_for_tests

pytestmark = pytest.mark.integration

PRIVATE = keypair_for_tests()[0]


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


def test_x03_call_without_identity_is_unauthenticated(
    stub: facilities_pb2_grpc.FacilitiesStub,
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.ListItems(pb.ListItemsRequest())
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_f01_requisition_over_grpc_with_field_errors(
    stub: facilities_pb2_grpc.FacilitiesStub, harness: Harness
) -> None:
    stub.PutItem(
        pb.PutItemRequest(
            code="A4-PAPER",
            name="A4复印纸",
            unit="包",
            supplier="晨光文具",
            agreed_price_fen=2500,
            active=True,
        ),
        metadata=as_(harness, STOREKEEPER),
    )
    with pytest.raises(grpc.RpcError) as caught:
        stub.SubmitRequisition(
            pb.SubmitRequisitionRequest(
                lines=[pb.SubmitRequisitionLine(item_code="A4-PAPER", quantity=0)]
            ),
            metadata=as_(harness, EMPLOYEE),
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_errors_of(caught.value)[0].field == "lines[0].quantity"
    created = stub.SubmitRequisition(
        pb.SubmitRequisitionRequest(
            purpose="日常",
            lines=[pb.SubmitRequisitionLine(item_code="A4-PAPER", quantity=2)],
        ),
        metadata=as_(harness, EMPLOYEE),
    )
    assert (created.state, created.total_fen, created.lines[0].amount_fen) == (
        "pending_approval",
        5000,
        5000,
    )
    assert created.submitted_at.seconds > 0
    with pytest.raises(grpc.RpcError) as denied:
        stub.ConsolidateDemandList(
            pb.ConsolidateDemandListRequest(), metadata=as_(harness, EMPLOYEE)
        )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert list(created.signers) == ["hr.head"]
    with pytest.raises(grpc.RpcError) as no_reason:
        stub.SignRequisition(
            pb.SignRequisitionRequest(id=created.id, action="reject"),
            metadata=as_(harness, HR_HEAD),
        )
    assert no_reason.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_errors_of(no_reason.value)[0].field == "comment"
    signed = stub.SignRequisition(
        pb.SignRequisitionRequest(id=created.id, action="approve", comment="同意"),
        metadata=as_(harness, HR_HEAD),
    )
    assert (signed.state, signed.signed_by) == ("approved", "hr.head")
    assert signed.signed_at.seconds > 0
    demand = stub.ConsolidateDemandList(
        pb.ConsolidateDemandListRequest(month="2026-03"), metadata=as_(harness, STOREKEEPER)
    )
    assert [d.department_code for d in demand.departments] == ["HR"]
    harness.decide(f"demand-list:{demand.id}")
    code = stub.GetCollectionCode(
        pb.GetCollectionCodeRequest(requisition_id=created.id),
        metadata=as_(harness, EMPLOYEE),
    )
    qr = stub.GetCollectionQr(
        pb.GetCollectionQrRequest(id=created.id), metadata=as_(harness, EMPLOYEE)
    )
    assert (qr.content_type, qr.data[:4]) == ("image/png", b"\x89PNG")
    assert code.code.startswith(f"FAC1.{created.id}.")
    with pytest.raises(grpc.RpcError) as short:
        stub.ScanToCollect(
            pb.ScanToCollectRequest(code=code.code), metadata=as_(harness, STOREKEEPER)
        )
    assert short.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_approval_outcome_arrives_over_the_bus_once(
    harness: Harness, bus_url: str, bus_namespace: str
) -> None:
    harness.add_item("PEN", 150)
    requisition = harness.supplies.submit_requisition(EMPLOYEE, "", [("PEN", 3)])
    harness.supplies.sign_requisition(HR_HEAD, requisition.id, "approve", "")
    demand = harness.supplies.consolidate(STOREKEEPER, "2026-03")
    approval_id, _ = harness.approvals.for_ref(f"demand-list:{demand.id}")
    topology = BusTopology(prefix=f"{bus_namespace}.")

    def uow() -> FacilitiesUnitOfWork:
        return FacilitiesUnitOfWork(harness.db, platform, "facilities", harness.clock)

    consumer = EventConsumer(
        bus_url, topology, "facilities", harness.db, platform, uow, clock=harness.clock
    )
    consumer.subscribe(
        APPROVAL_COMPLETED, "facilities.approval_completed", harness.outcomes.on_approval_completed
    )
    consumer.declare()
    publisher = EventPublisher(bus_url, topology)
    try:
        for source in ("archives", "facilities"):
            envelope = make_envelope(
                APPROVAL_COMPLETED,
                "documents",
                approval_id,
                documents_events.ApprovalCompleted(
                    approval=documents_events.ApprovalRef(
                        approval_id=approval_id if source == "facilities" else "other",
                        source_service=source,
                        source_ref=f"demand-list:{demand.id}",
                    ),
                    outcome="approved",
                ),
                harness.clock.now(),
            )
            raw = envelope.SerializeToString()
            publisher.publish(raw, APPROVAL_COMPLETED, envelope.id, "")
            publisher.publish(raw, APPROVAL_COMPLETED, envelope.id, "")  # a duplicate
        settled = 0
        for _ in range(20):
            settled += consumer.consume_once(timeout=1.0)
            if settled >= 4:
                break
        assert settled == 4
    finally:
        consumer.close()
        publisher.close()
    assert harness.supplies.get_demand_list(STOREKEEPER, demand.id).state == "ordered"
    assert harness.event_types().count("facilities.demand_list.approved") == 1
