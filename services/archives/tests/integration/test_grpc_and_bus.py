"""The Archives gRPC API over a real channel (identity, errors, HttpBody, the
client-streaming climate RPC) and the archived-document consumer on a real
bus (embedded transport, RabbitMQ when configured)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime

import grpc
import pytest
from archives_testkit import ARCHIVIST, FIN_STAFF, HR_STAFF, Harness

from archives.adapters.orm import platform
from archives.bootstrap import DOCUMENT_ARCHIVED, subscriptions
from archives.entrypoints.grpc_servicer import ArchivesServicer
from archives.service_layer.ports import ArchivedDocument
from secretariat.archives.v1 import archives_pb2 as pb
from secretariat.archives.v1 import archives_pb2_grpc
from secretariat.documents.v1 import events_pb2 as documents_events
from secretariat_shared.bus import BusTopology
from secretariat_shared.contract.status import field_errors_of
from secretariat_shared.events import make_envelope
from secretariat_shared.grpc_server import identity_metadata
from secretariat_shared.identity import (
    SERVICE_AUDIENCE,
    Identity,
    IdentitySigner,
    IdentityVerifier,
    service_token,
)
from secretariat_shared.service import Servicer
from secretariat_shared.testing import (
    TEST_INTERNAL_SECRET,
    GrpcServerFactory,
    deliver_over_bus,
    keypair_for_tests,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def stub(harness: Harness, grpc_server: GrpcServerFactory) -> archives_pb2_grpc.ArchivesStub:
    verifier = IdentityVerifier(keypair_for_tests()[1], harness.clock, TEST_INTERNAL_SECRET)
    servicer = ArchivesServicer(
        harness.records,
        harness.loans,
        harness.climate,
        harness.stock_takes,
        harness.destructions,
        verifier,
        harness.clock,
    )
    server = grpc_server(
        servicers=[Servicer.of(pb, archives_pb2_grpc, "Archives", servicer)], clock=harness.clock
    )
    return archives_pb2_grpc.ArchivesStub(server.channel)


def as_(harness: Harness, who: Identity) -> tuple[tuple[str, str], ...]:
    signer = IdentitySigner(keypair_for_tests()[0], harness.clock)
    return identity_metadata(signer.sign(who, SERVICE_AUDIENCE, 60))


def test_a01_record_with_copy_over_grpc_and_the_copy_comes_back_checked(
    stub: archives_pb2_grpc.ArchivesStub, harness: Harness
) -> None:
    content = "会议纪要扫描件".encode()
    with pytest.raises(grpc.RpcError) as caught:
        stub.CreateRecord(
            pb.CreateRecordRequest(
                number="HR-2026-07-001",
                title="办公会议纪要",
                type_code="07",
                department_code="HR",
                security_class="internal",
                retention="30y",
                document_date="2026-02-01",
                copy_content=content,
                copy_file_name="纪要.pdf",
                copy_sha256="0" * 64,
            ),
            metadata=as_(harness, ARCHIVIST),
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_errors_of(caught.value)[0].field == "copy_sha256"
    created = stub.CreateRecord(
        pb.CreateRecordRequest(
            number="HR-2026-07-001",
            title="办公会议纪要",
            type_code="07",
            department_code="HR",
            security_class="internal",
            retention="30y",
            document_date="2026-02-01",
            copy_content=content,
            copy_file_name="纪要.pdf",
            copy_content_type="application/pdf",
            copy_sha256=hashlib.sha256(content).hexdigest(),
            shelf=pb.ShelfLocation(storeroom="R1", cabinet="C2", shelf="S3", box="B4"),
        ),
        metadata=as_(harness, ARCHIVIST),
    )
    assert created.copy.sha256 == hashlib.sha256(content).hexdigest()
    assert created.shelf.box == "B4"
    assert created.retention_until == "2056-02-01"
    body, call = stub.GetRecordCopy.with_call(
        pb.GetRecordRequest(id=created.id), metadata=as_(harness, HR_STAFF)
    )
    assert (body.content_type, body.data) == ("application/pdf", content)
    headers = dict(call.initial_metadata())
    assert headers["x-content-sha256"] == created.copy.sha256
    with pytest.raises(grpc.RpcError) as hidden:
        stub.GetRecordCopy(pb.GetRecordRequest(id=created.id), metadata=as_(harness, FIN_STAFF))
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    found = stub.ListRecords(pb.ListRecordsRequest(q="会议纪要"), metadata=as_(harness, HR_STAFF))
    assert found.total == 1
    assert "<mark>" in found.items[0].highlight
    assert (
        stub.ListRecords(
            pb.ListRecordsRequest(q="会议纪要"), metadata=as_(harness, FIN_STAFF)
        ).total
        == 0
    )


def test_a04_climate_readings_stream_from_a_sensor_gateway(
    stub: archives_pb2_grpc.ArchivesStub, harness: Harness
) -> None:
    def readings() -> Iterator[pb.ClimateReading]:
        for i in range(2500):
            yield pb.ClimateReading(storeroom=f"R{i % 3}", temperature_c=20.0, humidity_pct=50.0)
        yield pb.ClimateReading(storeroom="R1", temperature_c=26.0, humidity_pct=50.0)

    token = service_token("sensor-gateway", TEST_INTERNAL_SECRET, harness.clock)
    summary = stub.StreamClimateReadings(readings(), metadata=identity_metadata(token))
    assert (summary.accepted, summary.alerts_raised) == (2501, 1)
    with pytest.raises(grpc.RpcError) as caught:
        stub.StreamClimateReadings(iter([pb.ClimateReading(storeroom="R1")]))
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as refused:
        stub.StreamClimateReadings(
            iter([pb.ClimateReading(storeroom="", temperature_c=20, humidity_pct=50)]),
            metadata=identity_metadata(token),
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as denied:
        stub.StreamClimateReadings(
            iter([pb.ClimateReading(storeroom="R1", temperature_c=20, humidity_pct=50)]),
            metadata=as_(harness, HR_STAFF),
        )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_a01_archived_document_arrives_over_the_bus_and_is_archived_once(
    harness: Harness, bus_url: str, bus_namespace: str
) -> None:
    harness.documents.docs["doc-7"] = ArchivedDocument(
        id="doc-7",
        number="FIN-2026-02-003",
        title="财务季度报告",
        type_code="02",
        department_code="FIN",
        security_class="public",
        retention="30y",
        body="正文",
        registered_at=datetime(2026, 2, 1, 2, 0, tzinfo=UTC),
    )
    archived = make_envelope(
        DOCUMENT_ARCHIVED,
        "documents",
        "doc-7",
        documents_events.DocumentArchived(document_id="doc-7", number="FIN-2026-02-003"),
        harness.clock.now(),
    )
    settled = deliver_over_bus(
        bus_url,
        BusTopology(prefix=f"{bus_namespace}."),
        subscriptions(harness.records, harness.outcomes),
        [archived],  # published twice: a duplicate delivery
        service="archives",
        db=harness.db,
        tables=platform,
        clock=harness.clock,
    )
    assert settled == 2
    from archives.service_layer.records import SearchQuery

    _, total, _, _ = harness.records.search(HR_STAFF, SearchQuery(q="季度报告"))
    assert total == 1
    assert harness.event_types().count("archives.record.created") == 1
